import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.js';
import { dateWindows, openMeteoHourlySchema, previousRunsToPoints } from '../../src/ingest/index.js';
import { openDuckDbStores } from '../../src/storage/index.js';
import { runCli } from '../support/cli.js';

/**
 * `gridcast weather backfill` against a local server serving test/fixtures/open-meteo/previous-runs.json
 * (Open-Meteo's Previous Runs API, in its documented format; the live API is not reachable from CI).
 */
const FIXTURE_TEXT = readFileSync(new URL('../fixtures/open-meteo/previous-runs.json', import.meta.url), 'utf8');
type Fixture = { hourly: Record<string, (number | null)[]> & { time: string[] } };
const fixture = JSON.parse(FIXTURE_TEXT) as Fixture;
const H = 3_600_000;
const DAY = 24 * H;
const T0 = Date.parse('2024-03-01T00:00:00Z');

let server: Server;
let baseUrl: string;
let requests: URL[] = [];
let status = 200;
let dir: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(url);
    res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? FIXTURE_TEXT : '{"error":true,"reason":"Parameter start_date is out of allowed range"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'gridcast-backfill-'));
  await writeFile(join(dir, 'sites.json'), JSON.stringify({ sites: [{ id: 'berlin', latitude: 52.52, longitude: 13.41, timeZone: 'Europe/Berlin' }] }));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  requests = [];
  status = 200;
});

const names = { temperature_2m: 'temperature_c', shortwave_radiation: 'ghi_wm2', direct_radiation: 'direct_wm2', diffuse_radiation: 'diffuse_wm2', cloud_cover: 'cloud_cover_pct', wind_speed_10m: 'wind_speed_10m_ms', wind_speed_100m: 'wind_speed_100m_ms', wind_direction_100m: 'wind_direction_100m_deg' } as const;
/** Offset n's values at hour i, straight from the fixture's arrays. */
function valuesAt(n: number, i: number): Record<string, number> {
  const values: Record<string, number> = {};
  for (const [from, to] of Object.entries(names)) {
    const v = fixture.hourly[`${from}_previous_day${n}`]![i];
    if (v !== null && v !== undefined) values[to] = v;
  }
  return values;
}

describe('Open-Meteo Previous Runs backfill', () => {
  it('turns each offset N into an issue N×24 h before the hour, values exact, nulls left out', () => {
    const body = openMeteoHourlySchema(
      Object.keys(names).flatMap((v) => [1, 2].map((n) => ({ name: `${v}_previous_day${n}`, variable: v as keyof typeof names }))),
    ).parse(JSON.parse(FIXTURE_TEXT));
    const points = previousRunsToPoints('berlin', body, 2);
    expect(points).toHaveLength(48 + 47); // offset 2 has nothing in its first hour
    expect(points[0]).toEqual({ site: 'berlin', source: 'open-meteo', issuedAtMs: T0 - DAY, timeMs: T0, values: valuesAt(1, 0) });
    expect(points[48]).toEqual({ site: 'berlin', source: 'open-meteo', issuedAtMs: T0 + H - 2 * DAY, timeMs: T0 + H, values: valuesAt(2, 1) });
    expect(points[48]!.values).not.toHaveProperty('wind_speed_100m_ms');
    expect(dateWindows('2024-01-01', '2024-03-01')).toEqual([
      ['2024-01-01', '2024-01-31'],
      ['2024-02-01', '2024-03-01'],
    ]);
  });

  it('gridcast weather backfill stores every vintage; as-of reads pick the shortest offset issued by then', async () => {
    const path = join(dir, 'ok.duckdb');
    const env = { SITES_FILE: join(dir, 'sites.json'), DUCKDB_PATH: path, WEATHER_FORECAST_PREVIOUS_RUNS_URL: baseUrl, WEATHER_FORECAST_API_KEY: 'k-123', LOG_LEVEL: 'warn' };
    const r = await runCli(['weather', 'backfill', '--from', '2024-03-01', '--to', '2024-03-02', '--days', '2'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({ site: 'berlin', from: '2024-03-01', to: '2024-03-02', points: 95 });
    expect(requests).toHaveLength(1);
    const q = Object.fromEntries(requests[0]!.searchParams);
    expect(q).toMatchObject({ latitude: '52.52', longitude: '13.41', start_date: '2024-03-01', end_date: '2024-03-02', timezone: 'UTC', wind_speed_unit: 'ms', apikey: 'k-123' });
    expect(q.hourly!.split(',')).toHaveLength(16);
    expect(q.hourly).toContain('wind_direction_100m_previous_day2');

    const stores = openDuckDbStores({ path }, silentLogger);
    await stores.init();
    try {
      const at = T0 + 30 * H; // hour 30 of the fixture
      const read = (asOfMs?: number) => stores.weatherForecasts.readWeatherForecasts({ site: 'berlin', fromMs: at, toMs: at + 1, ...(asOfMs === undefined ? {} : { asOfMs }) });
      expect(await read()).toEqual([{ site: 'berlin', source: 'open-meteo', issuedAtMs: at - DAY, timeMs: at, values: valuesAt(1, 30) }]);
      expect(await read(at - DAY - 1)).toEqual([{ site: 'berlin', source: 'open-meteo', issuedAtMs: at - 2 * DAY, timeMs: at, values: valuesAt(2, 30) }]);
      expect(await read(at - 2 * DAY - 1)).toEqual([]);
    } finally {
      await stores.close();
    }
  });

  it('exits 1 naming the site and the URL when the API fails, and 2 on bad dates', async () => {
    status = 400;
    const env = { SITES_FILE: join(dir, 'sites.json'), DUCKDB_PATH: join(dir, 'fail.duckdb'), WEATHER_FORECAST_PREVIOUS_RUNS_URL: baseUrl, LOG_LEVEL: 'warn' };
    const r = await runCli(['weather', 'backfill', '--from', '2024-03-01', '--to', '2024-03-02'], env);
    expect(r.code).toBe(1);
    const line = JSON.parse(r.stdout.trim()) as { site: string; points: number; error: string };
    expect(line).toMatchObject({ site: 'berlin', points: 0 });
    expect(line.error).toMatch(new RegExp(`site 'berlin' from ${baseUrl}/v1/forecast\\?latitude=52\\.52.*HTTP 400: Parameter start_date is out of allowed range`));
    const bad = await runCli(['weather', 'backfill', '--from', '2024-03-05', '--to', '2024-03-01'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--from must not be after --to');
  });
});

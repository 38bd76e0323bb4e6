import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.js';
import { loadConfig } from '../../src/config/index.js';
import type { ForecastErrorPoint, ForecastPoint, TelemetryPoint } from '../../src/contract/index.js';
import { openDuckDbStores, openInfluxStores, type Stores } from '../../src/storage/index.js';
import { runCli } from '../support/cli.js';
import { Influxd } from '../support/services.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 2, 1);
const FROM = '2026-03-01T00:00:00Z';
const TO = '2026-03-03T00:00:00Z';

const telemetry: TelemetryPoint[] = [
  { site: 's1', feeder: 'f1', meter: 'm1', kind: 'load', timeMs: T0 + 123, fields: { power_kw: 1.25, voltage_v: 230.5 } },
  { site: 's1', feeder: 'f1', meter: 'm1', kind: 'load', timeMs: T0 + H, fields: { power_kw: -0.5, energy_kwh: 12.75 } },
  { site: 's1', feeder: 'f2', meter: 'pv1', kind: 'pv', timeMs: T0 + H, fields: { power_kw: 3.5, irradiance_wm2: 610 } },
  // The second day: the export reads a day at a time.
  { site: 's1', feeder: 'f1', meter: 'm1', kind: 'load', timeMs: T0 + 30 * H, fields: { power_kw: 2 } },
  { site: 's2', feeder: 'f1', meter: 'm9', kind: 'load', timeMs: T0 + 2 * H, fields: { power_kw: 9 } },
  // Outside the range.
  { site: 's1', feeder: 'f1', meter: 'm1', kind: 'load', timeMs: T0 + 48 * H, fields: { power_kw: 99 } },
];
const issued = T0 - 14 * H;
const forecasts: ForecastPoint[] = [0, 1, 2].map((i) => ({
  site: 's1',
  feeder: 'all',
  target: 'load',
  model: 'lstm-v1',
  issuedAtMs: issued,
  timeMs: T0 + i * H,
  p10Kw: 1 + i,
  p50Kw: 2 + i,
  p90Kw: 3.5 + i,
  ...(i === 1 ? { bandScaleLower: 1.5, bandScaleUpper: 0.75 } : {}),
}));
forecasts.push({ site: 's2', feeder: 'all', target: 'load', model: 'seasonal-naive-week', issuedAtMs: issued, timeMs: T0, p10Kw: 5, p50Kw: 6, p90Kw: 7 });
const scores: ForecastErrorPoint[] = [
  { site: 's1', feeder: 'all', target: 'load', model: 'lstm-v1', issuedAtMs: issued, timeMs: T0, actualKw: 2.5, p50Kw: 2, errorKw: -0.5, absErrorKw: 0.5, apePct: 20, inBand: 1, pinballKw: 0.125 },
  { site: 's1', feeder: 'all', target: 'load', model: 'lstm-v1', issuedAtMs: issued, timeMs: T0 + H, actualKw: 0, p50Kw: 3, errorKw: 3, absErrorKw: 3, inBand: 0, pinballKw: 1.5 },
];

async function seed(stores: Stores): Promise<void> {
  await stores.init();
  await stores.telemetry.writePoints(telemetry);
  await stores.forecasts.writeForecasts(forecasts);
  await stores.forecasts.writeForecastErrors(scores);
  await stores.close();
}

type Row = Record<string, string | number | null>;

function readCsv(text: string): Row[] {
  return parse(text, { columns: true }) as Row[];
}

/** The Parquet file as DuckDB reads it, times as ISO strings and numbers as numbers, like the CSV after toNum. */
async function readParquet(path: string): Promise<{ rows: Row[]; types: Record<string, string> }> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const types = Object.fromEntries((await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`)).getRowObjects().map((r) => [String(r.column_name), String(r.column_type)]));
    const timeCols = Object.keys(types).filter((c) => types[c]!.startsWith('TIMESTAMP'));
    const select = Object.keys(types)
      .map((c) => (timeCols.includes(c) ? `strftime(${c} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS ${c}` : c))
      .join(', ');
    const rows = (await conn.runAndReadAll(`SELECT ${select} FROM read_parquet('${path}')`)).getRowObjects();
    return { rows: rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : typeof v === 'string' ? v : Number(v)]))), types };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** CSV cells as the Parquet reader gives them: empty → null, numeric columns → numbers. */
function toNum(rows: Row[], textColumns: string[]): Row[] {
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === '' ? null : textColumns.includes(k) ? v : Number(v)])));
}

const iso = (ms: number) => new Date(ms).toISOString();
const TELEMETRY_TEXT = ['time', 'site', 'feeder', 'meter', 'kind'];
const FORECAST_TEXT = ['site', 'feeder', 'target', 'model', 'issued_at', 'time'];

function expectedTelemetry(site?: string): Row[] {
  const inRange = telemetry.filter((p) => p.timeMs < T0 + 48 * H && (site === undefined || p.site === site)).sort((a, b) => a.timeMs - b.timeMs || a.site.localeCompare(b.site) || a.feeder.localeCompare(b.feeder));
  return inRange.map((p) => ({
    time: iso(p.timeMs),
    site: p.site,
    feeder: p.feeder,
    meter: p.meter,
    kind: p.kind,
    power_kw: p.fields.power_kw ?? null,
    energy_kwh: p.fields.energy_kwh ?? null,
    voltage_v: p.fields.voltage_v ?? null,
    soc_pct: null,
    temperature_c: null,
    irradiance_wm2: p.fields.irradiance_wm2 ?? null,
    wind_speed_ms: null,
  }));
}

const expectedForecasts: Row[] = forecasts.map((p) => ({
  site: p.site,
  feeder: p.feeder,
  target: p.target,
  model: p.model,
  issued_at: iso(p.issuedAtMs),
  time: iso(p.timeMs),
  lead_hours: Math.round((p.timeMs - p.issuedAtMs) / H),
  p10_kw: p.p10Kw,
  p50_kw: p.p50Kw,
  p90_kw: p.p90Kw,
  band_scale_lower: p.bandScaleLower ?? 1,
  band_scale_upper: p.bandScaleUpper ?? 1,
}));

const expectedScores: Row[] = scores.map((p) => ({
  site: p.site,
  feeder: p.feeder,
  target: p.target,
  model: p.model,
  issued_at: iso(p.issuedAtMs),
  time: iso(p.timeMs),
  lead_hours: Math.round((p.timeMs - p.issuedAtMs) / H),
  actual_kw: p.actualKw,
  p50_kw: p.p50Kw,
  error_kw: p.errorKw,
  abs_error_kw: p.absErrorKw,
  ape_pct: p.apePct ?? null,
  in_band: p.inBand,
  pinball_kw: p.pinballKw,
}));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridcast-export-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Exports every kind in both formats and checks each file against what was written. */
async function exportsEverything(env: Record<string, string>, tag: string): Promise<void> {
  const cases = [
    { what: 'telemetry', expected: expectedTelemetry(), text: TELEMETRY_TEXT },
    { what: 'forecasts', expected: expectedForecasts, text: FORECAST_TEXT },
    { what: 'scores', expected: expectedScores, text: FORECAST_TEXT },
  ];
  for (const c of cases) {
    const csv = join(dir, `${tag}-${c.what}.csv`);
    const r = await runCli(['export', '--what', c.what, '--from', FROM, '--to', TO, '--out', csv], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`exported ${c.expected.length} ${c.what} rows`);
    const text = await readFile(csv, 'utf8');
    expect(text.split('\r\n')[0]).toBe(Object.keys(c.expected[0]!).join(','));
    expect(toNum(readCsv(text), c.text)).toEqual(c.expected);

    const parquet = join(dir, `${tag}-${c.what}.parquet`);
    const p = await runCli(['export', '--what', c.what, '--from', FROM, '--to', TO, '--out', parquet], env);
    expect(p.code, p.stderr).toBe(0);
    const back = await readParquet(parquet);
    expect(back.rows).toEqual(c.expected);
    expect(back.types.time).toBe('TIMESTAMP WITH TIME ZONE');
  }
}

describe('gridcast export on the DuckDB store', () => {
  let env: Record<string, string>;
  beforeAll(async () => {
    const path = join(dir, 'store.duckdb');
    await seed(openDuckDbStores({ path }, silentLogger));
    env = { DUCKDB_PATH: path, LOG_LEVEL: 'warn' };
  });

  it('writes telemetry, forecasts and scores to CSV and Parquet, values as stored, times ISO-8601', async () => {
    await exportsEverything(env, 'duckdb');
  });

  it('exports one site, with --format overriding the file name', async () => {
    const out = join(dir, 's2-telemetry.data');
    const r = await runCli(['export', '--what', 'telemetry', '--from', '2026-03-01', '--to', TO, '--site', 's2', '--format', 'parquet', '--out', out], env);
    expect(r.code, r.stderr).toBe(0);
    expect((await readParquet(out)).rows).toEqual(expectedTelemetry('s2'));
    const f = join(dir, 's2-forecasts.csv');
    expect((await runCli(['export', '--what', 'forecasts', '--from', FROM, '--to', TO, '--site', 's2', '--out', f], env)).code).toBe(0);
    expect(toNum(readCsv(await readFile(f, 'utf8')), FORECAST_TEXT)).toEqual(expectedForecasts.filter((row) => row.site === 's2'));
  });

  it('says what is wrong: a bad date, a reversed range, an unknown --what, an unwritable file (exit 2)', async () => {
    const base = ['export', '--what', 'telemetry', '--out', join(dir, 'x.csv')];
    const bad = await runCli([...base, '--from', 'yesterday', '--to', TO], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--from 'yesterday' is not an ISO-8601 time/);
    const reversed = await runCli([...base, '--from', TO, '--to', FROM], env);
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toMatch(/--to must be after --from/);
    const what = await runCli(['export', '--what', 'prices', '--from', FROM, '--to', TO, '--out', join(dir, 'x.csv')], env);
    expect(what.code).toBe(2);
    expect(what.stderr).toMatch(/'prices' is invalid.*telemetry, forecasts, scores/);
    for (const out of [join(dir, 'no-such-dir', 'x.csv'), join(dir, 'no-such-dir', 'x.parquet')]) {
      const unwritable = await runCli(['export', '--what', 'telemetry', '--from', FROM, '--to', TO, '--out', out], env);
      expect(unwritable.code).toBe(2);
      expect(unwritable.stderr).toContain(`cannot write '${out}'`);
      expect(unwritable.stderr).toMatch(/ENOENT/);
    }
  });
});

describe('gridcast export on InfluxDB 1.6', () => {
  let influxd: Influxd;
  let env: Record<string, string>;
  beforeAll(async () => {
    influxd = await Influxd.start();
    env = { INFLUX_URL: influxd.url, INFLUX_DATABASE: 'export', LOG_LEVEL: 'warn' };
    await seed(openInfluxStores(loadConfig(env).influx!, silentLogger));
  });
  afterAll(async () => {
    await influxd?.destroy();
  });

  it('writes the same files from InfluxDB (Parquet through an in-memory DuckDB table)', async () => {
    await exportsEverything(env, 'influx');
  });
});

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WeatherSourceError } from '../../src/common/errors.js';
import { silentLogger } from '../../src/common/logger.js';
import type { WeatherForecastPoint } from '../../src/contract/index.js';
import { fetchOpenMeteoForecast, type OpenMeteoOptions, type OpenMeteoSite } from '../../src/ingest/index.js';
import { loadConfig } from '../../src/config/index.js';
import type { ForecastService } from '../../src/forecast/index.js';
import { startScheduler, WeatherForecastJob } from '../../src/scheduler/index.js';
import { runCli } from '../support/cli.js';
import { openDuckDbStores, type Stores } from '../../src/storage/index.js';

/**
 * The Open-Meteo source against a local HTTP server serving test/fixtures/open-meteo/forecast.json (the
 * live API is not reachable from CI): request, conversion, failures, the scheduled job over DuckDB.
 */
const FIXTURE_TEXT = readFileSync(new URL('../fixtures/open-meteo/forecast.json', import.meta.url), 'utf8');
type Fixture = { utc_offset_seconds: number; hourly_units: Record<string, string>; hourly: Record<string, (number | null)[]> & { time: string[] } };
const fixture = (): Fixture => JSON.parse(FIXTURE_TEXT) as Fixture;

const H = 3_600_000;
const NOW = Date.parse('2026-11-22T10:37:12Z'); // issued 10:00: the 10 hours before are dropped
const ISSUED = Date.parse('2026-11-22T10:00:00Z');
const BERLIN: OpenMeteoSite = { id: 'berlin', latitude: 52.52, longitude: 13.41 };
const NORTH: OpenMeteoSite = { id: 'north', latitude: 53.55, longitude: 9.99 };

let server: Server;
let baseUrl: string;
let requests: URL[] = [];
/** What the server answers for a request; the fixture by default. */
let respond: (url: URL) => { status: number; body: string } = () => ({ status: 200, body: FIXTURE_TEXT });

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(url);
    const { status, body } = respond(url);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
let stores: Stores;
beforeEach(async () => {
  requests = [];
  respond = () => ({ status: 200, body: FIXTURE_TEXT });
  stores = openDuckDbStores({ path: ':memory:' }, silentLogger);
  await stores.init();
});
afterEach(async () => {
  await stores.close();
});

const options = (over: Partial<OpenMeteoOptions> = {}): OpenMeteoOptions => ({ baseUrl, days: 3, timeoutMs: 5000, ...over });

/** The points the fixture must give, worked out here from the raw arrays (no unit conversion needed: °C, W/m², %, m/s, °). */
function expectedPoints(site: string, f: Fixture = fixture()): WeatherForecastPoint[] {
  const names = { temperature_2m: 'temperature_c', shortwave_radiation: 'ghi_wm2', direct_radiation: 'direct_wm2', diffuse_radiation: 'diffuse_wm2', cloud_cover: 'cloud_cover_pct', wind_speed_10m: 'wind_speed_10m_ms', wind_speed_100m: 'wind_speed_100m_ms', wind_direction_100m: 'wind_direction_100m_deg' } as const;
  return f.hourly.time.flatMap((t, i) => {
    const timeMs = Date.parse(`${t}Z`);
    if (timeMs < ISSUED) return [];
    const values: WeatherForecastPoint['values'] = {};
    for (const [from, to] of Object.entries(names)) {
      const v = f.hourly[from]![i];
      if (v !== null && v !== undefined) values[to] = v;
    }
    return [{ site, source: 'open-meteo', issuedAtMs: ISSUED, timeMs, values }];
  });
}

describe('Open-Meteo forecast source (local server with the documented format)', () => {
  it('asks for the documented parameters and stores every hour from the fetch on, exactly as converted', async () => {
    const points = await fetchOpenMeteoForecast(BERLIN, options(), NOW);
    expect(requests).toHaveLength(1);
    const q = requests[0]!;
    expect(q.pathname).toBe('/v1/forecast');
    expect(Object.fromEntries(q.searchParams)).toEqual({
      latitude: '52.52',
      longitude: '13.41',
      hourly: 'temperature_2m,shortwave_radiation,direct_radiation,diffuse_radiation,cloud_cover,wind_speed_10m,wind_speed_100m,wind_direction_100m',
      forecast_days: '3',
      timezone: 'UTC',
      wind_speed_unit: 'ms',
    });
    const expected = expectedPoints('berlin');
    expect(expected).toHaveLength(62); // 72 hours from midnight, less the 10 before the fetch
    expect(expected.at(-1)!.values).not.toHaveProperty('wind_speed_100m_ms'); // null in the fixture: left out
    expect(points).toEqual(expected);
    await stores.weatherForecasts.writeWeatherForecasts(points);
    expect(await stores.weatherForecasts.readWeatherForecasts({ site: 'berlin', fromMs: ISSUED - 24 * H, toMs: ISSUED + 100 * H })).toEqual(expected);
  });

  it('converts km/h and °F when a server answers in them, and honours utc_offset_seconds', async () => {
    const f = fixture();
    f.hourly_units.wind_speed_10m = 'km/h';
    f.hourly_units.temperature_2m = '°F';
    f.hourly.wind_speed_10m = f.hourly.wind_speed_10m!.map(() => 36);
    f.hourly.temperature_2m = f.hourly.temperature_2m!.map(() => 50);
    f.utc_offset_seconds = 3600; // times in UTC+1: 11:00 local is 10:00 UTC
    respond = () => ({ status: 200, body: JSON.stringify(f) });
    const points = await fetchOpenMeteoForecast(BERLIN, options(), NOW);
    expect(points[0]).toMatchObject({ timeMs: ISSUED, values: { wind_speed_10m_ms: 10, temperature_c: 10 } });
    expect(points).toHaveLength(61); // local 11:00 on day 1 to local 23:00 on day 3
  });

  it('sends the API key when configured, and never shows it', async () => {
    await fetchOpenMeteoForecast(BERLIN, options({ apiKey: 'k-secret-123' }), NOW);
    expect(requests[0]!.searchParams.get('apikey')).toBe('k-secret-123');
    respond = () => ({ status: 500, body: '{"error":true,"reason":"internal"}' });
    const err = await fetchOpenMeteoForecast(BERLIN, options({ apiKey: 'k-secret-123' }), NOW).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeatherSourceError);
    expect((err as Error).message).not.toContain('k-secret-123');
    expect((err as WeatherSourceError).url).toContain('apikey=***');
  });

  const broken: [string, () => { status: number; body: string }, RegExp][] = [
    ['HTTP 500', () => ({ status: 500, body: 'oops' }), /HTTP 500/],
    ['HTTP 400 with Open-Meteo\'s reason', () => ({ status: 400, body: '{"error":true,"reason":"Latitude must be in range of -90 to 90°."}' }), /HTTP 400: Latitude must be/],
    ['not JSON', () => ({ status: 200, body: '<html>proxy login</html>' }), /not JSON/],
    ['a variable missing', () => { const f = fixture(); delete f.hourly.cloud_cover; return { status: 200, body: JSON.stringify(f) }; }, /hourly\.cloud_cover/],
    ['arrays of different lengths', () => { const f = fixture(); f.hourly.temperature_2m!.pop(); return { status: 200, body: JSON.stringify(f) }; }, /hourly\.temperature_2m: has 71 values for 72 times/],
    ['a time with an offset', () => { const f = fixture(); f.hourly.time[0] = '2026-11-22T00:00Z'; return { status: 200, body: JSON.stringify(f) }; }, /hourly\.time\.0/],
    ['an unknown unit', () => { const f = fixture(); f.hourly_units.wind_speed_100m = 'kn'; return { status: 200, body: JSON.stringify(f) }; }, /unit 'kn'/],
    ['a string value', () => ({ status: 200, body: FIXTURE_TEXT.replace('"cloud_cover": [100.0', '"cloud_cover": ["100"') }), /hourly\.cloud_cover\.0/],
  ];
  it.each(broken)('fails on %s with an error naming the site and the URL, and stores nothing', async (_name, answer, message) => {
    respond = answer;
    const job = new WeatherForecastJob({ cron: '0 * * * *', sites: [BERLIN], store: stores.weatherForecasts, fetch: (site, nowMs) => fetchOpenMeteoForecast(site, options(), nowMs), now: () => NOW }, silentLogger);
    const err = await fetchOpenMeteoForecast(BERLIN, options(), NOW).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeatherSourceError);
    expect((err as WeatherSourceError).site).toBe('berlin');
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain("site 'berlin'");
    expect((err as Error).message).toContain(`${baseUrl}/v1/forecast?latitude=52.52`);
    expect(await job.fetchAll()).toEqual({ stored: [], failed: [{ site: 'berlin', error: (err as Error).message }] });
    expect(await stores.weatherForecasts.readWeatherForecasts({ site: 'berlin', fromMs: ISSUED - 24 * H, toMs: ISSUED + 100 * H })).toEqual([]);
  });

  it('fails clearly when nothing listens', async () => {
    const err = await fetchOpenMeteoForecast(BERLIN, options({ baseUrl: 'http://127.0.0.1:1' }), NOW).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeatherSourceError);
    expect((err as Error).message).toMatch(/site 'berlin' from http:\/\/127\.0\.0\.1:1\/v1\/forecast.*request failed/);
  });
});

describe('WeatherForecastJob', () => {
  it('fetches every site, one failing site not stopping the others', async () => {
    // The first site in the list fails; the second is still fetched and stored.
    respond = (url) => (url.searchParams.get('latitude') === String(NORTH.latitude) ? { status: 500, body: 'down' } : { status: 200, body: FIXTURE_TEXT });
    const job = new WeatherForecastJob({ cron: '20 * * * *', sites: [NORTH, BERLIN], store: stores.weatherForecasts, fetch: (site, nowMs) => fetchOpenMeteoForecast(site, options(), nowMs), now: () => NOW }, silentLogger);
    const result = await job.fetchAll();
    expect(result.stored).toEqual([{ site: 'berlin', hours: 62 }]);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]).toMatchObject({ site: 'north', error: expect.stringMatching(/site 'north'.*HTTP 500/) });
    expect(requests.map((r) => r.searchParams.get('latitude'))).toEqual(['53.55', '52.52']);
    const range = { fromMs: ISSUED, toMs: ISSUED + 100 * H };
    expect(await stores.weatherForecasts.readWeatherForecasts({ site: 'berlin', ...range })).toEqual(expectedPoints('berlin'));
    expect(await stores.weatherForecasts.readWeatherForecasts({ site: 'north', ...range })).toEqual([]);
    // runOnce (what the schedule calls) never rejects, even when every site fails.
    respond = () => ({ status: 503, body: '' });
    await expect(job.runOnce()).resolves.toBeUndefined();
  });
});

describe('weather forecast settings and scheduling', () => {
  it('is off unless WEATHER_FORECAST_SOURCE=open-meteo, with the documented defaults', () => {
    expect(loadConfig({}).weather).toEqual({ source: 'none', url: 'https://api.open-meteo.com', previousRunsUrl: 'https://previous-runs-api.open-meteo.com', apiKey: undefined, cron: '20 * * * *', days: 3 });
    expect(loadConfig({ WEATHER_FORECAST_SOURCE: 'open-meteo', WEATHER_FORECAST_DAYS: '7', WEATHER_FORECAST_API_KEY: 'k' }).weather).toMatchObject({ source: 'open-meteo', days: 7, apiKey: 'k' });
    expect(() => loadConfig({ WEATHER_FORECAST_SOURCE: 'dwd' })).toThrow(/WEATHER_FORECAST_SOURCE/);
    expect(() => loadConfig({ WEATHER_FORECAST_DAYS: '8' })).toThrow(/WEATHER_FORECAST_DAYS/);
  });

  it('gridcast schedule with WEATHER_FORECAST_SOURCE=open-meteo and no SITES_FILE refuses to start, saying why', async () => {
    const r = await runCli(['schedule'], { WEATHER_FORECAST_SOURCE: 'open-meteo', DUCKDB_PATH: ':memory:', HTTP_PORT: '0', LOG_LEVEL: 'silent', SITES_FILE: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('WEATHER_FORECAST_SOURCE: open-meteo needs');
  });

  it('registers the weather-forecast job only when its options are given', async () => {
    const config = loadConfig({}).forecast;
    // The forecast and retrain jobs only keep the service until they run, which these schedules never do here.
    const service = {} as unknown as ForecastService;
    const plain = startScheduler(config, service, stores.locks, silentLogger);
    expect(plain.jobs.map((j) => j.name)).toEqual(['forecast', 'retrain']);
    await plain.stop();
    const weather = { cron: '20 * * * *', sites: [BERLIN], store: stores.weatherForecasts, fetch: (site: OpenMeteoSite, nowMs: number) => fetchOpenMeteoForecast(site, options(), nowMs) };
    const withWeather = startScheduler(config, service, stores.locks, silentLogger, { weatherForecasts: weather });
    expect(withWeather.jobs.map((j) => j.name)).toEqual(['forecast', 'retrain', 'weather-forecast']);
    await withWeather.stop();
  });
});

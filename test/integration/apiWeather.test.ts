import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forecastResponseSchema } from '../../src/api/routes/forecasts.js';
import { weatherForecastResponseSchema } from '../../src/api/routes/weatherForecasts.js';
import { silentLogger } from '../../src/common/logger.js';
import type { ForecastPoint, WeatherForecastPoint } from '../../src/contract/index.js';
import { ModelRegistry, type PointMetrics } from '../../src/forecast/index.js';
import { openDuckDbStores, type Stores } from '../../src/storage/index.js';
import { call, startTestApi, type TestApi } from '../support/apiHarness.js';

/** Weather forecasts through the API, over a real DuckDB store and model registry. */
const H = 3_600_000;
const base = Math.floor(Date.now() / H) * H;
const run = (issuedAtMs: number, temperatureC: number, source = 'open-meteo'): WeatherForecastPoint[] =>
  Array.from({ length: 48 }, (_, h) => ({ site: 'town', source, issuedAtMs, timeMs: issuedAtMs + h * H, values: { temperature_c: temperatureC + h / 100, wind_speed_100m_ms: 7 } }));
const metrics = (maeKw: number): PointMetrics => ({ n: 24, maeKw, rmseKw: maeKw, mapePct: 5, mapeN: 24, nmaePct: 2, mase: 0.8, pinballKw: maeKw / 3, coverageP10P90: 0.8 });

let dir: string;
let stores: Stores;
let api: TestApi;
let version: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridcast-api-weather-'));
  stores = openDuckDbStores({ path: join(dir, 'gridcast.duckdb') }, silentLogger);
  await stores.init();
  // Runs at base − 12 h and base − 6 h; the later one says 5 °C, the earlier 1 °C.
  await stores.weatherForecasts.writeWeatherForecasts([...run(base - 12 * H, 1), ...run(base - 6 * H, 5)]);
  const registry = new ModelRegistry(join(dir, 'models'));
  const series = { site: 'town', feeder: 'all', target: 'load' } as const;
  version = await registry.saveVersion(
    {
      series,
      resolutionMs: H,
      features: ['history', 'calendar', 'forecast:temperature'],
      scalers: {},
      options: {},
      trainingWindow: { from: new Date(base - 60 * 24 * H).toISOString(), to: new Date(base - 4 * 24 * H).toISOString() },
      validation: { window: { from: new Date(base - 4 * 24 * H).toISOString(), to: new Date(base).toISOString() }, model: metrics(1), baselines: { 'seasonal-naive-week': metrics(2) } },
      backend: 'wasm',
      packageVersion: '0.1.0',
      createdAt: new Date(base - 24 * H).toISOString(),
    },
    { 'model.json': '{}' },
    base - 24 * H,
  );
  // A forecast by that model issued at base − 3 h (it read the run of base − 6 h), and a baseline's, issued earlier.
  const fc = (model: string, issuedAtMs: number): ForecastPoint[] =>
    Array.from({ length: 6 }, (_, h) => ({ ...series, model, issuedAtMs, timeMs: base + h * H, p10Kw: 1, p50Kw: 2, p90Kw: 3 }));
  await stores.forecasts.writeForecasts([...fc('seasonal-naive-week', base - 5 * H), ...fc(`lstm@${version}`, base - 3 * H)]);
  api = await startTestApi(stores, { deps: { models: registry } });
}, 60_000);
afterAll(async () => {
  await api?.close();
  await stores?.close();
  await rm(dir, { recursive: true, force: true });
});

const get = (path: string, accept?: string) => call(`${api.url}/api/v1${path}`, api.keys.read, accept ? { accept } : {});

describe('weather forecasts in the API', () => {
  it('GET /weather-forecasts: per hour the latest run, or the one in force as of an instant, in API units', async () => {
    const from = new Date(base).toISOString();
    const latest = weatherForecastResponseSchema.parse((await get(`/weather-forecasts?site=town&from=${from}`)).json);
    expect(latest.points).toHaveLength(42); // the later run reaches base + 42 h
    expect(latest.points[0]).toEqual({ time: from, issuedAt: new Date(base - 6 * H).toISOString(), source: 'open-meteo', temperatureC: 5 + 6 / 100, windSpeed100mMs: 7 });
    const asOf = weatherForecastResponseSchema.parse((await get(`/weather-forecasts?site=town&from=${from}&asOf=${new Date(base - 7 * H).toISOString()}`)).json);
    expect(asOf.points[0]).toMatchObject({ issuedAt: new Date(base - 12 * H).toISOString(), temperatureC: 1 + 12 / 100 });
    expect(weatherForecastResponseSchema.parse((await get('/weather-forecasts?site=elsewhere')).json).points).toEqual([]);
    const csv = await get(`/weather-forecasts?site=town&from=${from}`, 'text/csv');
    expect(csv.text.split(/\r?\n/)[0]).toBe('time,issuedAt,source,temperatureC,windSpeed100mMs');
    const bad = await get(`/weather-forecasts?site=town&from=${from}&to=${from}`);
    expect(bad.status).toBe(400);
  });

  it('GET /forecasts names the weather forecast the latest issue read; none for a model that reads none', async () => {
    const answer = forecastResponseSchema.parse((await get('/forecasts?site=town&target=load')).json);
    expect(answer.points[0]!.model).toBe(`lstm@${version}`);
    expect(answer.weatherForecast).toEqual({ source: 'open-meteo', issuedAt: new Date(base - 6 * H).toISOString() });
    const before = forecastResponseSchema.parse((await get(`/forecasts?site=town&target=load&asOf=${new Date(base - 4 * H).toISOString()}`)).json);
    expect(before.points[0]!.model).toBe('seasonal-naive-week');
    expect(before.weatherForecast).toBeNull();
  });
});

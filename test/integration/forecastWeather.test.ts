import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.js';
import { loadConfig } from '../../src/config/index.js';
import type { TelemetryPoint, WeatherForecastPoint } from '../../src/contract/index.js';
import { ForecastService, ModelRegistry } from '../../src/forecast/index.js';
import { openDuckDbStores, type Stores } from '../../src/storage/index.js';

/**
 * Weather forecasts on the platform path: stored vintages (as the Open-Meteo job or the MQTT topic write
 * them) reach training and forecasts through the real DuckDB store, each issue reading only what was issued
 * by then; a model whose weather forecast is missing falls back to a baseline and the registry says why.
 */
const H = 3_600_000;
const DAYS = 35;
const RUN_EVERY_H = 6;
const nowMs = Math.floor(Date.now() / H) * H - 72 * H; // telemetry runs on past nowMs (later tests issue later)
const startMs = nowMs - DAYS * 24 * H;
const series = { site: 'cold', feeder: 'all', target: 'load' } as const;

/** A day-to-day wandering temperature, and load that answers only to it (4 kW per heating degree). */
function temperatureAt(timeMs: number): number {
  const day = Math.floor((timeMs - startMs) / (24 * H));
  const dayMean = 8 + 9 * Math.sin(day * 1.7) + 4 * Math.cos(day * 0.61);
  return dayMean + 4 * Math.sin((2 * Math.PI * (((timeMs / H) % 24) - 9)) / 24);
}
const loadKw = (timeMs: number) => 100 + 4 * Math.max(0, 15.5 - temperatureAt(timeMs));

/** Runs every 6 h forecasting 72 h ahead (as Open-Meteo's default 3 days) (exact, or `poison` for runs issued after a time), up to `lastIssueMs`. */
function runs(lastIssueMs: number, poisonAfterMs = Number.POSITIVE_INFINITY): WeatherForecastPoint[] {
  const out: WeatherForecastPoint[] = [];
  for (let issuedAtMs = startMs; issuedAtMs <= lastIssueMs; issuedAtMs += RUN_EVERY_H * H) {
    for (let h = 0; h < 72; h++) {
      const timeMs = issuedAtMs + h * H;
      out.push({ site: series.site, source: 'test-nwp', issuedAtMs, timeMs, values: { temperature_c: issuedAtMs > poisonAfterMs ? -30 : temperatureAt(timeMs) } });
    }
  }
  return out;
}

let dir: string;
let stores: Stores;
let registry: ModelRegistry;
const config = loadConfig({ FORECAST_HISTORY_DAYS: '35', FORECAST_VALIDATION_DAYS: '4' }).forecast;
const service = (atMs: number) =>
  new ForecastService({ stores, registry, config, sites: new Map(), logger: silentLogger, now: () => atMs, model: { epochs: 3, hiddenUnits: 16, decoderUnits: 16, seasonOfYear: false } });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridcast-forecast-weather-'));
  stores = openDuckDbStores({ path: join(dir, 'gridcast.duckdb') }, silentLogger);
  await stores.init();
  registry = new ModelRegistry(join(dir, 'models'));
  const points: TelemetryPoint[] = [];
  for (let t = startMs; t < nowMs + 72 * H; t += H) points.push({ site: series.site, feeder: 'f1', meter: 'm1', kind: 'load', timeMs: t, fields: { power_kw: loadKw(t) } });
  await stores.telemetry.writePoints(points);
  await stores.weatherForecasts.writeWeatherForecasts(runs(nowMs));
}, 60_000);
afterAll(async () => {
  await stores?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('weather forecasts from the store, on the platform path', () => {
  it('trains a model that reads them, and it serves', async () => {
    const outcome = await service(nowMs).train(series);
    const meta = await registry.metadata(series, outcome.version);
    expect(meta.features).toEqual(expect.arrayContaining(['forecast:temperature', 'forecast:heating_degrees']));
    expect(outcome.promoted).toBe(true);
    const issued = await service(nowMs + 10 * 60_000).forecast(series);
    expect(issued[0]!.model).toBe(`lstm@${outcome.version}`);
    expect((await registry.serving(series)).lastFallback).toBeUndefined();
  }, 180_000);

  it('has no look-ahead: runs issued after the issue time and telemetry after it, poisoned in the store, change no forecast', async () => {
    const clean = await service(nowMs + 10 * 60_000).forecast(series);
    expect(clean[0]!.model).toMatch(/^lstm@/);
    // Later runs (with poison) and later telemetry (poisoned) land in the store before a re-issue at the same time.
    await stores.weatherForecasts.writeWeatherForecasts(runs(nowMs + 24 * H, nowMs + 10 * 60_000).filter((p) => p.issuedAtMs > nowMs));
    await stores.telemetry.writePoints([{ site: series.site, feeder: 'f1', meter: 'm1', kind: 'load', timeMs: nowMs + H, fields: { power_kw: 1e6 } }]);
    const again = await service(nowMs + 10 * 60_000).forecast(series);
    expect(again.map((p) => p.p50Kw)).toEqual(clean.map((p) => p.p50Kw));
    // Issued after the poisoned runs, the model reads them (the test can tell).
    const later = await service(nowMs + 7 * H).forecast(series);
    expect(later[0]!.model).toMatch(/^lstm@/);
    const overlap = (t: number) => later.find((p) => p.timeMs === t)?.p50Kw;
    expect(clean.some((p) => overlap(p.timeMs) !== undefined && Math.abs(overlap(p.timeMs)! - p.p50Kw) > 1)).toBe(true);
  }, 60_000);

  it('falls back to the best validation baseline where no run covers the horizon, and the registry says why', async () => {
    // The last run was issued at nowMs + 24 h and reaches nowMs + 96 h; a forecast issued at nowMs + 60 h needs 109 h.
    const fallback = await service(nowMs + 60 * H).forecast(series);
    expect(fallback[0]!.model).toMatch(/^seasonal-naive|^persistence/);
    const state = await registry.serving(series);
    expect(state.lastFallback?.used).toBe(fallback[0]!.model);
    expect(state.lastFallback?.reason).toMatch(/no test-nwp weather forecast issued by .* covers \d+ of the \d+ steps/);
    expect(state.serving?.kind).toBe('model'); // the model still serves: the fallback is per forecast
  }, 60_000);
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.js';
import { loadConfig } from '../../src/config/index.js';
import type { ForecastPoint, TelemetryPoint } from '../../src/contract/index.js';
import { ForecastService, ModelRegistry, fitBandScale } from '../../src/forecast/index.js';
import { openDuckDbStores, type Stores } from '../../src/storage/index.js';

/**
 * Live bands re-scaled from the serving model's scored record, through the real DuckDB store: the stored
 * forecasts of the last weeks say the band was too narrow, so the next issue's band is widened by what
 * they needed, P50 stays, and the factors are stored with every point.
 */
const H = 3_600_000;
const DAYS = 35;
const nowMs = Math.floor(Date.now() / H) * H - 24 * H + 10 * 60_000;
const startMs = Math.floor(nowMs / H) * H - DAYS * 24 * H;
const series = { site: 'town', feeder: 'all', target: 'load' } as const;
/** A weekly-repeating load with a wobble the week-old value can't know. */
const loadKw = (t: number) => 100 + 20 * Math.sin((2 * Math.PI * ((t / H) % 24)) / 24) + 6 * Math.sin(t / (7.3 * H));

let dir: string;
let stores: Stores;
let registry: ModelRegistry;
const service = (days: string) =>
  new ForecastService({ stores, registry, config: loadConfig({ FORECAST_BAND_RECALIBRATION_DAYS: days }).forecast, sites: new Map(), logger: silentLogger, now: () => nowMs });

/**
 * Day-ahead forecasts issued at `issueHour` on each of the last 20 days, by `model`, with a ±`halfKw` band
 * around the actual + 3 kW. (DuckDB keeps one model per step and lead: other models issue at other hours.)
 */
function record(model: string, halfKw: number, issueHour: number, scales: Partial<ForecastPoint> = {}): ForecastPoint[] {
  const out: ForecastPoint[] = [];
  for (let d = 20; d >= 1; d--) {
    const issuedAtMs = Math.floor(nowMs / (24 * H)) * 24 * H - d * 24 * H + issueHour * H;
    for (let h = 14; h < 38; h++) {
      const timeMs = issuedAtMs - issueHour * H + h * H;
      if (timeMs + H > nowMs) continue;
      const p50Kw = loadKw(timeMs) + 3;
      out.push({ ...series, model, issuedAtMs, timeMs, p10Kw: p50Kw - halfKw, p50Kw, p90Kw: p50Kw + halfKw, ...scales });
    }
  }
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridcast-band-scale-'));
  stores = openDuckDbStores({ path: join(dir, 'gridcast.duckdb') }, silentLogger);
  await stores.init();
  registry = new ModelRegistry(join(dir, 'models'));
  const points: TelemetryPoint[] = [];
  for (let t = startMs; t < nowMs; t += H) points.push({ site: series.site, feeder: 'f1', meter: 'm1', kind: 'load', timeMs: t, fields: { power_kw: loadKw(t) } });
  await stores.telemetry.writePoints(points);
}, 60_000);
afterAll(async () => {
  await stores?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('live band re-scaling', () => {
  it('widens the band by what the serving model scored, undoing the scales it stored, and stores the factors', async () => {
    const asMade = await service('0').forecast(series);
    expect(asMade[0]!.model).toBe('seasonal-naive-week');
    expect(asMade[0]!.bandScaleLower).toBeUndefined();

    // Its record: every actual 3 kW below P50, bands ±2 kW as made, stored with scale 0.5 (so ±1 kW stored).
    // Another kind's record (wide bands) must not count.
    const own = record('seasonal-naive-week', 1, 10, { bandScaleLower: 0.5, bandScaleUpper: 0.5 });
    await stores.forecasts.writeForecasts([...own, ...record('lstm@1', 50, 4)]);
    const expected = fitBandScale(own.map((p) => ({ actual: loadKw(p.timeMs), p10: p.p50Kw - 2, p50: p.p50Kw, p90: p.p50Kw + 2 })), 1);
    // (P50 − actual) / 2 = 1.5 for every step: the lower half × 1.5; nothing above P50, so the upper half × 0.
    expect(expected.lower).toBeCloseTo(1.5, 9);
    expect(expected.upper).toBe(0);

    const scaled = await service('28').forecast(series);
    expect(scaled).toHaveLength(asMade.length);
    scaled.forEach((p, i) => {
      const m = asMade[i]!;
      expect(p.timeMs).toBe(m.timeMs);
      expect(p.p50Kw).toBeCloseTo(m.p50Kw, 9);
      expect(p.p50Kw - p.p10Kw).toBeCloseTo(1.5 * (m.p50Kw - m.p10Kw), 6);
      expect(p.p90Kw).toBeCloseTo(p.p50Kw, 9);
      expect(p).toMatchObject({ bandScaleLower: expected.lower, bandScaleUpper: expected.upper });
    });
    const stored = await stores.forecasts.readForecasts({ ...series, fromMs: scaled[0]!.timeMs, toMs: scaled.at(-1)!.timeMs + 1 });
    expect(stored.map((p) => p.bandScaleLower)).toEqual(scaled.map(() => expected.lower));
  }, 60_000);
});

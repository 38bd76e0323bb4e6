import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.js';
import { loadConfig } from '../../src/config/index.js';
import type { ForecastPoint, TelemetryPoint } from '../../src/contract/index.js';
import { ForecastService, ModelRegistry, adaptBandScale } from '../../src/forecast/index.js';
import { openDuckDbStores, type Stores } from '../../src/storage/index.js';

/**
 * Live adaptive bands through the real DuckDB store: the serving model's latest stored issue carries its
 * band factors, the steps of its stored forecasts that ended since then move them (misses widen), P50 stays,
 * and the new factors are stored with every point. Another model kind's record doesn't count.
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
const service = (gamma: string) =>
  new ForecastService({ stores, registry, config: loadConfig({ FORECAST_BAND_ADAPTATION: gamma }).forecast, sites: new Map(), logger: silentLogger, now: () => nowMs });

/** A forecast issued at `issuedAtMs` by `model` for the next 30 h, a ±`halfKw` band around the actual + `offsetKw`. */
function issue(model: string, issuedAtMs: number, halfKw: number, offsetKw: number, scales: Partial<ForecastPoint> = {}): ForecastPoint[] {
  const first = Math.ceil(issuedAtMs / H) * H;
  return Array.from({ length: 30 }, (_, h) => {
    const timeMs = first + h * H;
    const p50Kw = loadKw(timeMs) + offsetKw;
    return { ...series, model, issuedAtMs, timeMs, p10Kw: p50Kw - halfKw, p50Kw, p90Kw: p50Kw + halfKw, ...scales };
  });
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

describe('live adaptive bands', () => {
  it('moves the latest issue\'s factors by the misses scored since, stores the new ones; other kinds do not count', async () => {
    const asMade = await service('0').forecast(series);
    expect(asMade[0]!.model).toBe('seasonal-naive-week');
    expect(asMade[0]!.bandScaleLower).toBeUndefined();

    // Its record: issued 5 h and 3 h ago (factors 1.2/0.8 on the latest), every actual 3 kW below P50 and
    // outside a ±1 kW band: each step that ended since the latest issue is a miss low, none high.
    const older = issue('seasonal-naive-week', nowMs - 5 * H, 1, 3);
    const latest = issue('seasonal-naive-week', nowMs - 3 * H, 1, 3, { bandScaleLower: 1.2, bandScaleUpper: 0.8 });
    // An LSTM issued after it, band far too wide: not this kind, not its record.
    await stores.forecasts.writeForecasts([...older, ...latest, ...issue('lstm@1', nowMs - H, 50, 0)]);
    const ended = [...older, ...latest].filter((p) => p.timeMs + H > nowMs - 3 * H && p.timeMs + H <= nowMs);
    const stepTimes = [...new Set(ended.map((p) => p.timeMs))].sort((x, y) => x - y);
    expect(stepTimes.length).toBe(3);
    const expected = adaptBandScale(
      { lower: 1.2, upper: 0.8 },
      stepTimes.map((t) => ended.filter((p) => p.timeMs === t).map((p) => ({ actual: loadKw(t), p10: p.p10Kw, p50: p.p50Kw, p90: p.p90Kw }))),
      0.05,
    );
    // Hand-checked: three misses low: log 1.2 + 3·0.05·0.9; no miss high: log 0.8 − 3·0.05·0.1.
    expect(expected.lower).toBeCloseTo(1.2 * Math.exp(0.135), 9);
    expect(expected.upper).toBeCloseTo(0.8 * Math.exp(-0.015), 9);

    const adapted = await service('0.05').forecast(series);
    expect(adapted).toHaveLength(asMade.length);
    adapted.forEach((p, i) => {
      const m = asMade[i]!;
      expect(p.timeMs).toBe(m.timeMs);
      expect(p.p50Kw).toBeCloseTo(m.p50Kw, 9);
      expect(p.p50Kw - p.p10Kw).toBeCloseTo(expected.lower * (m.p50Kw - m.p10Kw), 6);
      expect(p.p90Kw - p.p50Kw).toBeCloseTo(expected.upper * (m.p90Kw - m.p50Kw), 6);
      expect(p.bandScaleLower).toBeCloseTo(expected.lower, 12);
      expect(p.bandScaleUpper).toBeCloseTo(expected.upper, 12);
    });
    const stored = await stores.forecasts.readForecasts({ ...series, fromMs: adapted[0]!.timeMs, toMs: adapted.at(-1)!.timeMs + 1 });
    expect(stored.every((p) => Math.abs(p.bandScaleLower! - expected.lower) < 1e-12)).toBe(true);
  }, 60_000);
});

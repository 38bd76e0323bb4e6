import { describe, expect, it } from 'vitest';
import { UNSCALED, adaptBandScale, scaleBand } from '../../../../src/forecast/evaluation/adaptiveBands.js';
import { runBacktest } from '../../../../src/forecast/backtest/rollingOrigin.js';
import type { Forecaster, ForecastInput, ForecastRequest, QuantileForecast } from '../../../../src/forecast/types.js';

describe('adaptive band factors', () => {
  const band = { p10: 90, p50: 100, p90: 110 };
  it('moves each factor by γ·(miss − 0.1) per scored step (hand-checked)', () => {
    // One step, actual below P10: lower log-factor += 0.1·(1 − 0.1) = 0.09; upper (no miss) −= 0.1·0.1.
    const s = adaptBandScale(UNSCALED, [[{ ...band, actual: 85 }]], 0.1);
    expect(s.lower).toBeCloseTo(Math.exp(0.09), 12);
    expect(s.upper).toBeCloseTo(Math.exp(-0.01), 12);
    // A step forecast twice, one of them missed low: a miss fraction of 0.5 → +0.1·0.4, from the last factors.
    const t = adaptBandScale(s, [[{ ...band, actual: 85 }, { p10: 80, p50: 100, p90: 120, actual: 85 }]], 0.1);
    expect(t.lower).toBeCloseTo(Math.exp(0.09 + 0.04), 12);
    expect(t.upper).toBeCloseTo(Math.exp(-0.02), 12);
  });

  it('leaves a zero-width half and an unknown actual alone, and keeps the factors within 1/5–5', () => {
    expect(adaptBandScale(UNSCALED, [[{ p10: 0, p50: 0, p90: 0, actual: 0 }], [{ ...band, actual: Number.NaN }]], 0.1)).toEqual(UNSCALED);
    const misses = Array.from({ length: 1000 }, () => [{ ...band, actual: 50 }]);
    expect(adaptBandScale(UNSCALED, misses, 0.1).lower).toBeCloseTo(5, 9);
    expect(adaptBandScale(UNSCALED, misses, 0.1).upper).toBeCloseTo(0.2, 9);
  });

  it('scales each half of a band, P50 untouched, P10 floored', () => {
    const f: QuantileForecast = { issuedAtMs: 0, timesMs: [0, 1], p10: [0, 2], p50: [0, 5], p90: [0, 8] };
    expect(scaleBand(f, { lower: 3, upper: 2 }, 0)).toEqual({ issuedAtMs: 0, timesMs: [0, 1], p10: [0, 0], p50: [0, 5], p90: [0, 11] });
    expect(scaleBand(f, UNSCALED)).toBe(f);
  });
});

describe('the backtest adapts each band to what was scored before its issue time', () => {
  const H = 3_600_000;
  const days = 60;
  // Noise that grows slowly over time: a fixed band (±1) covers less and less.
  // Uniform noise in [−1, 1] from a fixed hash, so the test is deterministic.
  const noise = (i: number) => 2 * ((Math.abs(Math.sin(i * 12.9898) * 43758.5453) % 1) - 0.5);
  const values = Float64Array.from({ length: days * 24 }, (_, i) => 100 + (1.5 + i / 5000) * noise(i));
  const input: ForecastInput = { series: { startMs: Date.UTC(2026, 0, 1), stepMs: H, values }, weather: {}, context: { target: 'load', timeZone: 'UTC', holidays: [] } };
  const fixed: Forecaster = {
    name: 'fixed',
    fit: async () => {},
    predict: async (_i: ForecastInput, r: ForecastRequest) => {
      const timesMs = Array.from({ length: r.horizon }, (_, h) => r.firstTargetMs + h * H);
      return { issuedAtMs: r.issuedAtMs, timesMs, p10: timesMs.map(() => 99), p50: timesMs.map(() => 100), p90: timesMs.map(() => 101) };
    },
  };
  const opts = { horizonSteps: 24, issueHourLocal: 10, testDays: 40, retrainDays: 100, bandAdaptation: 0.05 };

  it('brings a drifting band back near 80 %, P50 untouched; off, the band is as made', async () => {
    const on = await runBacktest(input, [fixed], opts);
    const off = await runBacktest(input, [fixed], { ...opts, bandAdaptation: 0 });
    expect(off.models.fixed!.overall.coverageP10P90).toBeLessThan(0.65);
    expect(off.models.fixed!.rawCoverageP10P90).toBe(off.models.fixed!.overall.coverageP10P90);
    expect(on.models.fixed!.rawCoverageP10P90).toBe(off.models.fixed!.overall.coverageP10P90);
        // From the eleventh issue on (the factors caught up), the adapted bands cover about 80 %.
    let covered = 0;
    let steps = 0;
    for (const f of on.models.fixed!.forecasts.slice(10)) {
      f.timesMs.forEach((t, i) => {
        const actual = values[(t - input.series.startMs) / H]!;
        steps++;
        if (actual >= f.p10[i]! && actual <= f.p90[i]!) covered++;
      });
    }
    expect(covered / steps).toBeGreaterThan(0.75);
    expect(covered / steps).toBeLessThan(0.85);
    expect(on.models.fixed!.overall.coverageP10P90).toBeGreaterThan(off.models.fixed!.overall.coverageP10P90 + 0.1);
    expect(on.models.fixed!.overall.maeKw).toBe(off.models.fixed!.overall.maeKw);
    // The first issue has nothing scored yet: its band is as made.
    expect(on.models.fixed!.forecasts[0]).toEqual(off.models.fixed!.forecasts[0]);
    expect(on.models.fixed!.forecastsAsMade).toEqual(off.models.fixed!.forecasts);
  });

  it('uses no actual after the issue time: poisoning the future leaves every earlier band as it was', async () => {
    const on = await runBacktest(input, [fixed], opts);
    const cut = on.models.fixed!.forecasts[20]!.issuedAtMs;
    const poisoned = Float64Array.from(values, (v, i) => (input.series.startMs + i * H >= cut ? v * 50 : v));
    const again = await runBacktest({ ...input, series: { ...input.series, values: poisoned } }, [fixed], opts);
    for (let k = 0; k <= 20; k++) expect(again.models.fixed!.forecasts[k]).toEqual(on.models.fixed!.forecasts[k]);
  });
});

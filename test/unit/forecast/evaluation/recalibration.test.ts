import { describe, expect, it } from 'vitest';
import { UNSCALED, fitBandScale, scaleBand } from '../../../../src/forecast/evaluation/recalibration.js';
import { runBacktest } from '../../../../src/forecast/backtest/rollingOrigin.js';
import type { Forecaster, ForecastInput, ForecastRequest, QuantileForecast } from '../../../../src/forecast/types.js';

describe('band re-scaling from scored errors', () => {
  it('fits each half from normalised scores by the conformal quantile (hand-checked)', () => {
    // Band 90–100–110; actuals 81…100 (20 steps): lower scores (100 − a)/10 = 1.9, 1.8, …, 0; upper scores ≤ 0.
    const scored = Array.from({ length: 20 }, (_, i) => ({ actual: 81 + i, p10: 90, p50: 100, p90: 110 }));
    const s = fitBandScale(scored, 10);
    // ⌈21 · 0.9⌉ = 19th smallest of 0, 0.1, …, 1.9 = 1.8.
    expect(s.lower).toBeCloseTo(1.8, 12);
    // Upper scores (a − 100)/10 = −1.9 … 0: the 19th smallest is −0.1, floored at 0 (never past P50).
    expect(s.upper).toBe(0);
    expect(s.scoredSteps).toBe(20);
    const f: QuantileForecast = { issuedAtMs: 0, timesMs: [0], p10: [90], p50: [100], p90: [110] };
    expect(scaleBand(f, s)).toEqual({ issuedAtMs: 0, timesMs: [0], p10: [82], p50: [100], p90: [100] });
  });

  it('leaves the band alone with too few steps, skips zero-width halves, and floors P10', () => {
    expect(fitBandScale([{ actual: 1, p10: 0, p50: 1, p90: 2 }], 2)).toEqual(UNSCALED);
    const night = Array.from({ length: 10 }, () => ({ actual: 0, p10: 0, p50: 0, p90: 0 }));
    expect(fitBandScale(night, 5)).toEqual(UNSCALED);
    const f: QuantileForecast = { issuedAtMs: 0, timesMs: [0, 1], p10: [0, 2], p50: [0, 5], p90: [0, 8] };
    expect(scaleBand(f, { lower: 3, upper: 2, scoredSteps: 10 }, 0)).toEqual({ issuedAtMs: 0, timesMs: [0, 1], p10: [0, 0], p50: [0, 5], p90: [0, 11] });
  });
});

describe('the backtest re-scales each band from what was scored before its issue time', () => {
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
  const opts = { horizonSteps: 24, issueHourLocal: 10, testDays: 40, retrainDays: 100 };

  it('brings a drifting band back near 80 %, P50 untouched; off, the band is as made', async () => {
    const on = await runBacktest(input, [fixed], opts);
    const off = await runBacktest(input, [fixed], { ...opts, bandRecalibrationDays: 0 });
    expect(off.models.fixed!.overall.coverageP10P90).toBeLessThan(0.65);
    expect(off.models.fixed!.rawCoverageP10P90).toBe(off.models.fixed!.overall.coverageP10P90);
    expect(on.models.fixed!.rawCoverageP10P90).toBe(off.models.fixed!.overall.coverageP10P90);
        // From the eighth issue on (a week scored), the re-scaled bands cover about 80 %.
    let covered = 0;
    let steps = 0;
    for (const f of on.models.fixed!.forecasts.slice(7)) {
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
    // The first week has nothing scored yet: those bands are as made.
    expect(on.models.fixed!.forecasts[0]).toEqual(off.models.fixed!.forecasts[0]);
  });

  it('uses no actual after the issue time: poisoning the future leaves every earlier band as it was', async () => {
    const on = await runBacktest(input, [fixed], opts);
    const cut = on.models.fixed!.forecasts[20]!.issuedAtMs;
    const poisoned = Float64Array.from(values, (v, i) => (input.series.startMs + i * H >= cut ? v * 50 : v));
    const again = await runBacktest({ ...input, series: { ...input.series, values: poisoned } }, [fixed], opts);
    for (let k = 0; k <= 20; k++) expect(again.models.fixed!.forecasts[k]).toEqual(on.models.fixed!.forecasts[k]);
  });
});

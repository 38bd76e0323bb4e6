import { describe, expect, it } from 'vitest';
import { pairForecast, pinball, pointMetrics, seasonalNaiveScaleKw } from '../../../../src/forecast/evaluation/metrics.js';

describe('forecast metrics (hand-computed)', () => {
  // actual, p10, p50, p90
  const pairs = [
    { actual: 10, p10: 8, p50: 9, p90: 12 }, // e = 1, covered
    { actual: 20, p10: 21, p50: 22, p90: 25 }, // e = -2, below P10
    { actual: 0.001, p10: 0, p50: 1, p90: 2 }, // e = -0.999, covered, skipped by MAPE
    { actual: Number.NaN, p10: 0, p50: 5, p90: 9 }, // a gap: ignored everywhere
    { actual: 40, p10: 30, p50: 36, p90: 39 }, // e = 4, above P90
  ];
  const m = pointMetrics(pairs, { nearZeroKw: 0.5, maseScaleKw: 2, capacityKw: 50 });

  it('MAE, RMSE, MAPE (near-zero actuals skipped), nMAE, MASE', () => {
    expect(m.n).toBe(4);
    expect(m.maeKw).toBeCloseTo((1 + 2 + 0.999 + 4) / 4, 12); // 1.99975
    expect(m.rmseKw).toBeCloseTo(Math.sqrt((1 + 4 + 0.998001 + 16) / 4), 12);
    expect(m.mapeN).toBe(3);
    expect(m.mapePct).toBeCloseTo((100 * (1 / 10 + 2 / 20 + 4 / 40)) / 3, 12); // 10 %
    expect(m.nmaePct).toBeCloseTo((100 * 1.99975) / 50, 12);
    expect(m.mase).toBeCloseTo(1.99975 / 2, 12);
  });

  it('pinball loss and P10–P90 coverage', () => {
    expect(pinball(10, 8, 0.1)).toBeCloseTo(0.2, 12); // under-forecast: q·d
    expect(pinball(10, 12, 0.9)).toBeCloseTo(0.2, 12); // over-forecast: (1 − q)·|d|
    expect(pinball(10, 10, 0.5)).toBe(0);
    // Per pair: mean of the three quantile losses.
    const expected =
      [
        [0.1 * 2, 0.5 * 1, 0.1 * 2], // 10 vs 8, 9, 12
        [0.9 * 1, 0.5 * 2, 0.1 * 5], // 20 vs 21, 22, 25
        [0.1 * 0.001, 0.5 * 0.999, 0.1 * 1.999], // 0.001 vs 0, 1, 2
        [0.1 * 10, 0.5 * 4, 0.9 * 1], // 40 vs 30, 36, 39
      ]
        .map((l) => (l[0]! + l[1]! + l[2]!) / 3)
        .reduce((a, b) => a + b) / 4;
    expect(m.pinballKw).toBeCloseTo(expected, 12);
    expect(m.coverageP10P90).toBe(0.5);
    // PV at night: a band of exactly 0 covers an actual of 0 (standby negatives are set to 0 in data quality).
    const night = pointMetrics([{ actual: 0, p10: 0, p50: 0, p90: 0 }, { actual: 0, p10: 0, p50: 0.1, p90: 0.2 }], { nearZeroKw: 0.5, maseScaleKw: 1 });
    expect(night.coverageP10P90).toBe(1);
  });

  it('nMAE falls back to the largest actual without a capacity; empty input gives NaN, not 0', () => {
    expect(pointMetrics(pairs, { nearZeroKw: 0.5, maseScaleKw: 2 }).nmaePct).toBeCloseTo((100 * 1.99975) / 40, 12);
    const none = pointMetrics([{ actual: Number.NaN, p10: 0, p50: 0, p90: 0 }], { nearZeroKw: 1, maseScaleKw: 1 });
    expect(none.n).toBe(0);
    expect(none.maeKw).toBeNaN();
  });

  it('seasonal-naive scale skips gaps', () => {
    expect(seasonalNaiveScaleKw(Float64Array.from([1, 2, 4, Number.NaN, 7]), 2)).toBeCloseTo((3 + 3) / 2, 12); // |4-1|, |NaN-2| skipped, |7-4|
  });

  it('pairs a forecast with actuals by time, with lead hours from the issue time', () => {
    const f = { issuedAtMs: 0, timesMs: [14 * 3_600_000, 15 * 3_600_000], p10: [1, 2], p50: [2, 3], p90: [3, 4] };
    expect(pairForecast(f, (t) => t / 3_600_000)).toEqual([
      { leadHours: 14, actual: 14, p10: 1, p50: 2, p90: 3 },
      { leadHours: 15, actual: 15, p10: 2, p50: 3, p90: 4 },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_QUALITY, dailyMeans, findLevelShifts, maskBadValues } from '../../../../src/forecast/data/quality.js';
import { LstmForecaster } from '../../../../src/forecast/models/lstm/index.js';
import type { ForecastInput } from '../../../../src/forecast/types.js';

const H = 3_600_000;
const DAY = 24 * H;
const START = Date.UTC(2026, 0, 5);

/** Hourly load: a daily shape around `level(day)`. */
function hourly(days: number, level: (day: number) => number): Float64Array {
  return Float64Array.from({ length: days * 24 }, (_, i) => level(Math.floor(i / 24)) * (1 + 0.2 * Math.sin(((i % 24) / 24) * 2 * Math.PI)));
}

describe('level shifts', () => {
  it('daily means count a day only when at least half of it is observed', () => {
    const v = Float64Array.from([...Array(24).fill(10), ...Array(12).fill(20), ...Array(12).fill(Number.NaN), ...Array(13).fill(Number.NaN), ...Array(11).fill(5)]);
    expect(Array.from(dailyMeans({ startMs: 0, stepMs: H, values: v }))).toEqual([10, 20, Number.NaN]);
  });

  it('finds a step that holds, on the day it happens, with its ratio', () => {
    const values = hourly(120, (d) => (d < 70 ? 100 : 300));
    const shifts = findLevelShifts({ startMs: START, stepMs: H, values }, 2);
    expect(shifts).toHaveLength(1);
    expect(shifts[0]!.index).toBe(70 * 24);
    expect(shifts[0]!.atMs).toBe(START + 70 * DAY);
    expect(shifts[0]!.ratio).toBeCloseTo(3, 6);
  });

  it('ignores a step below the ratio, a spike that does not last, and a step in the last two weeks', () => {
    expect(findLevelShifts({ startMs: START, stepMs: H, values: hourly(120, (d) => (d < 70 ? 100 : 180)) }, 2)).toEqual([]);
    expect(findLevelShifts({ startMs: START, stepMs: H, values: hourly(120, (d) => (d >= 60 && d < 70 ? 300 : 100)) }, 2)).toEqual([]);
    expect(findLevelShifts({ startMs: START, stepMs: H, values: hourly(120, (d) => (d < 110 ? 100 : 300)) }, 2)).toEqual([]);
  });

  it('a season that steps as much every year is not a shift; a step unlike last year is', () => {
    // Every year the level doubles for days 150–240 (a cooling season): the first year's step can't be told
    // from a shift (no year before it), the second and third years' can.
    const seasonal = (d: number) => (d % 364 >= 150 && d % 364 < 240 ? 250 : 100);
    const shifts = findLevelShifts({ startMs: START, stepMs: H, values: hourly(3 * 364, seasonal) }, 2);
    expect(shifts.map((s) => s.index / 24)).toEqual([150, 240]);
    const shifted = (d: number) => seasonal(d) * (d >= 800 ? 3 : 1);
    expect(findLevelShifts({ startMs: START, stepMs: H, values: hourly(3 * 364, shifted) }, 2).map((s) => s.index / 24)).toEqual([150, 240, 800]);
  });
});

describe('masking against a rolling reference', () => {
  it('judges each day against the four weeks before it: a new level or a summer peak is not an outlier', () => {
    const values = hourly(180, (d) => (d < 130 ? 100 : 300));
    // Against the whole series (the old way), the new level sits 12+ MADs away from the median.
    expect(maskBadValues(values, DEFAULT_QUALITY.load).outliers).toBeGreaterThan(0);
    const rolling = maskBadValues(values, DEFAULT_QUALITY.load, H);
    expect(rolling.outliers).toBe(0);
    expect(rolling.levelShifts.map((s) => s.index)).toEqual([130 * 24]);
    // Without the shift rule, the four-week reference still catches up: only the days right after the step go.
    const noShift = maskBadValues(values, { ...DEFAULT_QUALITY.load, levelShiftRatio: undefined }, H);
    expect(noShift.levelShifts).toEqual([]);
    expect(noShift.outliers).toBeGreaterThan(0);
    expect(noShift.outliers).toBeLessThan(20 * 24);
  });

  it('masks a rare dropout, but keeps lows that recur (a load that curtails on many afternoons)', () => {
    const dropout = hourly(60, () => 100);
    dropout[40 * 24 + 12] = 5;
    const one = maskBadValues(dropout, DEFAULT_QUALITY.load, H);
    expect(one.outliers).toBe(1);
    expect(Number.isNaN(one.values[40 * 24 + 12]!)).toBe(true);

    const curtailing = hourly(60, () => 100);
    for (let d = 0; d < 60; d++) if (d % 2 === 0) for (let h = 13; h < 17; h++) curtailing[d * 24 + h] = 25;
    const kept = maskBadValues(curtailing, DEFAULT_QUALITY.load, H);
    // Only the first week, before the lows are known to recur, is judged against too few days to tell.
    expect(kept.values.slice(7 * 24).every(Number.isFinite)).toBe(true);
  });
});

describe('standby draw of PV and wind', () => {
  it('sets negatives down to 2 % of the output (99th percentile) to 0 and masks deeper ones; load keeps its negatives', () => {
    // Two days of PV: 0 to 5 kW by day, a −1 W standby draw all night (flat: no stuck meter), one −0.5 kW reading.
    const values = Float64Array.from({ length: 48 }, (_, i) => {
      const hour = i % 24;
      return hour >= 8 && hour < 16 ? 5 * Math.sin(((hour - 7) / 9) * Math.PI) : -0.001;
    });
    values[3] = -0.5;
    const nights = values.filter((v) => v < 0).length;
    const r = maskBadValues(values, DEFAULT_QUALITY.pv, H);
    // 99th percentile: 5·sin(4π/9) = 4.924 kW, so the floor is −0.098 kW: −1 W is standby, −0.5 kW is not.
    expect(r.standbyClipped).toBe(nights - 1);
    expect(r.outliers).toBe(1);
    expect(r.stuck).toBe(0);
    expect(Number.isNaN(r.values[3]!)).toBe(true);
    expect(r.values[0]).toBe(0);
    expect(Array.from(r.values).filter((v) => v < 0)).toEqual([]);
    const load = maskBadValues(Float64Array.from([-0.001, 2, 3]), { madLimit: Number.POSITIVE_INFINITY, stuckSteps: 6 }, H);
    expect(load.standbyClipped).toBe(0);
    expect(load.values[0]).toBe(-0.001);
  });
});

describe('the LSTM after a level shift', () => {
  const input = (days: number, shiftDay: number): ForecastInput => ({
    series: { startMs: START, stepMs: H, values: hourly(days, (d) => (d < shiftDay ? 100 : 300)) },
    weather: {},
    context: { target: 'load', timeZone: 'UTC', holidays: [] },
  });
  const hp = { epochs: 1, hiddenUnits: 4, decoderUnits: 4 };

  it('with less than a year of the new level, scales the history before the shift to it, and records the shift', { timeout: 60_000 }, async () => {
    const f = new LstmForecaster(hp);
    await f.fit(input(100, 60));
    expect(f.trainingSummary?.levelShift).toEqual({ at: new Date(START + 60 * DAY).toISOString(), ratio: 3 });
    // Every step now at the new level: the scaler's mean is the new level's, not the mix (180).
    expect((await f.save()).metadata.scalers.target.mean).toBeCloseTo(300, 0);
  });

  it('with a year of the new level, trains on that year alone', { timeout: 60_000 }, async () => {
    const f = new LstmForecaster(hp);
    await f.fit(input(500, 100));
    expect(f.trainingSummary?.levelShift?.at).toBe(new Date(START + 100 * DAY).toISOString());
    // The windows of the 400 days since the shift, not of all 500.
    expect(f.trainingSummary!.samples).toBeLessThan(400 * 24);
    expect(f.trainingSummary!.samples).toBeGreaterThan(300 * 24);
  });

  it('leaves the history as it is when switched off', { timeout: 60_000 }, async () => {
    const off = new LstmForecaster({ ...hp, trainFromLevelShift: false });
    await off.fit(input(100, 60));
    expect(off.trainingSummary?.levelShift).toBeUndefined();
    expect((await off.save()).metadata.scalers.target.mean).toBeCloseTo(180, 0);
  });
});

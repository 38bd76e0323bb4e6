import { describe, expect, it } from 'vitest';
import { GBM_FEATURES, gbmRows, gbmTrainingSet, trainingIssues } from '../../../bench/reference/gbmFeatures.js';
import { checkSklearn, GbmForecaster, type GbmBackend } from '../../../bench/reference/gbmForecaster.js';
import { dayAheadIssueTimes, runBacktest } from '../../../src/forecast/backtest/rollingOrigin.js';
import { cutInput } from '../../../src/forecast/data/series.js';
import type { ForecastInput } from '../../../src/forecast/types.js';
import { DAY, H, T0, dayAhead, labelled } from '../../support/labelledSeries.js';

const feature = (row: number[], name: (typeof GBM_FEATURES)[number]) => row[GBM_FEATURES.indexOf(name)]!;

/** A stand-in for scikit-learn: predicts, per lead, the mean training target plus a fixed fraction of the features' sum. */
class MeanByLeadBackend implements GbmBackend {
  private byLead = new Map<number, number>();
  async fit(features: number[][], targets: number[]): Promise<void> {
    const sums = new Map<number, [number, number]>();
    features.forEach((r, i) => {
      const lead = feature(r, 'lead_h');
      const [s, n] = sums.get(lead) ?? [0, 0];
      sums.set(lead, [s + targets[i]!, n + 1]);
    });
    this.byLead = new Map([...sums].map(([lead, [s, n]]) => [lead, s / n]));
  }
  async predict(features: number[][]) {
    const p50 = features.map((r) => (this.byLead.get(feature(r, 'lead_h')) ?? 1) + 1e-9 * r.reduce((a, v) => a + (Number.isFinite(v) ? v : 0), 0));
    return { p10: p50.map((v) => v * 0.9), p50, p90: p50.map((v) => v * 1.1) };
  }
  async close(): Promise<void> {}
}

describe('gbm-sklearn feature rows', () => {
  it('reads the hand-checked lags, calendar and lead of a 10:00 D−1 issue', () => {
    const input = labelled(30);
    const rows = gbmRows(cutInput(input, dayAhead(21).issuedAtMs), dayAhead(21), 'ratio');
    expect(rows.features).toHaveLength(24);
    expect(rows.timesMs[0]).toBe(T0 + 21 * DAY);
    const r5 = rows.features[5]!; // day 21 (Monday 2026-01-26), 05:00 UTC
    // Last observation: day 20, 09:00 (the step that ended at the issue time), then 1, 2, 3, 6, 12, 23 h before it.
    expect(GBM_FEATURES.slice(0, 7).map((n) => feature(r5, n))).toEqual([2009, 2008, 2007, 2006, 2003, 1921, 1910]);
    // Same hour 2, 7, 14 days back.
    expect([feature(r5, 'same_hour_2d'), feature(r5, 'same_hour_7d'), feature(r5, 'same_hour_14d')]).toEqual([1905, 1405, 705]);
    expect(feature(r5, 'hour')).toBe(5);
    expect(feature(r5, 'weekday')).toBe(1);
    // 26 January: day of year 26, angle 2π·25/365.
    expect(feature(r5, 'doy_sin')).toBeCloseTo(Math.sin((2 * Math.PI * 25) / 365), 12);
    expect(feature(r5, 'doy_cos')).toBeCloseTo(Math.cos((2 * Math.PI * 25) / 365), 12);
    expect(rows.features.map((r) => feature(r, 'lead_h'))).toEqual(Array.from({ length: 24 }, (_, h) => 14 + h));
    // The ratio's base is the same hour a week back.
    expect(rows.base[5]).toBe(1405);
    // The last-observation features are the same for every target step of one issue.
    expect(new Set(rows.features.map((r) => feature(r, 'last')))).toEqual(new Set([2009]));
  });

  it('keeps a missing value NaN (never 0), falls back to two weeks back for the base, and treats holidays as Sundays', () => {
    const input = labelled(30);
    input.series.values[20 * 24 + 9] = Number.NaN; // the last observation
    input.series.values[14 * 24 + 5] = Number.NaN; // day 14, 05:00: the week-back value of day 21, 05:00
    input.context = { ...input.context, holidays: ['2026-01-26'] };
    const rows = gbmRows(cutInput(input, dayAhead(21).issuedAtMs), dayAhead(21), 'ratio');
    expect(feature(rows.features[5]!, 'last')).toBeNaN();
    expect(feature(rows.features[5]!, 'same_hour_7d')).toBeNaN();
    expect(rows.base[5]).toBe(705);
    expect(rows.base[6]).toBe(1406);
    expect(feature(rows.features[5]!, 'weekday')).toBe(7);
    expect(gbmRows(input, dayAhead(21), 'level').base.every((b) => b === 1)).toBe(true);
  });

  it('follows local hours across a DST change (America/New_York, 2026-03-08)', () => {
    // Hourly UTC series whose value is the local hour in New York.
    const start = Date.UTC(2026, 1, 1, 5);
    const zone = 'America/New_York';
    const values = Float64Array.from({ length: 40 * 24 }, (_, i) => Number(new Intl.DateTimeFormat('en-GB', { hour: 'numeric', hourCycle: 'h23', timeZone: zone }).format(start + i * H)));
    const input: ForecastInput = { series: { startMs: start, stepMs: H, values }, weather: {}, context: { target: 'load', timeZone: zone, holidays: [] } };
    // Monday 2026-03-09, local midnight = 04:00 UTC (summer time); a week back was winter time.
    const firstTargetMs = Date.UTC(2026, 2, 9, 4);
    const req = { issuedAtMs: firstTargetMs - 14 * H, firstTargetMs, horizon: 24 };
    const rows = gbmRows(cutInput(input, req.issuedAtMs), req, 'ratio');
    expect(rows.features.map((r) => feature(r, 'hour'))).toEqual(Array.from({ length: 24 }, (_, h) => h));
    expect(rows.features.map((r) => feature(r, 'same_hour_7d'))).toEqual(Array.from({ length: 24 }, (_, h) => h));
    expect(rows.features.map((r) => feature(r, 'same_hour_14d'))).toEqual(Array.from({ length: 24 }, (_, h) => h));
  });

  it('no feature reads an observation at or after the issue time: poisoning from the issue on changes no row', () => {
    const clean = labelled(30);
    const poisoned = labelled(30);
    const req = dayAhead(21);
    for (let i = (req.issuedAtMs - T0) / H; i < poisoned.series.values.length; i++) poisoned.series.values[i] = 1e9 * (1 + Math.random());
    // Handed the whole series (not cut), rows must still see only what ended by the issue time.
    const a = gbmRows(clean, req, 'ratio');
    const b = gbmRows(poisoned, req, 'ratio');
    expect(b).toEqual(a);
    expect(Math.max(...b.features.flat().filter(Number.isFinite))).toBeLessThan(1e9);
    // A horizon from the issue on, three days long: from lead 48 h on, "2 days back" is the issue time or later,
    // not yet observed, so NaN, and the step that starts at the issue time is never read.
    const now = { issuedAtMs: req.issuedAtMs, firstTargetMs: req.issuedAtMs, horizon: 72 };
    const c = gbmRows(clean, now, 'level');
    expect(gbmRows(poisoned, now, 'level')).toEqual(c);
    expect(feature(c.features[47]!, 'same_hour_2d')).toBe(2009);
    expect(c.features.slice(48).map((r) => feature(r, 'same_hour_2d')).every(Number.isNaN)).toBe(true);
  });

  it('trains on the day-ahead issues inside the fit input, the last trainDays of them, targets as ratios', () => {
    const input = cutInput(labelled(40), dayAhead(30).issuedAtMs);
    const issues = trainingIssues(input, { issueHourLocal: 10, horizonSteps: 24 }, 365);
    // Day 29 is observed only until 10:00: the last whole target day is 28; the first needs 14 days before its issue.
    expect(issues.at(-1)).toEqual(dayAhead(28));
    expect(issues[0]).toEqual(dayAhead(15));
    expect(trainingIssues(input, { issueHourLocal: 10, horizonSteps: 24 }, 5)).toEqual([24, 25, 26, 27, 28].map(dayAhead));
    const set = gbmTrainingSet(input, { issueHourLocal: 10, horizonSteps: 24 }, 5, 'ratio');
    expect(set.features).toHaveLength(5 * 24);
    expect(set.targets[0]).toBe(2400 / 1700);
    expect(Math.max(...set.features.map((r) => feature(r, 'last')))).toBe(2709);
  });
});

describe('gbm-sklearn in the rolling backtest', () => {
  const opts = { horizonSteps: 24, issueHourLocal: 10, testDays: 8, retrainDays: 3 };

  it('has no look-ahead: poisoning everything from the last issue time on changes no forecast', async () => {
    const clean = labelled(40);
    const poisoned = labelled(40);
    const lastIssue = dayAheadIssueTimes(clean, opts).at(-1)!.issuedAtMs;
    for (let i = (lastIssue - T0) / H; i < poisoned.series.values.length; i++) poisoned.series.values[i] = 1e9 * Math.random();
    const a = await runBacktest(clean, [new GbmForecaster({ backend: new MeanByLeadBackend() })], opts);
    const b = await runBacktest(poisoned, [new GbmForecaster({ backend: new MeanByLeadBackend() })], opts);
    expect(b.models['gbm-sklearn']!.forecasts).toEqual(a.models['gbm-sklearn']!.forecasts);
    // The ratio is multiplied back: the stand-in's per-lead mean ratio times the week-back value.
    const fc = a.models['gbm-sklearn']!.forecastsAsMade.at(-1)!;
    expect(fc.p50[0]).toBeGreaterThan(3000);
    expect(fc.p10.every((v, i) => v <= fc.p50[i]! && fc.p50[i]! <= fc.p90[i]!)).toBe(true);
  });

  const sklearnMissing = checkSklearn();
  it.skipIf(sklearnMissing !== undefined)('fits and forecasts through scikit-learn (python3-sklearn), without look-ahead', { timeout: 120_000 }, async () => {
    // A daily and weekly shape on a slow trend, with noise: the ratio to a week back is learnable.
    let state = 7;
    const noise = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 20;
    const values = Float64Array.from({ length: 60 * 24 }, (_, i) => 1000 + i * 0.1 + 200 * Math.sin((2 * Math.PI * (i % 24)) / 24) + (Math.floor(i / 24) % 7 >= 5 ? -150 : 0) + noise());
    const clean: ForecastInput = { series: { startMs: T0, stepMs: H, values }, weather: {}, context: { target: 'load', timeZone: 'UTC', holidays: [] } };
    const poisoned: ForecastInput = { ...clean, series: { ...clean.series, values: values.slice() } };
    const o = { ...opts, testDays: 6 };
    const lastIssue = dayAheadIssueTimes(clean, o).at(-1)!.issuedAtMs;
    for (let i = (lastIssue - T0) / H; i < values.length; i++) poisoned.series.values[i] = 1e9 * Math.random();
    const run = async (input: ForecastInput) => {
      const f = new GbmForecaster({ params: { max_iter: 50 } });
      try {
        return await runBacktest(input, [f], o);
      } finally {
        await f.close();
      }
    };
    const a = await run(clean);
    const b = await run(poisoned);
    expect(b.models['gbm-sklearn']!.forecasts).toEqual(a.models['gbm-sklearn']!.forecasts);
    const m = a.models['gbm-sklearn']!;
    expect(m.overall.mapePct).toBeLessThan(5);
    for (const fc of m.forecastsAsMade) expect(fc.p10.every((v, i) => v <= fc.p50[i]! && fc.p50[i]! <= fc.p90[i]!)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { ClearSkyPersistenceForecaster } from '../../../src/forecast/baselines/clearSkyPersistence.js';
import { PersistenceForecaster } from '../../../src/forecast/baselines/persistence.js';
import { SeasonalNaiveForecaster } from '../../../src/forecast/baselines/seasonalNaive.js';
import { dayAheadIssueTimes, runBacktest } from '../../../src/forecast/backtest/rollingOrigin.js';
import { DEFAULT_QUALITY, maskBadValues } from '../../../src/forecast/data/quality.js';
import { LstmForecaster } from '../../../src/forecast/models/lstm/index.js';
import { cutInput, toRegularSeries } from '../../../src/forecast/data/series.js';
import { clearSkyGhiAt } from '../../../src/forecast/features/solar.js';
import type { ForecastInput, Forecaster, ForecastRequest, QuantileForecast } from '../../../src/forecast/types.js';
import { DAY, H, T0, dayAhead, labelled } from '../../support/labelledSeries.js';


describe('baselines use only what is known at issue time', () => {
  it('seasonal naive (day): same hour of the last fully observed day, which for a 10:00 D−1 issue is D−2', async () => {
    const input = labelled(30);
    const f = new SeasonalNaiveForecaster('day');
    await f.fit(cutInput(input, dayAhead(20).issuedAtMs));
    const out = await f.predict(cutInput(input, dayAhead(20).issuedAtMs), dayAhead(20));
    expect(out.p50).toEqual(Array.from({ length: 24 }, (_, h) => 1800 + h));
    expect(out.p10.every((v, i) => v <= out.p50[i]! && out.p50[i]! <= out.p90[i]!)).toBe(true);
  });

  it('seasonal naive (week): same hour a week back, skipping back another week over a gap', async () => {
    const input = labelled(30);
    input.series.values[(20 - 7) * 24 + 5] = Number.NaN;
    const f = new SeasonalNaiveForecaster('week');
    await f.fit(cutInput(input, dayAhead(20).issuedAtMs));
    const out = await f.predict(cutInput(input, dayAhead(20).issuedAtMs), dayAhead(20));
    expect(out.p50[4]).toBe(1304);
    expect(out.p50[5]).toBe(605); // day 6, not a silent zero
  });

  it('seasonal naive follows local hours across a DST change (Europe/Amsterdam, 2026-03-29)', async () => {
    // Hourly UTC series whose value is the local hour in Amsterdam.
    const start = Date.UTC(2026, 2, 1);
    const values = Float64Array.from({ length: 40 * 24 }, (_, i) => Number(new Intl.DateTimeFormat('en-GB', { hour: 'numeric', hourCycle: 'h23', timeZone: 'Europe/Amsterdam' }).format(start + i * H)));
    const input: ForecastInput = { series: { startMs: start, stepMs: H, values }, weather: {}, context: { target: 'load', timeZone: 'Europe/Amsterdam', holidays: [] } };
    const f = new SeasonalNaiveForecaster('week');
    await f.fit(input);
    // Monday 2026-03-30 local midnight (22:00 UTC the day before, summer time); a week back was winter time.
    const firstTargetMs = Date.UTC(2026, 2, 29, 22);
    const out = await f.predict(cutInput(input, firstTargetMs - 14 * H), { issuedAtMs: firstTargetMs - 14 * H, firstTargetMs, horizon: 24 });
    expect(out.p50).toEqual(Array.from({ length: 24 }, (_, h) => h));
  });

  it('persistence repeats the last observation; its band widens with the lead', async () => {
    const input = labelled(30);
    const f = new PersistenceForecaster();
    await f.fit(input);
    const out = await f.predict(cutInput(input, dayAhead(20).issuedAtMs), dayAhead(20));
    expect(new Set(out.p50)).toEqual(new Set([1909])); // day 19, 09:00: the last full step before 10:00

    // The band, on a random walk (seeded): its spread grows like √lead, and so must P90 − P10.
    let state = 12345;
    const uniform = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const walk = new Float64Array(60 * 24);
    for (let i = 1; i < walk.length; i++) walk[i] = walk[i - 1]! + (uniform() - 0.5) * 10;
    const rw: ForecastInput = { ...input, series: { startMs: T0, stepMs: H, values: walk } };
    const req = { issuedAtMs: T0 + 50 * DAY + 10 * H, firstTargetMs: T0 + 50 * DAY + 11 * H, horizon: 48 };
    const g = new PersistenceForecaster();
    await g.fit(cutInput(rw, req.issuedAtMs));
    const band = await g.predict(cutInput(rw, req.issuedAtMs), req);
    const width = band.p90.map((hi, i) => hi - band.p10[i]!);
    for (let i = 0; i < width.length; i++) expect(band.p10[i]! <= band.p50[i]! && band.p50[i]! <= band.p90[i]!, `lead ${i + 1}`).toBe(true);
    expect(width[0]!).toBeGreaterThan(0);
    // Wider at a day ahead than at an hour ahead, at two days than at one, and never much narrower step to step.
    expect(width[23]!).toBeGreaterThan(2 * width[0]!);
    expect(width[47]!).toBeGreaterThan(width[23]!);
    for (let i = 1; i < width.length; i++) expect(width[i]!, `lead ${i + 1}`).toBeGreaterThan(0.8 * width[i - 1]!);

    // Wind that has just fallen calm: the band reaches up, never below zero output.
    const gusty = Float64Array.from({ length: 30 * 24 }, (_, i) => (i % 5 === 0 ? 0 : 300 + (i % 7) * 20));
    gusty[gusty.length - 1] = 0;
    const wind: ForecastInput = { ...input, series: { startMs: T0, stepMs: H, values: gusty }, context: { ...input.context, target: 'wind' } };
    const calm = new PersistenceForecaster();
    await calm.fit(wind);
    const w = await calm.predict(wind, { issuedAtMs: T0 + 30 * DAY, firstTargetMs: T0 + 30 * DAY, horizon: 24 });
    expect(Math.min(...w.p10)).toBe(0);
    expect(Math.max(...w.p90)).toBeGreaterThan(100);
  });

  it('clear-sky persistence: zero at night, scaled clear-sky by day', async () => {
    const lat = 52.1;
    const lon = 5.1;
    const start = Date.UTC(2026, 5, 1);
    const values = Float64Array.from({ length: 30 * 24 }, (_, i) => 0.004 * clearSkyGhiAt(start + (i + 0.5) * H, lat, lon));
    const input: ForecastInput = { series: { startMs: start, stepMs: H, values }, weather: {}, context: { target: 'pv', timeZone: 'UTC', holidays: [], latitude: lat, longitude: lon } };
    const f = new ClearSkyPersistenceForecaster();
    const issuedAtMs = start + 20 * DAY + 10 * H;
    await f.fit(cutInput(input, issuedAtMs));
    const out = await f.predict(cutInput(input, issuedAtMs), { issuedAtMs, firstTargetMs: start + 21 * DAY, horizon: 24 });
    expect(out.p50[0]).toBe(0); // 00:00 UTC in June at 52°N: sun down
    expect(out.p50[12]).toBeCloseTo(0.004 * clearSkyGhiAt(start + 21 * DAY + 12.5 * H, lat, lon), 6);
  });
});

/** Returns the sum of everything it is given: any leaked future value changes its output. */
class LeakDetector implements Forecaster {
  readonly name = 'leak-detector';
  async fit(): Promise<void> {}
  async predict(input: ForecastInput, req: ForecastRequest): Promise<QuantileForecast> {
    const total = input.series.values.reduce((a, v) => a + (Number.isFinite(v) ? v : 0), 0);
    const times = Array.from({ length: req.horizon }, (_, h) => req.firstTargetMs + h * input.series.stepMs);
    return { issuedAtMs: req.issuedAtMs, timesMs: times, p10: times.map(() => total), p50: times.map(() => total), p90: times.map(() => total) };
  }
}

describe('rolling-origin backtest', () => {
  const opts = { horizonSteps: 24, issueHourLocal: 10, testDays: 10, retrainDays: 3 };

  it('issues at 10:00 on D−1 for the last test days, and reports metrics per lead hour (14 to 37 h)', async () => {
    const input = labelled(40);
    const issues = dayAheadIssueTimes(input, opts);
    expect(issues).toHaveLength(10);
    expect(issues.at(-1)).toEqual({ issuedAtMs: T0 + 38 * DAY + 10 * H, firstTargetMs: T0 + 39 * DAY });
    const r = await runBacktest(input, [new SeasonalNaiveForecaster('day'), new SeasonalNaiveForecaster('week')], opts);
    expect(r.forecasts).toBe(10);
    expect(r.models['seasonal-naive-day']!.perLead.map((l) => l.leadHours)).toEqual(Array.from({ length: 24 }, (_, h) => 14 + h));
    // On this series the day-ahead naive is always 200 off (two days back) and the weekly one 700.
    expect(r.models['seasonal-naive-day']!.overall.maeKw).toBe(200);
    expect(r.models['seasonal-naive-week']!.overall.maeKw).toBe(700);
    expect(r.best).toBe('seasonal-naive-day');
  });

  it('has no look-ahead: poisoning everything from the last issue time on changes no forecast (LSTM included)', { timeout: 120_000 }, async () => {
    const clean = labelled(40);
    const poisoned = labelled(40);
    const lastIssue = dayAheadIssueTimes(clean, opts).at(-1)!.issuedAtMs;
    for (let i = (lastIssue - T0) / H; i < poisoned.series.values.length; i++) poisoned.series.values[i] = 1e9 * Math.random();
    const forecasters = () => [
      new LeakDetector(),
      new SeasonalNaiveForecaster('day'),
      new SeasonalNaiveForecaster('week'),
      new PersistenceForecaster(),
      new LstmForecaster({ epochs: 1, hiddenUnits: 4, decoderUnits: 4, seed: 7 }),
    ];
    const a = await runBacktest(clean, forecasters(), opts);
    const b = await runBacktest(poisoned, forecasters(), opts);
    for (const name of Object.keys(a.models)) expect(b.models[name]!.forecasts, name).toEqual(a.models[name]!.forecasts);
  });
});

describe('data preparation', () => {
  it('buckets irregular points into a regular series of means, gaps as NaN', () => {
    const s = toRegularSeries([{ timeMs: 0, value: 1 }, { timeMs: 1800_000, value: 3 }, { timeMs: 2 * H, value: 5 }, { timeMs: 2 * H + 1, value: undefined }], H);
    expect(s.startMs).toBe(0);
    expect(Array.from(s.values)).toEqual([2, Number.NaN, 5]);
  });

  it('masks dropouts and stuck values, never real zeros of PV', () => {
    const load = Float64Array.from([100, 101, 99, 12, 100, 100, 100, 100, 100, 100, 100, 100, 98]);
    const r = maskBadValues(load, { lowFractionOfMedian: 0.4, madLimit: 50, stuckSteps: 6 });
    expect(r.outliers).toBe(1);
    expect(r.stuck).toBe(8); // indexes 4–11
    expect(Number.isNaN(r.values[3]!)).toBe(true);
    const pv = Float64Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 2, 0, 0]);
    expect(maskBadValues(pv, { madLimit: 50, stuckSteps: 4 }).stuck).toBe(0);
    // A real PV day: zeros at night, so median and MAD are 0; the PV defaults must keep every daylight value.
    const day = Float64Array.from({ length: 48 }, (_, i) => Math.max(0, Math.sin((((i % 24) - 6) / 12) * Math.PI)) * 0.8);
    const r2 = maskBadValues(day, DEFAULT_QUALITY.pv);
    expect(r2.outliers + r2.stuck).toBe(0);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../../src/common/logger.js';
import { resetTfBackendResolution, resolveTfBackend } from '../../../../../src/forecast/models/tfBackend.js';
import { LstmForecaster } from '../../../../../src/forecast/models/lstm/index.js';
import { allocateSamples, prepareSeries, writeSample, writeTargets, type FeatureSpec, type ResidualReference } from '../../../../../src/forecast/models/lstm/features.js';
import { createRng } from '../../../../../src/forecast/models/lstm/random.js';
import type { ForecastInput } from '../../../../../src/forecast/types.js';

const HOUR_MS = 3_600_000;
const ZONE = 'Europe/Amsterdam';
const identity = { target: { mean: 0, std: 1 }, weather: {} };

describe('LSTM residual target (a correction to the same hour a day and a week back)', () => {
  const startMs = Date.UTC(2026, 9, 12, 0);
  const at = (iso: string) => (Date.parse(iso) - startMs) / HOUR_MS;
  // Issued 10:00 CET on Sunday 25 October (the clock went back at 01:00Z): last observed step 08:00Z.
  const origin = at('2026-10-25T08:00:00Z');
  // Values = step index, so each reference names the step it was read from.
  const values = Float64Array.from({ length: origin + 1 + 48 }, (_, i) => i);
  const input: ForecastInput = { series: { startMs, stepMs: HOUR_MS, values }, weather: {}, context: { target: 'load', timeZone: ZONE, holidays: [] } };
  const sampleFor = (residualOn: ResidualReference | undefined, from = input) => {
    const spec: FeatureSpec = { inputSteps: 24, horizonSteps: 48, daySteps: 24, weekSteps: 168, weatherChannels: [], solar: undefined, localClockLags: true, ...(residualOn ? { residualOn } : {}) };
    const prep = prepareSeries(from, spec, identity, origin - 23, origin + 1 + 48);
    const out = allocateSamples(spec, 1);
    writeSample(prep, spec, origin, out, 0);
    return out;
  };
  // Target Monday 26 October 12:00 CET = 11:00Z: the same local hour was 10:00Z on Saturday 24 (the latest
  // observed day) and on Monday 19 (a week back), both CEST.
  const h = at('2026-10-26T11:00:00Z') - origin - 1;

  it("reads the same local hour a week back ('week') or the mean of a day and a week back ('dayAndWeek')", () => {
    expect(sampleFor('week').reference[h]).toBe(at('2026-10-19T10:00:00Z'));
    expect(sampleFor('dayAndWeek').reference[h]).toBe((at('2026-10-24T10:00:00Z') + at('2026-10-19T10:00:00Z')) / 2);
    // Without the option (every model saved before it): no reference, the level is the target.
    expect(Array.from(sampleFor(undefined).reference).every((r) => r === 0)).toBe(true);
  });

  it('a gap reads the value before it; before the series starts, the level at the issue time', () => {
    const gapped = Float64Array.from(values);
    gapped[at('2026-10-19T10:00:00Z')] = Number.NaN;
    expect(sampleFor('week', { ...input, series: { ...input.series, values: gapped } }).reference[h]).toBe(at('2026-10-19T09:00:00Z'));
    // Only five days of history: a week back is before the first step.
    const fiveDays = origin - 5 * 24;
    const late = Float64Array.from(values, (v, i) => (i < fiveDays ? Number.NaN : v));
    const short: ForecastInput = { ...input, series: { ...input.series, values: late } };
    const spec: FeatureSpec = { inputSteps: 24, horizonSteps: 48, daySteps: 24, weekSteps: 168, weatherChannels: [], solar: undefined, residualOn: 'week' };
    const sliced: ForecastInput = { ...short, series: { startMs: startMs + fiveDays * HOUR_MS, stepMs: HOUR_MS, values: late.subarray(fiveDays) } };
    const prep = prepareSeries(sliced, spec, identity, 0, 5 * 24 + 1 + 48);
    const out = allocateSamples(spec, 1);
    writeSample(prep, spec, 5 * 24, out, 0);
    expect(out.reference[h]).toBe(origin);
  });

  it('trains on what is left after the reference, and only where the target was observed', () => {
    const sample = sampleFor('week');
    const scaled = Float64Array.from(values);
    scaled[origin + 1 + h + 1] = Number.NaN;
    const targets = new Float32Array(48);
    const mask = new Float32Array(48);
    writeTargets(scaled, origin, 48, targets, mask, 0, sample.reference);
    // 2026-10-26T11:00Z less 2026-10-19T10:00Z: one week and one hour of steps.
    expect(targets[h]).toBe(169);
    expect([targets[h + 1], mask[h + 1], mask[h]]).toEqual([0, 0, 1]);
  });
});

describe('LstmForecaster with a residual target', () => {
  beforeAll(async () => {
    resetTfBackendResolution();
    await resolveTfBackend({ logger: silentLogger, env: {} });
  });

  /** Hourly load with a daily and weekly shape and noise (seeded), UTC. */
  function weeklyLoad(weeks: number): ForecastInput {
    const rng = createRng(3);
    const values = Float64Array.from({ length: weeks * 168 }, (_, i) => {
      const hour = i % 24;
      const weekend = Math.floor(i / 24) % 7 >= 5 ? -20 : 0;
      return 100 + 30 * Math.sin((2 * Math.PI * (hour - 8)) / 24) + weekend + 5 * (rng() - 0.5);
    });
    return { series: { startMs: Date.UTC(2024, 0, 1), stepMs: HOUR_MS, values }, weather: {}, context: { target: 'load', timeZone: 'UTC', holidays: ['2024-01-01', '2024-01-23'] } };
  }

  it('has no look-ahead (reference, lags, holiday proximity), saves the reference it was trained with and reloads to identical forecasts', { timeout: 90_000 }, async () => {
    const data = weeklyLoad(4);
    const origin = 500;
    const history: ForecastInput = { ...data, series: { ...data.series, values: data.series.values.slice(0, origin) } };
    const model = new LstmForecaster({ hiddenUnits: 8, decoderUnits: 8, inputSteps: 12, horizonSteps: 24, epochs: 2, seed: 7, residualOn: 'dayAndWeek' });
    await model.fit(history);
    const issuedAtMs = data.series.startMs + origin * HOUR_MS;
    const request = { issuedAtMs, firstTargetMs: issuedAtMs, horizon: 24 };
    const clean = await model.predict(history, request);
    // Every step from the issue time on poisoned: the references and lags must not read them.
    const poisoned = Float64Array.from(data.series.values, (v, i) => (i >= origin ? 1e6 : v));
    expect(await model.predict({ ...data, series: { ...data.series, values: poisoned } }, request)).toEqual(clean);
    // The test can tell: an hour later, the poison is read.
    const later = await model.predict({ ...data, series: { ...data.series, values: poisoned } }, { ...request, issuedAtMs: issuedAtMs + HOUR_MS, firstTargetMs: issuedAtMs + HOUR_MS });
    expect(Math.max(...later.p50)).toBeGreaterThan(1000);

    const saved = await model.save();
    expect(saved.metadata.featureSpec.residualOn).toBe('dayAndWeek');
    expect(saved.metadata.featureSpec.holidayProximity).toBe(true);
    const reloaded = await LstmForecaster.load({ ...saved, metadata: JSON.parse(JSON.stringify(saved.metadata)) as typeof saved.metadata });
    expect(await reloaded.predict(history, request)).toEqual(clean);
    model.dispose();
    reloaded.dispose();
  });

  it('rejects an unknown reference', () => {
    expect(() => new LstmForecaster({ residualOn: 'month' as 'week' })).toThrow('residualOn must be none, week or dayAndWeek, got month');
  });
});

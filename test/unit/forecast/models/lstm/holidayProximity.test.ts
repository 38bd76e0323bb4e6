import { describe, expect, it } from 'vitest';
import { holidayProximity } from '../../../../../src/forecast/models/lstm/calendar.js';
import { allocateSamples, prepareSeries, stepFeatureCount, writeSample, type FeatureSpec } from '../../../../../src/forecast/models/lstm/features.js';
import { CALENDAR_FEATURE_COUNT } from '../../../../../src/forecast/models/lstm/calendar.js';
import type { ForecastInput } from '../../../../../src/forecast/types.js';

const HOUR_MS = 3_600_000;
const ZONE = 'Europe/Berlin';
const HOLIDAYS = ['2019-12-25', '2019-12-26', '2020-01-01'];

describe('holiday proximity (LSTM target-step features)', () => {
  // From 2019-12-16 00:00 Berlin (CET, UTC+1) hourly for three weeks.
  const startMs = Date.parse('2019-12-15T23:00:00Z');
  const features = holidayProximity(startMs, HOUR_MS, 21 * 24, ZONE, HOLIDAYS);
  const atLocalNoon = (day: string) => {
    const i = (Date.parse(`${day}T11:00:00Z`) - startMs) / HOUR_MS;
    return [features[2 * i], features[2 * i + 1]].map((v) => Number(v!.toFixed(4)));
  };
  const f = (x: number) => Number(x.toFixed(4));

  it('reads (8 − days) / 7 to the next and since the last holiday within a week, else 0', () => {
    expect(atLocalNoon('2019-12-17')).toEqual([0, 0]); // Christmas 8 days ahead
    expect(atLocalNoon('2019-12-18')).toEqual([f(1 / 7), 0]);
    expect(atLocalNoon('2019-12-23')).toEqual([f(6 / 7), 0]);
    expect(atLocalNoon('2019-12-24')).toEqual([1, 0]);
    // On a holiday: the next one (26th) is a day away; the holiday itself is not "the last one".
    expect(atLocalNoon('2019-12-25')).toEqual([1, 0]);
    expect(atLocalNoon('2019-12-26')).toEqual([f(2 / 7), 1]);
    // Between Christmas and New Year both are high.
    expect(atLocalNoon('2019-12-27')).toEqual([f(3 / 7), 1]);
    expect(atLocalNoon('2019-12-31')).toEqual([1, f(3 / 7)]);
    expect(atLocalNoon('2020-01-02')).toEqual([0, 1]);
    expect(atLocalNoon('2020-01-05')).toEqual([0, f(4 / 7)]);
  });

  it('follows the local date, not the UTC one', () => {
    // 2019-12-23 23:30 UTC is already the 24th in Berlin.
    const i = (Date.parse('2019-12-23T23:00:00Z') - startMs) / HOUR_MS;
    expect([features[2 * i], features[2 * i + 1]]).toEqual([1, 0]);
    expect([features[2 * (i - 1)], features[2 * (i - 1) + 1]].map((v) => f(v!))).toEqual([f(6 / 7), 0]);
  });

  it('is all zeros without holidays, and lands on every target step of a sample when the spec asks for it', () => {
    expect(Array.from(holidayProximity(startMs, HOUR_MS, 48, ZONE, [])).every((v) => v === 0)).toBe(true);
    const values = new Float64Array(8 * 24).fill(1);
    const input: ForecastInput = { series: { startMs, stepMs: HOUR_MS, values }, weather: {}, context: { target: 'load', timeZone: ZONE, holidays: HOLIDAYS } };
    const spec: FeatureSpec = { inputSteps: 24, horizonSteps: 48, daySteps: 24, weekSteps: 168, weatherChannels: [], solar: undefined, holidayProximity: true };
    // Issued 2019-12-23 10:00 Berlin: last observed step 08:00Z.
    const origin = (Date.parse('2019-12-23T08:00:00Z') - startMs) / HOUR_MS;
    const prep = prepareSeries(input, spec, { target: { mean: 0, std: 1 }, weather: {} }, origin - 23, origin + 1 + 48);
    const out = allocateSamples(spec, 1);
    writeSample(prep, spec, origin, out, 0);
    const sf = stepFeatureCount(spec);
    const at = (iso: string) => {
      const h = (Date.parse(iso) - startMs) / HOUR_MS - origin - 1;
      return [out.targetSteps[h * sf + 1 + CALENDAR_FEATURE_COUNT], out.targetSteps[h * sf + 2 + CALENDAR_FEATURE_COUNT]].map((v) => f(v!));
    };
    expect(at('2019-12-24T11:00:00Z')).toEqual([1, 0]);
    expect(at('2019-12-23T20:00:00Z')).toEqual([f(6 / 7), 0]);
    expect(sf).toBe(stepFeatureCount({ ...spec, holidayProximity: undefined }) + 2);
  });
});

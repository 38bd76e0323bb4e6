import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { allocateSamples, prepareSeries, SEASONAL_LAGS, stepFeatureCount, writeSample, type FeatureSpec } from '../../../../../src/forecast/models/lstm/features.js';
import { CALENDAR_FEATURE_COUNT } from '../../../../../src/forecast/models/lstm/calendar.js';
import { localClockIndex, utcOffsetsMs } from '../../../../../src/forecast/models/lstm/windowing.js';
import type { ForecastInput } from '../../../../../src/forecast/types.js';

const HOUR_MS = 3_600_000;
const ZONE = 'Europe/Amsterdam';
const amsterdamOffsetMs = (ms: number) => DateTime.fromMillis(ms, { zone: ZONE }).offset * 60_000;

describe('LSTM lags on the local clock (load across DST)', () => {
  it('knows the UTC offset of every step: CEST (+2 h) until 2026-10-25 01:00 UTC, CET (+1 h) from then', () => {
    const startMs = Date.UTC(2026, 9, 24, 0);
    const offsets = utcOffsetsMs(startMs, HOUR_MS, 48, amsterdamOffsetMs);
    // Step 25 is 2026-10-25T01:00Z, the first hour of CET.
    expect(Array.from(offsets.slice(0, 25)).every((o) => o === 2 * HOUR_MS)).toBe(true);
    expect(Array.from(offsets.slice(25)).every((o) => o === HOUR_MS)).toBe(true);
  });

  it('moves the same hour last week by the change of offset, and never past the last observed step', () => {
    const offsets = new Float64Array(400).fill(2 * HOUR_MS);
    offsets.fill(HOUR_MS, 200); // autumn: the clock goes back at step 200
    // Target 300 (CET) a week back is UTC step 132 (CEST): the same wall-clock hour was one UTC step earlier.
    expect(localClockIndex(300, 132, 250, 168, HOUR_MS, offsets)).toBe(131);
    // Spring (offset +1 h → +2 h): one step later; if that is not observed yet, a week further back.
    const spring = new Float64Array(400).fill(HOUR_MS);
    spring.fill(2 * HOUR_MS, 200);
    expect(localClockIndex(300, 132, 250, 168, HOUR_MS, spring)).toBe(133);
    expect(localClockIndex(350, 182, 182, 168, HOUR_MS, spring)).toBe(15);
    // No change between the two: unchanged; without offsets (older models): the UTC lag.
    expect(localClockIndex(190, 22, 180, 168, HOUR_MS, spring)).toBe(22);
    expect(localClockIndex(300, 132, 250, 168, HOUR_MS, undefined)).toBe(132);
  });

  it("a sample's day and week lags read the same local hour across the change (values = step index)", () => {
    const startMs = Date.UTC(2026, 9, 12, 0);
    const at = (iso: string) => (Date.parse(iso) - startMs) / HOUR_MS;
    // Issued 10:00 CET on Sunday 25 October: last observed step 09:00–10:00 local = 08:00Z.
    const origin = at('2026-10-25T08:00:00Z');
    const values = Float64Array.from({ length: origin + 1 }, (_, i) => i);
    const input: ForecastInput = { series: { startMs, stepMs: HOUR_MS, values }, weather: {}, context: { target: 'load', timeZone: ZONE, holidays: [] } };
    const identity = { target: { mean: 0, std: 1 }, weather: {} };
    const lagsAt = (localClockLags: boolean, targetIso: string) => {
      const spec: FeatureSpec = { inputSteps: 24, horizonSteps: 48, daySteps: 24, weekSteps: 168, weatherChannels: [], solar: undefined, ...(localClockLags ? { localClockLags } : {}) };
      const prep = prepareSeries(input, spec, identity, origin - 23, origin + 1 + 48);
      const out = allocateSamples(spec, 1);
      writeSample(prep, spec, origin, out, 0);
      const h = at(targetIso) - origin - 1;
      const base = h * stepFeatureCount(spec) + 1 + CALENDAR_FEATURE_COUNT;
      return Array.from({ length: SEASONAL_LAGS }, (_, k) => out.targetSteps[base + 2 * k]!);
    };
    // Target: Monday 26 October 12:00 CET = 11:00Z. The same local hour (12:00) was 10:00Z on the CEST days
    // before the change: Saturday 24, Friday 23, Thursday 22 (day lags; Sunday 25 12:00 is not observed yet),
    // and Monday 19 and 12 (week lags).
    expect(lagsAt(true, '2026-10-26T11:00:00Z')).toEqual(['2026-10-24', '2026-10-23', '2026-10-22', '2026-10-19', '2026-10-12'].map((d) => at(`${d}T10:00:00Z`)));
    // Older models (no flag): the same UTC hour, 13:00 local on those days.
    expect(lagsAt(false, '2026-10-26T11:00:00Z')).toEqual(['2026-10-24', '2026-10-23', '2026-10-22', '2026-10-19', '2026-10-12'].map((d) => at(`${d}T11:00:00Z`)));
  });
});

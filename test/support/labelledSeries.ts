import type { ForecastInput, ForecastRequest } from '../../src/forecast/types.js';

export const H = 3_600_000;
export const DAY = 24 * H;
/** A Monday, 00:00 UTC. */
export const T0 = Date.UTC(2026, 0, 5);

/** Hourly load whose value is 100·(day index) + hour: every value read says exactly which hour it came from (no-look-ahead tests). */
export function labelled(days: number, timeZone = 'UTC'): ForecastInput {
  const values = Float64Array.from({ length: days * 24 }, (_, i) => 100 * Math.floor(i / 24) + (i % 24));
  return { series: { startMs: T0, stepMs: H, values }, weather: {}, context: { target: 'load', timeZone, holidays: [] } };
}

/** The day-ahead request for day `dayIndex`: issued 10:00 the day before, 24 hourly steps from midnight. */
export const dayAhead = (dayIndex: number): ForecastRequest => ({ issuedAtMs: T0 + (dayIndex - 1) * DAY + 10 * H, firstTargetMs: T0 + dayIndex * DAY, horizon: 24 });

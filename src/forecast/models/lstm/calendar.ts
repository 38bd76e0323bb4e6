import { DateTime } from 'luxon';

/** Calendar features per step: hour sin, hour cos, weekday sin, weekday cos, Saturday, Sunday-or-holiday. */
export const CALENDAR_FEATURE_COUNT = 6;

/**
 * Local-time calendar features of each step start, DST-safe because luxon converts every instant
 * with the zone's rules (a 23 h or 25 h day just has one hour fewer or more).
 * Holidays count as Sundays (weekday 7), as SeriesContext.holidays asks.
 */
export function calendarFeatures(
  startMs: number,
  stepMs: number,
  count: number,
  timeZone: string,
  holidays: readonly string[],
): Float32Array {
  const holidaySet = new Set(holidays);
  const out = new Float32Array(count * CALENDAR_FEATURE_COUNT);
  for (let i = 0; i < count; i++) {
    const local = DateTime.fromMillis(startMs + i * stepMs, { zone: timeZone });
    const hourOfDay = local.hour + local.minute / 60;
    const isoDate = local.toISODate();
    const weekday = isoDate !== null && holidaySet.has(isoDate) ? 7 : local.weekday;
    const hourAngle = (2 * Math.PI * hourOfDay) / 24;
    const dayAngle = (2 * Math.PI * (weekday - 1)) / 7;
    const o = i * CALENDAR_FEATURE_COUNT;
    out[o] = Math.sin(hourAngle);
    out[o + 1] = Math.cos(hourAngle);
    out[o + 2] = Math.sin(dayAngle);
    out[o + 3] = Math.cos(dayAngle);
    out[o + 4] = weekday === 6 ? 1 : 0;
    out[o + 5] = weekday === 7 ? 1 : 0;
  }
  return out;
}

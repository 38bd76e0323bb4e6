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

/** Days a holiday reaches out to the days around it (holidayProximity). */
export const HOLIDAY_REACH_DAYS = 7;

const DAY_MS = 86_400_000;

/**
 * Two features per step from its local date: how close the next holiday is and how close the last one was,
 * (reach + 1 − days) / reach within HOLIDAY_REACH_DAYS, else 0 (the day before a holiday reads 1 and 0). Load
 * drops on bridge days and between Christmas and New Year, days that are no holiday themselves: both
 * features high is "between two holidays". Measured on OPSD DE (December 2019, docs/benchmarks.md).
 */
export function holidayProximity(startMs: number, stepMs: number, count: number, timeZone: string, holidays: readonly string[]): Float32Array {
  const days = [...new Set(holidays)].map((d) => Date.parse(`${d}T00:00:00Z`) / DAY_MS).filter(Number.isFinite).sort((a, b) => a - b);
  const out = new Float32Array(count * 2);
  if (days.length === 0) return out;
  let cachedDay = Number.NaN;
  let before = 0;
  let after = 0;
  for (let i = 0; i < count; i++) {
    const local = DateTime.fromMillis(startMs + i * stepMs, { zone: timeZone });
    const day = Date.UTC(local.year, local.month - 1, local.day) / DAY_MS;
    if (day !== cachedDay) {
      cachedDay = day;
      // First holiday after the day (binary search), and the one before that.
      let lo = 0;
      let hi = days.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (days[mid]! <= day) lo = mid + 1;
        else hi = mid;
      }
      const next = days[lo];
      const previous = days[lo - 1] === day ? days[lo - 2] : days[lo - 1];
      const near = (distance: number | undefined) => (distance !== undefined && distance <= HOLIDAY_REACH_DAYS ? (HOLIDAY_REACH_DAYS + 1 - distance) / HOLIDAY_REACH_DAYS : 0);
      before = near(next === undefined ? undefined : next - day);
      after = near(previous === undefined ? undefined : day - previous);
    }
    out[i * 2] = before;
    out[i * 2 + 1] = after;
  }
  return out;
}

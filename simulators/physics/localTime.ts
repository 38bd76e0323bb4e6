import { IANAZone } from 'luxon';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './num.js';

/** Weekday (Mon–Fri), Saturday, or Sunday; holidays count as Sunday. */
export type DayType = 'weekday' | 'saturday' | 'sunday';

export interface LocalTime {
  /** Local wall-clock hour in [0, 24), DST included. */
  hour: number;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** Local date, YYYY-MM-DD. */
  isoDate: string;
  /** 1 … 366. */
  dayOfYear: number;
  dayType: DayType;
}

export function dayTypeOf(weekday: number, isHoliday: boolean): DayType {
  if (isHoliday || weekday === 7) return 'sunday';
  return weekday === 6 ? 'saturday' : 'weekday';
}

/**
 * A site's wall clock. The UTC offset comes from the IANA zone at each instant (luxon), so profiles
 * follow local time across DST changes; the calendar fields come from that shifted instant.
 */
export class SiteClock {
  private readonly zone: IANAZone;
  private readonly holidays: ReadonlySet<string>;

  constructor(timeZone: string, holidays: readonly string[] = []) {
    this.zone = IANAZone.create(timeZone);
    if (!this.zone.isValid) throw new RangeError(`unknown time zone '${timeZone}'`);
    this.holidays = new Set(holidays);
  }

  /** UTC offset in minutes at an instant. */
  offsetMinutes(timeMs: number): number {
    return this.zone.offset(timeMs);
  }

  at(timeMs: number): LocalTime {
    const localMs = timeMs + this.zone.offset(timeMs) * MINUTE_MS;
    const d = new Date(localMs); // read with getUTC*: the fields are the local wall-clock ones
    const msOfDay = localMs - Math.floor(localMs / DAY_MS) * DAY_MS;
    const year = d.getUTCFullYear();
    const isoDate = `${year}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
    const weekday = d.getUTCDay() === 0 ? 7 : d.getUTCDay();
    const dayOfYear = Math.floor((Date.UTC(year, d.getUTCMonth(), d.getUTCDate()) - Date.UTC(year, 0, 1)) / DAY_MS) + 1;
    return { hour: msOfDay / HOUR_MS, weekday, isoDate, dayOfYear, dayType: dayTypeOf(weekday, this.holidays.has(isoDate)) };
  }
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

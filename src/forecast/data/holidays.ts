/**
 * Named holiday calendars for sites that don't list their own dates (SeriesContext.holidays takes
 * local YYYY-MM-DD dates; a calendar name expands to them). Holidays read as Sundays to the models.
 */

/**
 * `us`: the six NERC off-peak holidays (New Year's Day, Memorial Day, Independence Day, Labor Day,
 * Thanksgiving, Christmas; a Sunday holiday moves to Monday, a Saturday one stays) plus the Friday
 * after Thanksgiving, whose load looks like a holiday's on US grids.
 */
export const HOLIDAY_CALENDARS = ['us'] as const;
export type HolidayCalendar = (typeof HOLIDAY_CALENDARS)[number];

export function isHolidayCalendar(name: string): name is HolidayCalendar {
  return (HOLIDAY_CALENDARS as readonly string[]).includes(name);
}

/** Every holiday of `calendar` in the years [fromYear, toYear], sorted, as local YYYY-MM-DD. */
export function holidayDates(calendar: HolidayCalendar, fromYear: number, toYear: number): string[] {
  if (!Number.isInteger(fromYear) || !Number.isInteger(toYear) || toYear < fromYear) {
    throw new RangeError(`holiday years must be integers with from <= to, got ${fromYear}..${toYear}`);
  }
  const dates: string[] = [];
  for (let year = fromYear; year <= toYear; year++) dates.push(...usHolidays(year));
  return dates.sort();
}

function usHolidays(year: number): string[] {
  const thanksgiving = nthWeekday(year, 11, 4, 4);
  return [
    sundayToMonday(year, 1, 1),
    lastWeekday(year, 5, 1),
    sundayToMonday(year, 7, 4),
    nthWeekday(year, 9, 1, 1),
    thanksgiving,
    addDays(thanksgiving, 1),
    sundayToMonday(year, 12, 25),
  ];
}

/** weekday: 0 = Sunday … 6 = Saturday (Date.getUTCDay). */
function nthWeekday(year: number, month: number, weekday: number, n: number): string {
  const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  const day = 1 + ((weekday - first + 7) % 7) + 7 * (n - 1);
  return iso(year, month, day);
}

function lastWeekday(year: number, month: number, weekday: number): string {
  const lastDay = new Date(Date.UTC(year, month, 0));
  const day = lastDay.getUTCDate() - ((lastDay.getUTCDay() - weekday + 7) % 7);
  return iso(year, month, day);
}

function sundayToMonday(year: number, month: number, day: number): string {
  const isSunday = new Date(Date.UTC(year, month - 1, day)).getUTCDay() === 0;
  return isSunday ? addDays(iso(year, month, day), 1) : iso(year, month, day);
}

function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function iso(year: number, month: number, day: number): string {
  return new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10);
}

/** Years a calendar name expands to: wide enough for any history or horizon the platform sees. */
const CALENDAR_YEARS = { from: 1990, to: 2100 } as const;

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** True for a YYYY-MM-DD date or a calendar name: what a holidays list may hold. */
export function isHolidayEntry(entry: string): boolean {
  return isHolidayCalendar(entry) || (DATE_PATTERN.test(entry) && !Number.isNaN(Date.parse(`${entry}T00:00:00Z`)));
}

export const HOLIDAY_ENTRY_HINT = `must be a date YYYY-MM-DD or a calendar name (${HOLIDAY_CALENDARS.join(', ')})`;

/** Dates and calendar names → the sorted, distinct local dates they stand for. */
export function expandHolidays(entries: readonly string[]): string[] {
  const dates = new Set<string>();
  for (const entry of entries) {
    if (isHolidayCalendar(entry)) {
      for (const d of holidayDates(entry, CALENDAR_YEARS.from, CALENDAR_YEARS.to)) dates.add(d);
    } else if (isHolidayEntry(entry)) dates.add(entry);
    else throw new RangeError(`holiday '${entry}' ${HOLIDAY_ENTRY_HINT}`);
  }
  return [...dates].sort();
}

import Holidays from 'date-holidays';

/**
 * Site holidays (SeriesContext.holidays takes local YYYY-MM-DD dates; the models read them as Sundays).
 * A site lists country/region codes as date-holidays knows them (NL, US, US-CA, DE-BY; any case) and/or
 * explicit local dates (a local fair, a plant shutdown), which add to the codes' dates.
 */

/**
 * Years a code expands to: the oldest data benchmarked here (GEFCom 2004, PJM East 2002) up to well past
 * today plus the longest forecast horizon. A code costs a few milliseconds a year, once per process (cached).
 */
export const HOLIDAY_YEARS = { from: 2000, to: 2040 } as const;

/**
 * Load drops like on a Sunday on days most people are off: date-holidays' `public` days, and `bank` days,
 * which are mostly de facto days off (Swedish midsummer and Christmas eves, Brazil's carnival, Japan's 2–3
 * January). `observance`, `optional` and `school` days (Mother's Day, Dutch Good Friday) move load little.
 */
const COUNTED_TYPES = ['public', 'bank'] as const;

/** A day counts when the holiday covers more than half of it: not German Christmas Eve from 14:00. */
const MIN_COVERED_MS = 12 * 3_600_000;
const DAY_MS = 86_400_000;

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const CODE_EXAMPLES = 'e.g. NL, US-CA, DE-BY';

/** A country (and state, region) code in date-holidays' own spelling, e.g. { country: 'DE', state: 'BY' }. */
export interface HolidayRegion {
  country: string;
  state?: string;
  region?: string;
}

export type HolidayEntry = { kind: 'date'; date: string } | { kind: 'region'; code: string; region: HolidayRegion };

/** What a holidays entry stands for, or what is wrong with it and how to fix it (naming the entry). */
export function parseHolidayEntry(entry: string): { ok: true; entry: HolidayEntry } | { ok: false; error: string } {
  if (DATE_PATTERN.test(entry)) {
    // Date.parse rolls 2017-02-30 over to March: a real date survives the round trip.
    const ms = Date.parse(`${entry}T00:00:00Z`);
    if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== entry) return { ok: false, error: `'${entry}' is not a valid calendar date (YYYY-MM-DD)` };
    return { ok: true, entry: { kind: 'date', date: entry } };
  }
  const region = resolveRegion(entry);
  return typeof region === 'string' ? { ok: false, error: region } : { ok: true, entry: { kind: 'region', code: regionCode(region), region } };
}

/** The problem with a holidays entry, or undefined when it is a valid date or a known code. */
export function holidayEntryProblem(entry: string): string | undefined {
  const parsed = parseHolidayEntry(entry);
  return parsed.ok ? undefined : parsed.error;
}

/**
 * Every local date in [fromYear, toYear] that date-holidays counts as a public or bank holiday of `region`,
 * sorted and distinct. Observed (substitute) days are included as date-holidays reports them, next to the
 * day itself; a multi-day holiday gives each day it mostly covers.
 */
export function holidayDates(region: HolidayRegion, fromYear: number, toYear: number): string[] {
  if (!Number.isInteger(fromYear) || !Number.isInteger(toYear) || toYear < fromYear) {
    throw new RangeError(`holiday years must be integers with from <= to, got ${fromYear}..${toYear}`);
  }
  // Time zone UTC: start/end come back as the holiday's local wall-clock written as UTC, whatever the
  // process's own time zone, so the dates don't depend on where this runs.
  const calendar = new Holidays({ ...region }, { types: [...COUNTED_TYPES], timezone: 'UTC' });
  const dates = new Set<string>();
  for (let year = fromYear; year <= toYear; year++) {
    for (const holiday of calendar.getHolidays(year)) {
      const startMs = holiday.start.getTime();
      const endMs = holiday.end.getTime();
      for (let dayMs = Math.floor(startMs / DAY_MS) * DAY_MS; dayMs < endMs; dayMs += DAY_MS) {
        const coveredMs = Math.min(endMs, dayMs + DAY_MS) - Math.max(startMs, dayMs);
        if (coveredMs > MIN_COVERED_MS) dates.add(new Date(dayMs).toISOString().slice(0, 10));
      }
    }
  }
  return [...dates].sort();
}

/** Codes expanded over HOLIDAY_YEARS, by canonical code: each costs about 0.1–0.3 s the first time. */
const expanded = new Map<string, readonly string[]>();

/** Dates and codes → the sorted, distinct local dates they stand for; a bad entry throws a RangeError. */
export function expandHolidays(entries: readonly string[]): string[] {
  const dates = new Set<string>();
  for (const raw of entries) {
    const parsed = parseHolidayEntry(raw);
    if (!parsed.ok) throw new RangeError(`holidays: ${parsed.error}`);
    const entry = parsed.entry;
    if (entry.kind === 'date') {
      dates.add(entry.date);
      continue;
    }
    let codeDates = expanded.get(entry.code);
    if (!codeDates) {
      codeDates = holidayDates(entry.region, HOLIDAY_YEARS.from, HOLIDAY_YEARS.to);
      expanded.set(entry.code, codeDates);
    }
    for (const d of codeDates) dates.add(d);
  }
  return [...dates].sort();
}

/** One instance for date-holidays' lists of countries, states and regions. */
let directory: Holidays | undefined;

/** A code (any case) → date-holidays' spelling of it, or a message saying what is wrong and how to fix it. */
function resolveRegion(code: string): HolidayRegion | string {
  directory ??= new Holidays();
  const unknown = `'${code}' is neither a YYYY-MM-DD date nor a country/region code date-holidays knows (${CODE_EXAMPLES})`;
  const parts = code.split('-');
  if (parts.length > 3 || parts.some((p) => p === '')) return unknown;
  const [countryPart, statePart, regionPart] = parts as [string, string | undefined, string | undefined];
  const country = findKey(directory.getCountries(), countryPart);
  if (!country) return unknown;
  if (statePart === undefined) return { country };
  const states = directory.getStates(country) ?? {};
  const state = findKey(states, statePart);
  if (!state) return `'${code}': date-holidays knows ${country} but not its state/region '${statePart}'; ${country} has ${listKeys(states, country)}`;
  if (regionPart === undefined) return { country, state };
  const regions = directory.getRegions(country, state) ?? {};
  const region = findKey(regions, regionPart);
  if (!region) return `'${code}': date-holidays knows ${country}-${state} but not its region '${regionPart}'; ${country}-${state} has ${listKeys(regions, `${country}-${state}`)}`;
  return { country, state, region };
}

/** date-holidays' keys are mostly upper case, a few mixed (CK-Rarotonga): match without regard to case. */
function findKey(names: Record<string, string> | undefined, wanted: string): string | undefined {
  const upper = wanted.toUpperCase();
  return Object.keys(names ?? {}).find((key) => key.toUpperCase() === upper);
}

function listKeys(names: Record<string, string>, prefix: string): string {
  const keys = Object.keys(names);
  return keys.length === 0 ? `none: use '${prefix}'` : keys.map((k) => `${prefix}-${k}`).join(', ');
}

function regionCode(region: HolidayRegion): string {
  return [region.country, region.state, region.region].filter((p) => p !== undefined).join('-');
}

import { describe, expect, it } from 'vitest';
import { expandHolidays, holidayDates, holidayEntryProblem, HOLIDAY_YEARS } from '../../../../src/forecast/data/holidays.js';
import { siteInfoSchema } from '../../../../src/forecast/sites.js';

const site = (holidays: string[]) => ({ id: 's', latitude: 52, longitude: 5, timeZone: 'Europe/Amsterdam', holidays });
const inYear = (dates: readonly string[], year: number) => dates.filter((d) => d.startsWith(`${year}-`));

describe('holiday dates from date-holidays (public and bank days), checked by hand', () => {
  it('NL 2024: Easter 31 March, King’s Day 27 April, Ascension (Easter + 39), Whit Monday, Christmas; not Good Friday or Liberation Day', () => {
    expect(holidayDates({ country: 'NL' }, 2024, 2024)).toEqual([
      '2024-01-01', '2024-03-31', '2024-04-01', '2024-04-27', '2024-05-09', '2024-05-19', '2024-05-20', '2024-12-25', '2024-12-26',
      '2024-12-31', // Oudejaarsdag: a bank holiday in date-holidays
    ]);
  });

  it('NL 2025: King’s Day moves to Saturday 26 April because the 27th is a Sunday', () => {
    const dates = holidayDates({ country: 'NL' }, 2025, 2025);
    expect(dates).toContain('2025-04-26');
    expect(dates).not.toContain('2025-04-27');
    expect(dates).toContain('2025-12-25');
  });

  it('US: Thanksgiving 2023 on 23 November (the day after is only an observance); observed days next to the day itself', () => {
    const y2023 = holidayDates({ country: 'US' }, 2023, 2023);
    expect(y2023).toContain('2023-11-23');
    expect(y2023).not.toContain('2023-11-24');
    const y2021 = holidayDates({ country: 'US' }, 2021, 2021);
    // Independence Day on Sunday 4 July → observed Monday 5 July; Christmas and New Year 2022 on Saturdays → observed Fridays.
    expect(y2021).toEqual(expect.arrayContaining(['2021-07-04', '2021-07-05', '2021-12-24', '2021-12-25', '2021-12-31']));
  });

  it('regions: Assumption (15 August 2024) in Bavaria’s Catholic municipalities and Saarland, not in Berlin', () => {
    expect(holidayDates({ country: 'DE', state: 'BY', region: 'KATH' }, 2024, 2024)).toContain('2024-08-15');
    expect(holidayDates({ country: 'DE', state: 'SL' }, 2024, 2024)).toContain('2024-08-15');
    expect(holidayDates({ country: 'DE', state: 'BE' }, 2024, 2024)).not.toContain('2024-08-15');
    // Bavaria as a whole: date-holidays lists it as an observance there (a public holiday only where Catholics are the majority).
    expect(holidayDates({ country: 'DE', state: 'BY' }, 2024, 2024)).not.toContain('2024-08-15');
    expect(holidayDates({ country: 'DE', state: 'BY' }, 2024, 2024)).toContain('2024-01-06'); // Epiphany: Bavaria, not Berlin
    expect(holidayDates({ country: 'DE', state: 'BE' }, 2024, 2024)).not.toContain('2024-01-06');
  });

  it('a day counts when the holiday covers most of it: not German Christmas Eve from 14:00; each day of a multi-day holiday', () => {
    const de = holidayDates({ country: 'DE' }, 2024, 2024);
    expect(de).not.toContain('2024-12-24');
    expect(de).toContain('2024-12-25');
    // Ramazan Bayramı 2024: 10–12 April, its eve (from the afternoon of the 9th) not counted.
    expect(holidayDates({ country: 'TR' }, 2024, 2024).filter((d) => d.startsWith('2024-04-'))).toEqual(['2024-04-10', '2024-04-11', '2024-04-12', '2024-04-23']);
  });

  it('does not depend on the time zone of the process', () => {
    const saved = process.env.TZ;
    try {
      process.env.TZ = 'Pacific/Kiritimati';
      const east = holidayDates({ country: 'NL' }, 2024, 2024);
      process.env.TZ = 'America/Los_Angeles';
      const west = holidayDates({ country: 'NL' }, 2024, 2024);
      expect(east).toEqual(west);
      expect(east).toContain('2024-04-27');
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('refuses a year range that is not one', () => {
    expect(() => holidayDates({ country: 'NL' }, 2025, 2024)).toThrow('holiday years must be integers with from <= to, got 2025..2024');
  });
});

describe('holidays entries: codes, aliases and explicit dates', () => {
  it('a code covers every year of HOLIDAY_YEARS', () => {
    const dates = expandHolidays(['NL']);
    expect(dates[0]).toBe(`${HOLIDAY_YEARS.from}-01-01`);
    expect(dates.at(-1)).toBe(`${HOLIDAY_YEARS.to}-12-31`);
    for (let year = HOLIDAY_YEARS.from; year <= HOLIDAY_YEARS.to; year++) expect(inYear(dates, year).length).toBeGreaterThanOrEqual(9);
  });

  it('codes in any case: `us` (the old calendar name) is `US`, `de-by` is `DE-BY`', () => {
    expect(expandHolidays(['us'])).toEqual(expandHolidays(['US']));
    expect(expandHolidays(['de-by'])).toEqual(expandHolidays(['DE-BY']));
    expect(expandHolidays(['US-CA'])).not.toEqual(expandHolidays(['US']));
  });

  it('explicit dates add to a code’s, in one sorted, distinct list', () => {
    const dates = expandHolidays(['2024-06-12', 'NL', '2024-12-25']);
    expect(dates).toContain('2024-06-12');
    expect(dates.filter((d) => d === '2024-12-25')).toHaveLength(1);
    expect(dates).toEqual([...dates].sort());
    expect(expandHolidays(['2024-06-12'])).toEqual(['2024-06-12']);
    expect(expandHolidays([])).toEqual([]);
  });

  it('says what is wrong with a bad entry and how to fix it', () => {
    expect(holidayEntryProblem('NL')).toBeUndefined();
    expect(holidayEntryProblem('2024-02-29')).toBeUndefined();
    expect(holidayEntryProblem('XX')).toBe("'XX' is neither a YYYY-MM-DD date nor a country/region code date-holidays knows (e.g. NL, US-CA, DE-BY)");
    expect(holidayEntryProblem('christmas')).toContain("'christmas' is neither a YYYY-MM-DD date nor a country/region code");
    expect(holidayEntryProblem('NL-XX')).toBe("'NL-XX': date-holidays knows NL but not its state/region 'XX'; NL has NL-GR, NL-NH, NL-ZH");
    expect(holidayEntryProblem('DE-BY-Q')).toBe("'DE-BY-Q': date-holidays knows DE-BY but not its region 'Q'; DE-BY has DE-BY-A, DE-BY-KATH, DE-BY-EVANG");
    expect(holidayEntryProblem('2023-02-29')).toBe("'2023-02-29' is not a valid calendar date (YYYY-MM-DD)");
    expect(() => expandHolidays(['NL', 'XX'])).toThrow("holidays: 'XX' is neither a YYYY-MM-DD date nor a country/region code date-holidays knows (e.g. NL, US-CA, DE-BY)");
  });

  it('a site’s holidays: codes and dates expand; a bad entry is a config error at its path', () => {
    const parsed = siteInfoSchema.parse(site(['nl', '2026-06-12'])).holidays;
    expect(parsed).toEqual(expect.arrayContaining(['2026-04-27', '2026-06-12', '2026-12-25']));
    const bad = siteInfoSchema.safeParse(site(['NL', 'XX']));
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['holidays.1', "'XX' is neither a YYYY-MM-DD date nor a country/region code date-holidays knows (e.g. NL, US-CA, DE-BY)"]]);
    expect(siteInfoSchema.safeParse(site(['2017-13-40'])).success).toBe(false);
  });
});

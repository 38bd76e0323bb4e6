import { describe, expect, it } from 'vitest';
import { expandHolidays, holidayDates } from '../../../../src/forecast/data/holidays.js';
import { siteInfoSchema } from '../../../../src/forecast/sites.js';

describe('holiday calendars', () => {
  it('us: the NERC holidays (Sunday → Monday, Saturday stays) and the Friday after Thanksgiving, checked by hand for 2017 and 2021', () => {
    // 2017: New Year on a Sunday → Mon 2 Jan; Memorial Day 29 May; Thanksgiving 23 Nov.
    expect(holidayDates('us', 2017, 2017)).toEqual(['2017-01-02', '2017-05-29', '2017-07-04', '2017-09-04', '2017-11-23', '2017-11-24', '2017-12-25']);
    // 2021: Christmas and New Year's Day 2022 fall on Saturdays and stay there; Independence Day on a Sunday → 5 July.
    expect(holidayDates('us', 2021, 2021)).toEqual(['2021-01-01', '2021-05-31', '2021-07-05', '2021-09-06', '2021-11-25', '2021-11-26', '2021-12-25']);
  });

  it('expands names and dates into one sorted, distinct list, and refuses anything else', () => {
    const dates = expandHolidays(['2017-12-24', 'us', '2017-12-25']);
    expect(dates).toContain('2017-12-24');
    expect(dates.filter((d) => d === '2017-12-25')).toHaveLength(1);
    expect(dates).toEqual([...dates].sort());
    expect(() => expandHolidays(['christmas'])).toThrow("holiday 'christmas' must be a date YYYY-MM-DD or a calendar name (us)");
    expect(siteInfoSchema.safeParse({ id: 's', latitude: 0, longitude: 0, timeZone: 'UTC', holidays: ['2017-13-40'] }).success).toBe(false);
    expect(siteInfoSchema.parse({ id: 's', latitude: 0, longitude: 0, timeZone: 'UTC', holidays: ['us'] }).holidays).toContain('2030-11-28');
  });
});

import { describe, expect, it } from 'vitest';
import { InvalidQueryError, StoreRejectedError } from '../../../../src/common/errors.js';
import type { WeatherForecastPoint } from '../../../../src/contract/index.js';
import { latestWeatherPerHour, type WeatherForecastQuery } from '../../../../src/storage/index.js';
import { H, INJECTIONS, ISSUE_6, ISSUE_7, useStores, type StoreSetup } from './fixture.js';

/** One hour of a weather forecast for site s1; values with fractions that must come back exactly. */
const wf = (issuedAtMs: number, timeMs: number, base: number, over: Partial<WeatherForecastPoint> = {}): WeatherForecastPoint => ({
  site: 's1',
  source: 'open-meteo',
  issuedAtMs,
  timeMs,
  values: { temperature_c: base + 0.123456789, ghi_wm2: 412.5, cloud_cover_pct: 37, wind_speed_100m_ms: 8.25, wind_direction_100m_deg: 271.5 },
  ...over,
});
/** 48 hours from the issue on, temperature base + hour. */
const wIssue = (issuedAtMs: number, base: number, source = 'open-meteo'): WeatherForecastPoint[] =>
  Array.from({ length: 48 }, (_, h) => wf(issuedAtMs, issuedAtMs + h * H, base + h, { source }));
const wq = (over: Partial<WeatherForecastQuery> = {}): WeatherForecastQuery => ({ site: 's1', fromMs: ISSUE_6, toMs: ISSUE_6 + 49 * H, ...over });

/** What every WeatherForecastStore must do, run against each real engine. */
export function describeWeatherForecastContract(engine: string, setup: StoreSetup): void {
  describe(`WeatherForecastStore contract: ${engine}`, () => {
    const ctx = useStores(setup);
    const store = () => ctx.stores.weatherForecasts;

    it('reads the latest issue per hour, and what was forecast as of any instant, values exact', async () => {
      const early = wIssue(ISSUE_6, 100); // 06:00 → 06:00 + 47 h
      const late = wIssue(ISSUE_7, -20); // 07:00 → overlapping all but 06:00; negative temperatures too
      await store().writeWeatherForecasts(late);
      await store().writeWeatherForecasts(early); // out of issue order on purpose
      expect(await store().readWeatherForecasts(wq())).toEqual([early[0], ...late]);
      expect(await store().readWeatherForecasts(wq({ asOfMs: ISSUE_6 + H / 2 }))).toEqual(early);
      expect(await store().readWeatherForecasts(wq({ asOfMs: ISSUE_7 }))).toEqual([early[0], ...late]);
      expect(await store().readWeatherForecasts(wq({ asOfMs: ISSUE_6 - 1 }))).toEqual([]);
      const at18 = ISSUE_6 + 12 * H;
      expect(await store().readWeatherForecasts(wq({ fromMs: at18, toMs: at18 + 1, asOfMs: ISSUE_6 }))).toEqual([early[12]]);
      expect((await store().readWeatherForecasts(wq({ fromMs: at18, toMs: at18 + 1 })))[0]).toMatchObject({ issuedAtMs: ISSUE_7, values: { temperature_c: -9 + 0.123456789 } });
      // toMs exclusive; other sites separate.
      expect(await store().readWeatherForecasts(wq({ toMs: ISSUE_7 }))).toEqual([early[0]]);
      expect(await store().readWeatherForecasts(wq({ site: 's2' }))).toEqual([]);
    });

    it('reads every vintage of the range (history), sorted by time then issue, bounded by asOfMs when given', async () => {
      const early = wIssue(ISSUE_6, 100);
      const late = wIssue(ISSUE_7, -20);
      await store().writeWeatherForecasts([...late, ...early]);
      const byTimeThenIssue = [...early, ...late].sort((a, b) => a.timeMs - b.timeMs || a.issuedAtMs - b.issuedAtMs);
      expect(await store().readWeatherForecastHistory(wq())).toEqual(byTimeThenIssue);
      expect(await store().readWeatherForecastHistory(wq({ asOfMs: ISSUE_7 - 1 }))).toEqual(early);
      expect(await store().readWeatherForecastHistory(wq({ source: 'mqtt' }))).toEqual([]);
      await expect(store().readWeatherForecastHistory(wq({ site: '' }))).rejects.toBeInstanceOf(InvalidQueryError);
    });

    it('filters by source; without one the latest issue wins across sources (ties: the source that sorts first)', async () => {
      const meteo = wIssue(ISSUE_6, 10, 'open-meteo');
      const mqtt = wIssue(ISSUE_7, 20, 'mqtt');
      const tie = wf(ISSUE_7, ISSUE_7 + H, 99, { source: 'zz-vendor' }); // same issue time as mqtt's: mqtt sorts first
      await store().writeWeatherForecasts([...meteo, ...mqtt, tie]);
      expect(await store().readWeatherForecasts(wq({ source: 'open-meteo' }))).toEqual(meteo);
      expect(await store().readWeatherForecasts(wq({ source: 'mqtt' }))).toEqual(mqtt);
      expect(await store().readWeatherForecasts(wq({ source: 'zz-vendor' }))).toEqual([tie]);
      expect(await store().readWeatherForecasts(wq({ source: 'other' }))).toEqual([]);
      expect(await store().readWeatherForecasts(wq())).toEqual([meteo[0], ...mqtt]);
      expect(await store().readWeatherForecasts(wq({ asOfMs: ISSUE_7 - 1 }))).toEqual(meteo);
    });

    it('keeps stored variables a re-issue with the same lead leaves out, and overwrites those it carries', async () => {
      const at = ISSUE_6 + 12 * H;
      await store().writeWeatherForecasts([wf(ISSUE_6, at, 5)]);
      // 20 minutes later: the lead still rounds to 12 h, the same point. Only temperature and direct radiation given.
      const later = ISSUE_6 + 20 * 60_000;
      await store().writeWeatherForecasts([{ site: 's1', source: 'open-meteo', issuedAtMs: later, timeMs: at, values: { temperature_c: 7.5, direct_wm2: 0 } }]);
      const [read] = await store().readWeatherForecasts(wq());
      expect(read).toEqual({ ...wf(later, at, 5), values: { ...wf(ISSUE_6, at, 5).values, temperature_c: 7.5, direct_wm2: 0 } });
      // Within one batch, too: later points win field by field.
      const at2 = at + H;
      await store().writeWeatherForecasts([
        { site: 's1', source: 'mqtt', issuedAtMs: ISSUE_6, timeMs: at2, values: { temperature_c: 1, ghi_wm2: 2 } },
        { site: 's1', source: 'mqtt', issuedAtMs: ISSUE_6, timeMs: at2, values: { temperature_c: 3 } },
      ]);
      expect(await store().readWeatherForecasts(wq({ source: 'mqtt' }))).toEqual([{ site: 's1', source: 'mqtt', issuedAtMs: ISSUE_6, timeMs: at2, values: { temperature_c: 3, ghi_wm2: 2 } }]);
    });

    it('accepts leads 0–168 h and refuses bad points and bad queries with the right error', async () => {
      const ok = [wf(ISSUE_6, ISSUE_6, 1), wf(ISSUE_6, ISSUE_6 + 168 * H, 2)];
      await store().writeWeatherForecasts(ok);
      const all = wq({ toMs: ISSUE_6 + 169 * H });
      expect(await store().readWeatherForecasts(all)).toEqual(ok);
      const bad: Partial<WeatherForecastPoint>[] = [
        { timeMs: ISSUE_6 + 169 * H }, // lead over 168
        { timeMs: ISSUE_6 - H }, // lead -1
        { timeMs: ISSUE_6 + 30 * 60_000 }, // not on the hour
        { issuedAtMs: ISSUE_6 + 0.5 },
        { values: {} },
        { values: { temperature_c: Number.NaN } },
        { values: { ghi_wm2: Number.POSITIVE_INFINITY } },
        { values: { temperature_c: 1, humidity_pct: 50 } as WeatherForecastPoint['values'] },
        { values: { temperature_c: '1' as unknown as number } },
        { site: '' },
        { source: '' },
        { source: 'open meteo' },
      ];
      for (const over of bad) {
        // A bad point fails the whole batch before anything is written.
        await expect(store().writeWeatherForecasts([wf(ISSUE_6, ISSUE_6 + 2 * H, 9), wf(ISSUE_6, ISSUE_6 + H, 9, over)]), JSON.stringify(over)).rejects.toBeInstanceOf(StoreRejectedError);
      }
      await store().writeWeatherForecasts([]);
      expect(await store().readWeatherForecasts(all)).toEqual(ok);
      const badQueries: Partial<WeatherForecastQuery>[] = [{ site: '' }, { source: '' }, { source: 'a b' }, { toMs: ISSUE_6 }, { fromMs: ISSUE_6 + 0.5 }, { toMs: Number.NaN }, { asOfMs: Number.NaN }, { asOfMs: 1.5 }];
      for (const over of badQueries) {
        await expect(store().readWeatherForecasts(wq(over)), JSON.stringify(over)).rejects.toBeInstanceOf(InvalidQueryError);
      }
    });

    it.each(INJECTIONS)('stores %j as a plain site, and refuses it as a source on write and read alike', async (evil) => {
      const good = wf(ISSUE_6, ISSUE_6, 5);
      await store().writeWeatherForecasts([good]);
      const evilPoint = wf(ISSUE_6, ISSUE_6, 7, { site: evil });
      if (/[\\\n]/.test(evil)) {
        // Backslashes and control characters can't be carried by InfluxDB line protocol: no store takes them.
        await expect(store().writeWeatherForecasts([evilPoint])).rejects.toBeInstanceOf(StoreRejectedError);
        await expect(store().readWeatherForecasts(wq({ site: evil }))).rejects.toBeInstanceOf(InvalidQueryError);
      } else {
        expect(await store().readWeatherForecasts(wq({ site: evil }))).toEqual([]);
        await store().writeWeatherForecasts([evilPoint]);
        expect(await store().readWeatherForecasts(wq({ site: evil }))).toEqual([evilPoint]);
        expect(await store().readWeatherForecasts(wq({ site: evil, source: 'open-meteo' }))).toEqual([evilPoint]);
      }
      // Sources follow the id rule: none of these is one.
      await expect(store().writeWeatherForecasts([wf(ISSUE_6, ISSUE_6, 7, { source: evil })])).rejects.toBeInstanceOf(StoreRejectedError);
      await expect(store().readWeatherForecasts(wq({ source: evil }))).rejects.toBeInstanceOf(InvalidQueryError);
      expect(await store().readWeatherForecasts(wq())).toEqual([good]);
    });

    it('writes and reads a batch of 20,000 points (125 hourly issues of 160 h)', async () => {
      const points = Array.from({ length: 125 }, (_, k) =>
        Array.from({ length: 160 }, (_, h) => wf(ISSUE_6 + k * H, ISSUE_6 + (k + h) * H, k * 0.001 + h, { values: { temperature_c: k * 0.001 + h, wind_speed_10m_ms: k + h / 7 } })),
      ).flat();
      expect(points).toHaveLength(20_000);
      await store().writeWeatherForecasts(points);
      const range = wq({ fromMs: ISSUE_6, toMs: ISSUE_6 + 300 * H });
      expect(await store().readWeatherForecasts(range)).toEqual(latestWeatherPerHour(points));
      const asOf = ISSUE_6 + 60 * H + 5;
      expect(await store().readWeatherForecasts({ ...range, asOfMs: asOf })).toEqual(latestWeatherPerHour(points, asOf));
    });
  });
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidQueryError, StoreRejectedError } from '../../src/common/errors.js';
import { compareByTimeIssueModel, type ForecastErrorPoint, type ForecastPoint, type ForecastQuery, type StoredDispatchPlan, type TelemetryPoint, type TelemetryStore } from '../../src/storage/index.js';
import { sleep } from '../support/services.js';

export interface StoreFixture {
  store: TelemetryStore;
  /** A second store instance over the same data (a restart). */
  reopen(): Promise<TelemetryStore>;
  cleanup(): Promise<void>;
}

const T0 = Date.UTC(2024, 0, 1); // epoch-aligned for any bucket that divides a day
const pt = (meter: string, timeMs: number, fields: TelemetryPoint['fields'], feeder = 'f1'): TelemetryPoint => ({
  site: 's1',
  feeder,
  meter,
  kind: 'load',
  timeMs,
  fields,
});

const H = 3_600_000;
const ISSUE_6 = T0 + 6 * H; // 06:00
const ISSUE_7 = T0 + 7 * H; // 07:00
const fc = (issuedAtMs: number, timeMs: number, p50Kw: number, over: Partial<ForecastPoint> = {}): ForecastPoint => ({
  site: 's1',
  feeder: 'all',
  target: 'load',
  model: 'seasonal-naive',
  issuedAtMs,
  timeMs,
  p10Kw: p50Kw - 1.5,
  p50Kw,
  p90Kw: p50Kw + 2.25,
  ...over,
});
/** 48 hourly steps from the issue time on, values base + hour + a fraction that must come back exactly. */
const issue = (issuedAtMs: number, base: number, model: string): ForecastPoint[] =>
  Array.from({ length: 48 }, (_, h) => fc(issuedAtMs, issuedAtMs + h * H, base + h + 0.123456789, { model }));
const fq = (over: Partial<ForecastQuery> = {}): ForecastQuery => ({ site: 's1', feeder: 'all', target: 'load', fromMs: ISSUE_6, toMs: ISSUE_6 + 49 * H, ...over });

/** A score of the step at `timeMs` of the forecast issued at `issuedAtMs`; values that must come back exactly. */
const fe = (issuedAtMs: number, timeMs: number, over: Partial<ForecastErrorPoint> = {}): ForecastErrorPoint => ({
  site: 's1',
  feeder: 'all',
  target: 'load',
  model: 'lstm@v1',
  issuedAtMs,
  timeMs,
  actualKw: 10.123456789,
  p50Kw: 12.5,
  errorKw: 2.376543211,
  absErrorKw: 2.376543211,
  apePct: 23.4765,
  inBand: 1,
  pinballKw: 0.987654321,
  ...over,
});

const INJECTIONS = [`x' OR '1'='1`, `x" OR "1"="1`, `x'; DROP TABLE telemetry; --`, `x\\`, `s1' OR site =~ /.*/ --`, 'line\nbreak'];

/** What every TelemetryStore must do, run against each real engine. */
export function describeStoreContract(engine: string, setup: () => Promise<StoreFixture>): void {
  describe(`TelemetryStore contract: ${engine}`, () => {
    let fx: StoreFixture;
    let store: TelemetryStore;
    beforeEach(async () => {
      fx = await setup();
      store = fx.store;
      await store.init();
      await store.init(); // idempotent
    });
    afterEach(async () => {
      await store.close();
      await store.close(); // idempotent
      await fx.cleanup();
    });

    it('reports health', async () => {
      expect(await store.health()).toMatchObject({ ok: true, engine: store.engine });
    });

    it('writes and reads back exact values, at millisecond precision', async () => {
      await store.writePoints([pt('m1', T0 + 123, { power_kw: 1.234567, voltage_v: 230.1 }), pt('m1', T0 + 124, { power_kw: -0.000123 })]);
      const q = { field: 'power_kw', fromMs: T0, toMs: T0 + 1000, bucketMs: 1000 } as const;
      expect(await store.queryTelemetry({ ...q, aggregate: 'sum' })).toEqual([{ tags: {}, points: [{ timeMs: T0, value: 1.234567 - 0.000123 }] }]);
      expect(await store.queryTelemetry({ ...q, aggregate: 'last' })).toEqual([{ tags: {}, points: [{ timeMs: T0, value: -0.000123 }] }]);
      expect(await store.queryTelemetry({ ...q, aggregate: 'count', fromMs: T0 + 124 })).toEqual([{ tags: {}, points: [{ timeMs: T0, value: 1 }] }]);
      expect(await store.queryTelemetry({ ...q, field: 'soc_pct', aggregate: 'count' })).toEqual([]);
    });

    it('overwrites the fields given for the same series and time, also within one batch', async () => {
      await store.writePoints([pt('m1', T0, { power_kw: 1, voltage_v: 230 })]);
      await store.writePoints([pt('m1', T0, { power_kw: 2 }), pt('m1', T0, { energy_kwh: 5 }), pt('m1', T0, { power_kw: 3 })]);
      const read = async (field: 'power_kw' | 'voltage_v' | 'energy_kwh') =>
        (await store.queryTelemetry({ field, fromMs: T0, toMs: T0 + 1, bucketMs: 1000, aggregate: 'last' }))[0]?.points;
      expect(await read('power_kw')).toEqual([{ timeMs: T0, value: 3 }]);
      expect(await read('voltage_v')).toEqual([{ timeMs: T0, value: 230 }]);
      expect(await read('energy_kwh')).toEqual([{ timeMs: T0, value: 5 }]);
      expect(await store.listSeries()).toHaveLength(1);
    });

    it('aggregates into epoch-aligned buckets, per group, counting only points that have the field', async () => {
      const m = 60_000;
      await store.writePoints([
        pt('m1', T0, { power_kw: 1 }),
        pt('m1', T0 + 30_000, { power_kw: 3 }),
        pt('m1', T0 + m, { power_kw: 10 }),
        pt('m2', T0 + 10_000, { power_kw: 5 }, 'f2'),
        pt('m2', T0 + 20_000, { voltage_v: 231 }, 'f2'),
      ]);
      const base = { field: 'power_kw', fromMs: T0, toMs: T0 + 2 * m, bucketMs: m, groupBy: ['meter'] } as const;
      expect(await store.queryTelemetry({ ...base, aggregate: 'mean' })).toEqual([
        { tags: { meter: 'm1' }, points: [{ timeMs: T0, value: 2 }, { timeMs: T0 + m, value: 10 }] },
        { tags: { meter: 'm2' }, points: [{ timeMs: T0, value: 5 }] },
      ]);
      expect((await store.queryTelemetry({ ...base, aggregate: 'count' })).map((s) => s.points.map((p) => p.value))).toEqual([[2, 1], [1]]);
      expect((await store.queryTelemetry({ ...base, aggregate: 'min' })).map((s) => s.points.map((p) => p.value))).toEqual([[1, 10], [5]]);
      expect((await store.queryTelemetry({ ...base, aggregate: 'max' })).map((s) => s.points.map((p) => p.value))).toEqual([[3, 10], [5]]);
      expect(await store.queryTelemetry({ ...base, aggregate: 'last', groupBy: [] })).toEqual([
        { tags: {}, points: [{ timeMs: T0, value: 3 }, { timeMs: T0 + m, value: 10 }] },
      ]);
      expect(await store.queryTelemetry({ ...base, aggregate: 'sum', bucketMs: 3_600_000, where: { feeder: 'f1' } })).toEqual([
        { tags: { meter: 'm1' }, points: [{ timeMs: T0, value: 14 }] },
      ]);
      // Two group tags: series ordered by tag values in site, feeder, meter, kind order in every store.
      expect((await store.queryTelemetry({ ...base, aggregate: 'count', groupBy: ['meter', 'feeder'] })).map((s) => s.tags)).toEqual([
        { feeder: 'f1', meter: 'm1' },
        { feeder: 'f2', meter: 'm2' },
      ]);
      // toMs is exclusive: the m1 point at T0 + m falls out.
      expect((await store.queryTelemetry({ ...base, toMs: T0 + m, aggregate: 'max' })).map((s) => s.points.length)).toEqual([1, 1]);
    });

    it('lists series, sorted, with filters', async () => {
      await store.writePoints([pt('m2', T0, { power_kw: 1 }, 'f2'), pt('m1', T0, { power_kw: 1 }), pt('m3', T0, { power_kw: 1 })]);
      expect((await store.listSeries()).map((s) => s.meter)).toEqual(['m1', 'm3', 'm2']);
      expect(await store.listSeries({ feeder: 'f2' })).toEqual([{ site: 's1', feeder: 'f2', meter: 'm2', kind: 'load' }]);
    });

    it.each(INJECTIONS)('treats %j in any tag filter as a plain value', async (evil) => {
      await store.writePoints([pt('m1', T0, { power_kw: 1 })]);
      const q = { field: 'power_kw', fromMs: T0, toMs: T0 + 1, bucketMs: 1000, aggregate: 'count' } as const;
      for (const tag of ['site', 'feeder', 'meter', 'kind'] as const) {
        expect(await store.listSeries({ [tag]: evil })).toEqual([]);
        expect(await store.queryTelemetry({ ...q, where: { [tag]: evil } })).toEqual([]);
      }
      expect(await store.listSeries()).toHaveLength(1);
    });

    it('refuses bad queries and bad points with the right error', async () => {
      const q = { field: 'power_kw', fromMs: T0, toMs: T0 + 1, bucketMs: 1000, aggregate: 'count' } as const;
      await expect(store.queryTelemetry({ ...q, bucketMs: 10 })).rejects.toBeInstanceOf(InvalidQueryError);
      await expect(store.queryTelemetry({ ...q, toMs: T0 })).rejects.toBeInstanceOf(InvalidQueryError);
      await expect(store.queryTelemetry({ ...q, field: 'power_kw" FROM x' as 'power_kw' })).rejects.toBeInstanceOf(InvalidQueryError);
      await expect(store.queryTelemetry({ ...q, groupBy: ['nope' as 'site'] })).rejects.toBeInstanceOf(InvalidQueryError);
      await expect(store.writePoints([pt('m1', T0, { power_kw: Number.NaN })])).rejects.toBeInstanceOf(StoreRejectedError);
      await expect(store.writePoints([pt('m1', T0, {})])).rejects.toBeInstanceOf(StoreRejectedError);
      await store.writePoints([]);
      expect(await store.listSeries()).toEqual([]);
    });

    it('writes a 20,000-point batch, and concurrent batches all land', async () => {
      const points = Array.from({ length: 20_000 }, (_, i) => pt(`m${i % 20}`, T0 + Math.floor(i / 20) * 1000, { power_kw: i, voltage_v: 230 }));
      await store.writePoints(points);
      await store.writePoints(points); // every point again: the overwrite path
      const q = { field: 'power_kw', fromMs: T0, toMs: T0 + 2_000_000, bucketMs: 3_600_000, aggregate: 'count' } as const;
      expect(await store.queryTelemetry(q)).toEqual([{ tags: {}, points: [{ timeMs: T0, value: 20_000 }] }]);
      expect(await store.queryTelemetry({ ...q, aggregate: 'sum' })).toEqual([{ tags: {}, points: [{ timeMs: T0, value: (19_999 * 20_000) / 2 }] }]);
      // Concurrent calls may be applied in any order (stores may write in parallel), but every one lands.
      const later = (v: number) => points.slice(0, 100).map((p) => ({ ...p, timeMs: p.timeMs + v * 10_000_000, fields: { power_kw: v } }));
      await Promise.all([1, 2, 3].map((v) => store.writePoints(later(v))));
      const lateSums = await store.queryTelemetry({ ...q, aggregate: 'sum', fromMs: T0 + 10_000_000, toMs: T0 + 40_000_000, bucketMs: 10_000_000 });
      expect(lateSums[0]!.points.map((p) => p.value)).toEqual([100, 200, 300]);
    });

    it('keeps data across a restart', async () => {
      await store.writePoints([pt('m1', T0, { power_kw: 7 })]);
      await store.writeForecasts([fc(ISSUE_6, ISSUE_6 + H, 3)]);
      await store.writeForecastErrors([fe(ISSUE_6, ISSUE_6 + H)]);
      expect(await store.tryAcquireLock('train', 'A', 60_000)).toBe(true);
      await store.close();
      store = await fx.reopen();
      await store.init();
      expect(await store.listSeries()).toEqual([{ site: 's1', feeder: 'f1', meter: 'm1', kind: 'load' }]);
      expect(await store.readForecasts(fq())).toEqual([fc(ISSUE_6, ISSUE_6 + H, 3)]);
      expect(await store.readForecastErrors(fq())).toEqual([fe(ISSUE_6, ISSUE_6 + H)]);
      expect(await store.tryAcquireLock('train', 'B', 60_000)).toBe(false);
    });

    describe('forecasts', () => {
      const early = issue(ISSUE_6, 100, 'seasonal-naive'); // 06:00 → 06:00 + 47 h
      const late = issue(ISSUE_7, 1000, 'lstm'); // 07:00 → 07:00 + 47 h, overlapping all but 06:00

      it('reads the latest issue per target time, and what was forecast as of any instant', async () => {
        await store.writeForecasts(late);
        await store.writeForecasts(early); // written out of issue order on purpose
        // Latest: 06:00's value where only it exists, 07:00's everywhere else; one point per time, sorted.
        expect(await store.readForecasts(fq())).toEqual([early[0], ...late]);
        // As of 06:30 the 07:00 issue didn't exist yet; as of 07:00 it did (issued_at_ms <= asOfMs).
        expect(await store.readForecasts(fq({ asOfMs: ISSUE_6 + H / 2 }))).toEqual(early);
        expect(await store.readForecasts(fq({ asOfMs: ISSUE_7 }))).toEqual([early[0], ...late]);
        expect(await store.readForecasts(fq({ asOfMs: ISSUE_6 - 1 }))).toEqual([]);
        // "What did we forecast at 06:00 for 18:00?", model included.
        const at18 = ISSUE_6 + 12 * H;
        const at6for18 = await store.readForecasts(fq({ fromMs: at18, toMs: at18 + 1, asOfMs: ISSUE_6 }));
        expect(at6for18).toEqual([early[12]]);
        expect(at6for18[0]).toMatchObject({ site: 's1', feeder: 'all', target: 'load', model: 'seasonal-naive', issuedAtMs: ISSUE_6, timeMs: at18 });
        expect((await store.readForecasts(fq({ fromMs: at18, toMs: at18 + 1 })))[0]).toMatchObject({ model: 'lstm', issuedAtMs: ISSUE_7, p50Kw: 1011.123456789 });
        // toMs is exclusive; other sites, feeders and targets are separate.
        expect(await store.readForecasts(fq({ toMs: ISSUE_7 }))).toEqual([early[0]]);
        expect(await store.readForecasts(fq({ feeder: 'f1' }))).toEqual([]);
        expect(await store.readForecasts(fq({ target: 'pv' }))).toEqual([]);
        expect(await store.readForecasts(fq({ site: 's2' }))).toEqual([]);
      });

      it('overwrites a re-issue with the same series, time and lead, also within one batch', async () => {
        await store.writeForecasts([fc(ISSUE_6, ISSUE_6 + 12 * H, 5)]);
        // Issued 20 minutes later: the lead still rounds to 12 h, so it replaces the 06:00 point.
        const reissued = fc(ISSUE_6 + 20 * 60_000, ISSUE_6 + 12 * H, 6);
        await store.writeForecasts([fc(ISSUE_6 + 20 * 60_000, ISSUE_6 + 12 * H, 9), reissued]);
        expect(await store.readForecasts(fq())).toEqual([reissued]);
        expect(await store.readForecasts(fq({ asOfMs: ISSUE_6 + 10 * 60_000 }))).toEqual([]);
        // A forecast of the step that started 20 minutes before issue has lead 0.
        const current = fc(ISSUE_7 + 20 * 60_000, ISSUE_7, 1);
        await store.writeForecasts([current]);
        expect(await store.readForecasts(fq({ toMs: ISSUE_7 + 1 }))).toEqual([current]);
      });

      it('accepts leads up to 168 h and refuses bad points and bad queries with the right error', async () => {
        const ok = fc(ISSUE_6, ISSUE_6 + 168 * H, 1);
        await store.writeForecasts([ok]);
        expect(await store.readForecasts(fq({ toMs: ISSUE_6 + 169 * H }))).toEqual([ok]);
        const bad: Partial<ForecastPoint>[] = [
          { timeMs: ISSUE_6 + 169 * H }, // lead over 168
          { timeMs: ISSUE_6 - H }, // lead -1
          { p10Kw: 5 }, // p10 > p50
          { p90Kw: 0 }, // p90 < p50
          { p50Kw: Number.NaN },
          { p90Kw: Number.POSITIVE_INFINITY },
          { timeMs: ISSUE_6 + 0.5 },
          { model: '' },
          { site: '' },
          { target: 'solar' as 'pv' },
        ];
        for (const over of bad) {
          // A bad point fails the whole batch before anything is written.
          await expect(store.writeForecasts([fc(ISSUE_6, ISSUE_6 + 2 * H, 2), fc(ISSUE_6, ISSUE_6 + H, 2, over)]), JSON.stringify(over)).rejects.toBeInstanceOf(
            StoreRejectedError,
          );
        }
        await store.writeForecasts([]);
        expect(await store.readForecasts(fq({ toMs: ISSUE_6 + 169 * H }))).toEqual([ok]);
        const badQueries: Partial<ForecastQuery>[] = [
          { site: '' },
          { feeder: '' },
          { target: 'nope' as 'load' },
          { toMs: ISSUE_6 },
          { fromMs: ISSUE_6 + 0.5 },
          { toMs: Number.NaN },
          { asOfMs: Number.NaN },
          { asOfMs: 1.5 },
        ];
        for (const over of badQueries) {
          await expect(store.readForecasts(fq(over)), JSON.stringify(over)).rejects.toBeInstanceOf(InvalidQueryError);
        }
      });

      it.each(INJECTIONS)('stores %j as a plain site, feeder and model, or refuses it on write and read alike', async (evil) => {
        const good = fc(ISSUE_6, ISSUE_6, 5);
        await store.writeForecasts([good]);
        const evilPoint = fc(ISSUE_6, ISSUE_6, 7, { site: evil, feeder: evil, model: evil });
        const q = fq({ site: evil, feeder: evil });
        if (/[\\\n]/.test(evil)) {
          // Backslashes and control characters can't be carried by InfluxDB line protocol: no store takes them.
          await expect(store.writeForecasts([evilPoint])).rejects.toBeInstanceOf(StoreRejectedError);
          await expect(store.readForecasts(q)).rejects.toBeInstanceOf(InvalidQueryError);
        } else {
          expect(await store.readForecasts(q)).toEqual([]);
          await store.writeForecasts([evilPoint]);
          expect(await store.readForecasts(q)).toEqual([evilPoint]);
          expect(await store.readForecasts({ ...q, site: 's1' })).toEqual([]);
        }
        await expect(store.readForecasts({ ...q, target: evil as 'load' })).rejects.toBeInstanceOf(InvalidQueryError);
        expect(await store.readForecasts(fq())).toEqual([good]);
      });
    });

    describe('forecast history and scores (forecast_error)', () => {
      it('reads every stored forecast point in the range, each issue, model and lead, sorted by time, issue, model', async () => {
        // 24 hourly issues of 48 steps, alternating models: 1,152 points, most times forecast by several issues.
        const all = Array.from({ length: 24 }, (_, k) => issue(ISSUE_6 + k * H, 100 * k, k % 2 ? 'lstm@v1' : 'seasonal-naive-week')).flat();
        await store.writeForecasts(all.slice(500));
        await store.writeForecasts(all.slice(0, 500));
        const range = { site: 's1', feeder: 'all', target: 'load', fromMs: ISSUE_6, toMs: ISSUE_6 + 100 * H } as const;
        const history = await store.readForecastHistory(range);
        expect(history).toHaveLength(24 * 48);
        expect(history).toEqual([...all].sort(compareByTimeIssueModel));
        // Unlike readForecasts: no reduction to the latest issue, and an asOfMs that comes along is ignored.
        const at = ISSUE_6 + 30 * H;
        const atOnly = await store.readForecastHistory({ ...range, fromMs: at, toMs: at + 1, asOfMs: ISSUE_6 } as ForecastQuery);
        expect(atOnly.map((p) => p.issuedAtMs)).toEqual(Array.from({ length: 24 }, (_, k) => ISSUE_6 + k * H));
        expect(await store.readForecasts({ ...range, fromMs: at, toMs: at + 1 })).toEqual([atOnly.at(-1)]);
        // toMs is exclusive; other feeders, targets and sites are separate; bad queries are refused.
        expect(await store.readForecastHistory({ ...range, toMs: ISSUE_6 + 1 })).toEqual([all[0]]);
        expect(await store.readForecastHistory({ ...range, feeder: 'f1' })).toEqual([]);
        expect(await store.readForecastHistory({ ...range, target: 'pv' })).toEqual([]);
        await expect(store.readForecastHistory({ ...range, toMs: range.fromMs })).rejects.toBeInstanceOf(InvalidQueryError);
        await expect(store.readForecastHistory({ ...range, target: 'nope' as 'load' })).rejects.toBeInstanceOf(InvalidQueryError);
      });

      it('writes scores and reads them back exactly: one point per model, lead and step', async () => {
        const at = ISSUE_6 + 12 * H;
        const points = [
          fe(ISSUE_6, at), // lead 12
          fe(ISSUE_7, at, { p50Kw: 11, errorKw: 0.876543211, absErrorKw: 0.876543211, apePct: 8.66, pinballKw: 0.25 }), // lead 11
          fe(ISSUE_6, at, { model: 'seasonal-naive-week', p50Kw: 20, errorKw: 9.876543211, absErrorKw: 9.876543211, apePct: 97.56, inBand: 0, pinballKw: 5 }),
          fe(ISSUE_6, at + H, { actualKw: 0.001, apePct: undefined }), // near-zero actual: no ape_pct
          fe(ISSUE_6, at, { feeder: 'f1' }),
          fe(ISSUE_6, at, { target: 'pv' }),
        ];
        await store.writeForecastErrors(points);
        const range = { site: 's1', feeder: 'all', target: 'load', fromMs: ISSUE_6, toMs: ISSUE_6 + 48 * H } as const;
        const read = await store.readForecastErrors(range);
        expect(read).toEqual([points[0], points[2], points[1], points[3]]);
        expect(read[3]).not.toHaveProperty('apePct');
        expect(await store.readForecastErrors({ ...range, feeder: 'f1' })).toEqual([points[4]]);
        expect(await store.readForecastErrors({ ...range, target: 'pv' })).toEqual([points[5]]);
        expect(await store.readForecastErrors({ ...range, toMs: at })).toEqual([]);
      });

      it('overwrites a re-score of the same key, also within one batch; a left-out ape_pct keeps the stored one', async () => {
        const at = ISSUE_6 + 6 * H;
        await store.writeForecastErrors([fe(ISSUE_6, at, { actualKw: 1 }), fe(ISSUE_6, at + H, { apePct: 5 })]);
        const rescored = fe(ISSUE_6, at, { actualKw: 2, inBand: 0 });
        // A re-issue 20 minutes later has the same lead: it replaces the score, as it replaced the forecast.
        const reissued = fe(ISSUE_6 + 20 * 60_000, at, { actualKw: 3 });
        await store.writeForecastErrors([rescored, reissued]);
        const { apePct: _, ...withoutApe } = fe(ISSUE_6, at + H, { actualKw: 4 });
        await store.writeForecastErrors([withoutApe]);
        const read = await store.readForecastErrors(fq());
        // Same rule as telemetry in both engines: the fields a write carries overwrite, the others stay.
        expect(read).toEqual([reissued, { ...withoutApe, apePct: 5 }]);
      });

      it('refuses bad score points whole-batch with StoreRejectedError', async () => {
        const good = fe(ISSUE_6, ISSUE_6 + H);
        for (const over of [{ site: '' }, { model: 'a\b' }, { target: 'heat' as 'load' }, { timeMs: ISSUE_6 - H }, { timeMs: ISSUE_6 + 169 * H }, { actualKw: Number.NaN }, { apePct: Number.POSITIVE_INFINITY }, { inBand: 2 as 1 }]) {
          await expect(store.writeForecastErrors([good, fe(ISSUE_6, ISSUE_6 + 2 * H, over)]), JSON.stringify(over)).rejects.toBeInstanceOf(StoreRejectedError);
        }
        await store.writeForecastErrors([]);
        expect(await store.readForecastErrors(fq())).toEqual([]);
        await expect(store.readForecastErrors(fq({ site: '' }))).rejects.toBeInstanceOf(InvalidQueryError);
      });

      it.each(INJECTIONS)('stores %j as a plain site, feeder and model of a score, or refuses it on write and read alike', async (evil) => {
        const good = fe(ISSUE_6, ISSUE_6 + H);
        await store.writeForecastErrors([good]);
        await store.writeForecasts([fc(ISSUE_6, ISSUE_6 + H, 5)]);
        const evilPoint = fe(ISSUE_6, ISSUE_6 + H, { site: evil, feeder: evil, model: evil });
        const q = fq({ site: evil, feeder: evil });
        if (/[\\\n]/.test(evil)) {
          await expect(store.writeForecastErrors([evilPoint])).rejects.toBeInstanceOf(StoreRejectedError);
          await expect(store.readForecastErrors(q)).rejects.toBeInstanceOf(InvalidQueryError);
          await expect(store.readForecastHistory(q)).rejects.toBeInstanceOf(InvalidQueryError);
        } else {
          expect(await store.readForecastErrors(q)).toEqual([]);
          expect(await store.readForecastHistory(q)).toEqual([]);
          await store.writeForecastErrors([evilPoint]);
          expect(await store.readForecastErrors(q)).toEqual([evilPoint]);
        }
        expect(await store.readForecastErrors(fq())).toEqual([good]);
        expect(await store.readForecastHistory(fq())).toEqual([fc(ISSUE_6, ISSUE_6 + H, 5)]);
      });
    });

    describe('dispatch plans', () => {
      const plan = (issuedAtMs: number, label: string, site = 's1'): StoredDispatchPlan => ({
        site,
        issuedAtMs,
        // Large enough that InfluxDB's 64 KiB string limit would refuse it uncompressed.
        planJson: JSON.stringify({ label, steps: Array.from({ length: 3000 }, (_, i) => ({ i, powerKw: i * 1.5 })) }),
        steps: [0, 1, 2].flatMap((h): StoredDispatchPlan['steps'][number][] => [
          { site, asset: 'site', issuedAtMs, timeMs: issuedAtMs + h * H, fields: { import_kw: 10 + h, export_kw: 0 } },
          { site, asset: 'bat-1', issuedAtMs, timeMs: issuedAtMs + h * H, fields: { power_kw: -5 + h, soc_kwh: 50 } },
        ]),
      });

      it('returns the latest plan, or the one in force as of an instant, whole', async () => {
        expect(await store.readDispatchPlan({ site: 's1' })).toBeUndefined();
        await store.writeDispatchPlan(plan(ISSUE_6, 'six'));
        await store.writeDispatchPlan(plan(ISSUE_7, 'seven'));
        await store.writeDispatchPlan(plan(ISSUE_7 + H, 'other site', 's2'));
        const latest = await store.readDispatchPlan({ site: 's1' });
        expect(latest).toEqual({ site: 's1', issuedAtMs: ISSUE_7, planJson: plan(ISSUE_7, 'seven').planJson });
        expect((await store.readDispatchPlan({ site: 's1', asOfMs: ISSUE_7 - 1 }))?.issuedAtMs).toBe(ISSUE_6);
        expect(await store.readDispatchPlan({ site: 's1', asOfMs: ISSUE_6 - 1 })).toBeUndefined();
        // A re-run at the same issue time replaces the document.
        await store.writeDispatchPlan({ ...plan(ISSUE_7, 'seven again') });
        expect(JSON.parse((await store.readDispatchPlan({ site: 's1' }))!.planJson).label).toBe('seven again');
      });

      it('refuses bad plans and bad queries with the right error', async () => {
        const good = plan(ISSUE_6, 'ok');
        await expect(store.writeDispatchPlan({ ...good, site: 'a\nb' })).rejects.toBeInstanceOf(StoreRejectedError);
        await expect(store.writeDispatchPlan({ ...good, steps: [{ ...good.steps[0]!, fields: { 'bad name': 1 } }] })).rejects.toBeInstanceOf(StoreRejectedError);
        await expect(store.writeDispatchPlan({ ...good, steps: [{ ...good.steps[0]!, fields: { power_kw: Number.NaN } }] })).rejects.toBeInstanceOf(StoreRejectedError);
        await expect(store.writeDispatchPlan({ ...good, steps: [{ ...good.steps[0]!, timeMs: ISSUE_6 - 2 * H }] })).rejects.toBeInstanceOf(StoreRejectedError);
        await expect(store.readDispatchPlan({ site: '' })).rejects.toBeInstanceOf(InvalidQueryError);
        // Quotes and InfluxQL/SQL fragments in a site name match nothing and break nothing.
        for (const evil of ["s1' OR '1'='1", 's1" OR 1=1 --', "'; DROP TABLE dispatch_plan; --"]) {
          expect(await store.readDispatchPlan({ site: evil })).toBeUndefined();
        }
        expect(await store.readDispatchPlan({ site: 's1' })).toBeUndefined();
      });
    });

    describe('locks', () => {
      it('gives a lock to one holder at a time until released', async () => {
        expect(await store.tryAcquireLock('train', 'A', 60_000)).toBe(true);
        expect(await store.tryAcquireLock('train', 'B', 60_000)).toBe(false);
        expect(await store.tryAcquireLock('train', 'A', 60_000)).toBe(true); // re-acquiring your own lease
        await store.releaseLock('train', 'B'); // not B's: nothing happens
        expect(await store.tryAcquireLock('train', 'B', 60_000)).toBe(false);
        expect(await store.tryAcquireLock(`other' OR '1'='1`, 'B', 60_000)).toBe(true); // locks are independent
        await store.releaseLock('train', 'A');
        expect(await store.tryAcquireLock('train', 'B', 60_000)).toBe(true);
        expect(await store.tryAcquireLock('train', 'A', 60_000)).toBe(false);
        await store.releaseLock('never-taken', 'A');
        await expect(store.tryAcquireLock('', 'A', 1000)).rejects.toBeInstanceOf(InvalidQueryError);
        await expect(store.tryAcquireLock('train', 'A', 0)).rejects.toBeInstanceOf(InvalidQueryError);
        await expect(store.releaseLock('train', '')).rejects.toBeInstanceOf(InvalidQueryError);
      });

      it('lets a lease expire, and re-acquiring extends it', async () => {
        expect(await store.tryAcquireLock('train', 'A', 300)).toBe(true);
        expect(await store.tryAcquireLock('train', 'B', 300)).toBe(false);
        await sleep(400);
        expect(await store.tryAcquireLock('train', 'B', 800)).toBe(true); // B's lease: until ~800 ms from here
        await sleep(500);
        expect(await store.tryAcquireLock('train', 'B', 800)).toBe(true); // extended: until ~1,300 ms
        await sleep(500);
        expect(await store.tryAcquireLock('train', 'A', 300)).toBe(false); // without the extension B's lease had ended
      });
    });
  });
}

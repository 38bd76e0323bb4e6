import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidQueryError, StoreRejectedError } from '../../src/common/errors.js';
import type { TelemetryPoint, TelemetryStore } from '../../src/storage/index.js';

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
      await store.close();
      store = await fx.reopen();
      await store.init();
      expect(await store.listSeries()).toEqual([{ site: 's1', feeder: 'f1', meter: 'm1', kind: 'load' }]);
    });
  });
}

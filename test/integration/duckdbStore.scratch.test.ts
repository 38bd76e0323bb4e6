import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidQueryError, StoreRejectedError } from '../../src/common/errors.js';
import { silentLogger } from '../../src/common/logger.js';
import { DuckDbTelemetryStore } from '../../src/storage/duckdb/duckdbStore.js';
import type { TelemetryPoint } from '../../src/storage/types.js';

const T0 = Date.UTC(2024, 0, 1); // epoch-aligned to any bucket that divides a day
const pt = (meter: string, timeMs: number, fields: TelemetryPoint['fields'], feeder = 'f1'): TelemetryPoint => ({
  site: 's1',
  feeder,
  meter,
  kind: 'load',
  timeMs,
  fields,
});

describe('DuckDbTelemetryStore (scratch)', () => {
  let store: DuckDbTelemetryStore;
  beforeEach(async () => {
    store = new DuckDbTelemetryStore({ path: ':memory:' }, silentLogger);
    await store.init();
    await store.init(); // idempotent
  });
  afterEach(async () => {
    await store.close();
    await store.close(); // idempotent
  });

  it('reports health', async () => {
    const h = await store.health();
    expect(h).toMatchObject({ ok: true, engine: 'duckdb' });
    expect(h.version).toMatch(/^v\d/);
  });

  it('writes and reads back exact values', async () => {
    await store.writePoints([pt('m1', T0 + 123, { power_kw: 1.234567, voltage_v: 230.1 })]);
    const q = { field: 'power_kw', fromMs: T0, toMs: T0 + 1000, bucketMs: 1000 } as const;
    expect(await store.queryTelemetry({ ...q, aggregate: 'last' })).toEqual([
      { tags: {}, points: [{ timeMs: T0, value: 1.234567 }] },
    ]);
    expect(await store.queryTelemetry({ ...q, field: 'soc_pct', aggregate: 'count' })).toEqual([]);
  });

  it('overwrites only the fields given, also for duplicates within one batch', async () => {
    await store.writePoints([pt('m1', T0, { power_kw: 1, voltage_v: 230 })]);
    await store.writePoints([pt('m1', T0, { power_kw: 2 }), pt('m1', T0, { energy_kwh: 5 }), pt('m1', T0, { power_kw: 3 })]);
    const read = async (field: 'power_kw' | 'voltage_v' | 'energy_kwh') =>
      (await store.queryTelemetry({ field, fromMs: T0, toMs: T0 + 1, bucketMs: 1000, aggregate: 'last' }))[0]?.points;
    expect(await read('power_kw')).toEqual([{ timeMs: T0, value: 3 }]);
    expect(await read('voltage_v')).toEqual([{ timeMs: T0, value: 230 }]);
    expect(await read('energy_kwh')).toEqual([{ timeMs: T0, value: 5 }]);
    expect(await store.listSeries()).toHaveLength(1);
  });

  it('aggregates epoch-aligned buckets per group', async () => {
    const m = 60_000;
    await store.writePoints([
      pt('m1', T0, { power_kw: 1 }),
      pt('m1', T0 + 30_000, { power_kw: 3 }),
      pt('m1', T0 + m, { power_kw: 10 }),
      pt('m2', T0 + 10_000, { power_kw: 5 }, 'f2'),
      pt('m2', T0 + 20_000, { voltage_v: 231 }, 'f2'), // no power_kw: must not count
    ]);
    const base = { field: 'power_kw', fromMs: T0, toMs: T0 + 2 * m, bucketMs: m, groupBy: ['meter'] } as const;
    expect(await store.queryTelemetry({ ...base, aggregate: 'mean' })).toEqual([
      { tags: { meter: 'm1' }, points: [{ timeMs: T0, value: 2 }, { timeMs: T0 + m, value: 10 }] },
      { tags: { meter: 'm2' }, points: [{ timeMs: T0, value: 5 }] },
    ]);
    const counts = await store.queryTelemetry({ ...base, aggregate: 'count' });
    expect(counts.map((s) => s.points.map((p) => p.value))).toEqual([[2, 1], [1]]);
    const last = await store.queryTelemetry({ ...base, aggregate: 'last', groupBy: [] });
    expect(last).toEqual([{ tags: {}, points: [{ timeMs: T0, value: 3 }, { timeMs: T0 + m, value: 10 }] }]);
    const sum = await store.queryTelemetry({ ...base, aggregate: 'sum', bucketMs: 3_600_000, where: { feeder: 'f1' } });
    expect(sum).toEqual([{ tags: { meter: 'm1' }, points: [{ timeMs: T0, value: 14 }] }]);
    // toMs is exclusive
    expect(await store.queryTelemetry({ ...base, toMs: T0 + m, aggregate: 'max' })).toHaveLength(2);
  });

  it('aligns buckets before 1970 to the epoch too', async () => {
    await store.writePoints([pt('m1', -1500, { power_kw: 1 })]);
    const r = await store.queryTelemetry({ field: 'power_kw', fromMs: -5000, toMs: 0, bucketMs: 1000, aggregate: 'sum' });
    expect(r).toEqual([{ tags: {}, points: [{ timeMs: -2000, value: 1 }] }]);
  });

  it('lists series with filters and binds filter values', async () => {
    await store.writePoints([pt('m2', T0, { power_kw: 1 }, 'f2'), pt('m1', T0, { power_kw: 1 }), pt('m3', T0, { power_kw: 1 })]);
    expect((await store.listSeries()).map((s) => s.meter)).toEqual(['m1', 'm3', 'm2']);
    expect(await store.listSeries({ feeder: 'f2' })).toEqual([{ site: 's1', feeder: 'f2', meter: 'm2', kind: 'load' }]);
    const evil = "x' OR '1'='1";
    expect(await store.listSeries({ meter: evil })).toEqual([]);
    const q = { field: 'power_kw', fromMs: T0, toMs: T0 + 1, bucketMs: 1000, aggregate: 'count' } as const;
    expect(await store.queryTelemetry({ ...q, where: { site: evil } })).toEqual([]);
  });

  it('rejects bad queries and bad points', async () => {
    const q = { field: 'power_kw', fromMs: T0, toMs: T0 + 1, bucketMs: 1000, aggregate: 'count' } as const;
    await expect(store.queryTelemetry({ ...q, bucketMs: 10 })).rejects.toBeInstanceOf(InvalidQueryError);
    await expect(store.writePoints([pt('m1', T0, { power_kw: Number.NaN })])).rejects.toBeInstanceOf(StoreRejectedError);
    await expect(store.writePoints([pt('m1', T0, {})])).rejects.toBeInstanceOf(StoreRejectedError);
    await store.writePoints([]);
    expect(await store.listSeries()).toEqual([]);
  });

  it('writes a 20,000-point batch and concurrent batches', async () => {
    const points = Array.from({ length: 20_000 }, (_, i) =>
      pt(`m${i % 20}`, T0 + Math.floor(i / 20) * 1000, { power_kw: i, voltage_v: 230 }),
    );
    const started = performance.now();
    await store.writePoints(points);
    const ms = performance.now() - started;
    const again = performance.now();
    await store.writePoints(points); // every row conflicts: the upsert path
    console.log(`20k-point batch: insert ${ms.toFixed(0)} ms, overwrite ${(performance.now() - again).toFixed(0)} ms`);
    const q = { field: 'power_kw', fromMs: T0, toMs: T0 + 2_000_000, bucketMs: 3_600_000, aggregate: 'count' } as const;
    expect(await store.queryTelemetry(q)).toEqual([{ tags: {}, points: [{ timeMs: T0, value: 20_000 }] }]);
    await Promise.all([1, 2, 3].map((v) => store.writePoints(points.slice(0, 100).map((p) => ({ ...p, fields: { power_kw: v } })))));
    expect(await store.queryTelemetry({ ...q, aggregate: 'sum', toMs: T0 + 1000 })).toEqual([
      { tags: {}, points: [{ timeMs: T0, value: 60 }] },
    ]);
  });
});

describe('DuckDbTelemetryStore on a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridcast-duckdb-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the parent directory and keeps data across reopen', async () => {
    const path = join(dir, 'nested', 'deeper', 'telemetry.duckdb');
    const first = new DuckDbTelemetryStore({ path }, silentLogger);
    await first.init();
    await first.writePoints([pt('m1', T0, { power_kw: 7 })]);
    await first.close();
    const second = new DuckDbTelemetryStore({ path }, silentLogger);
    await second.init();
    expect(await second.listSeries()).toEqual([{ site: 's1', feeder: 'f1', meter: 'm1', kind: 'load' }]);
    await second.close();
    expect((await second.health()).ok).toBe(false);
  });
});

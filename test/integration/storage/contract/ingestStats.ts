import { describe, expect, it } from 'vitest';
import { StoreRejectedError } from '../../../../src/common/errors.js';
import type { IngestStatsPoint } from '../../../../src/contract/index.js';
import { T0, useStores, type StoreSetup } from './fixture.js';

/** What every IngestStatsStore must do, run against each real engine. */
export function describeIngestStatsContract(engine: string, setup: StoreSetup): void {
  describe(`IngestStatsStore contract: ${engine}`, () => {
    const ctx = useStores(setup);
    const point: IngestStatsPoint = { ingester: 'gridcast-ingest-1', timeMs: T0, fields: { readings_total: 12, spool_depth: 3 } };

    it('writes samples, a re-sample at the same time overwrites, and an empty batch is a no-op', async () => {
      await ctx.stores.ingestStats.writeIngestStats([point]);
      await ctx.stores.ingestStats.writeIngestStats([{ ...point, fields: { readings_total: 13, spool_depth: 0 } }]);
      await ctx.stores.ingestStats.writeIngestStats([]);
    });

    it('refuses bad names and values with StoreRejectedError, whole batch', async () => {
      const bads: Partial<IngestStatsPoint>[] = [{ fields: {} }, { fields: { 'bad name': 1 } }, { fields: { x: Number.NaN } }, { ingester: 'a\\b' }, { ingester: '' }, { timeMs: T0 + 0.5 }];
      for (const bad of bads) {
        await expect(ctx.stores.ingestStats.writeIngestStats([point, { ...point, ...bad }])).rejects.toBeInstanceOf(StoreRejectedError);
      }
    });
  });
}

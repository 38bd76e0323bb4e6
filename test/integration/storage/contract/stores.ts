import { describe, expect, it } from 'vitest';
import { pt, fc, fq, fe, T0, H, ISSUE_6, useStores, type StoreSetup } from './fixture.js';

/** What every engine's Stores must do as a whole (one connection under every resource), run against each real engine. */
export function describeStoresContract(engine: string, setup: StoreSetup): void {
  describe(`Stores contract: ${engine}`, () => {
    const ctx = useStores(setup);

    it('reports health', async () => {
      expect(await ctx.stores.health()).toMatchObject({ ok: true, engine: ctx.stores.engine });
    });

    it('keeps data across a restart', async () => {
      await ctx.stores.telemetry.writePoints([pt('m1', T0, { power_kw: 7 })]);
      await ctx.stores.forecasts.writeForecasts([fc(ISSUE_6, ISSUE_6 + H, 3)]);
      await ctx.stores.forecasts.writeForecastErrors([fe(ISSUE_6, ISSUE_6 + H)]);
      expect(await ctx.stores.locks.tryAcquireLock('train', 'A', 60_000)).toBe(true);
      await ctx.stores.close();
      ctx.stores = await ctx.fx.reopen();
      await ctx.stores.init();
      expect(await ctx.stores.telemetry.listSeries()).toEqual([{ site: 's1', feeder: 'f1', meter: 'm1', kind: 'load' }]);
      expect(await ctx.stores.forecasts.readForecasts(fq())).toEqual([fc(ISSUE_6, ISSUE_6 + H, 3)]);
      expect(await ctx.stores.forecasts.readForecastErrors(fq())).toEqual([fe(ISSUE_6, ISSUE_6 + H)]);
      expect(await ctx.stores.locks.tryAcquireLock('train', 'B', 60_000)).toBe(false);
    });
  });
}

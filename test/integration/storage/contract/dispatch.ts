import { describe, expect, it } from 'vitest';
import { InvalidQueryError, StoreRejectedError } from '../../../../src/common/errors.js';
import type { StoredDispatchPlan } from '../../../../src/contract/index.js';
import { issue, H, ISSUE_6, ISSUE_7, useStores, type StoreSetup } from './fixture.js';

/** What every DispatchPlanStore must do, run against each real engine. */
export function describeDispatchPlanContract(engine: string, setup: StoreSetup): void {
  describe(`DispatchPlanStore contract: ${engine}`, () => {
    const ctx = useStores(setup);

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
        expect(await ctx.stores.dispatchPlans.readDispatchPlan({ site: 's1' })).toBeUndefined();
        await ctx.stores.dispatchPlans.writeDispatchPlan(plan(ISSUE_6, 'six'));
        await ctx.stores.dispatchPlans.writeDispatchPlan(plan(ISSUE_7, 'seven'));
        await ctx.stores.dispatchPlans.writeDispatchPlan(plan(ISSUE_7 + H, 'other site', 's2'));
        const latest = await ctx.stores.dispatchPlans.readDispatchPlan({ site: 's1' });
        expect(latest).toEqual({ site: 's1', issuedAtMs: ISSUE_7, planJson: plan(ISSUE_7, 'seven').planJson });
        expect((await ctx.stores.dispatchPlans.readDispatchPlan({ site: 's1', asOfMs: ISSUE_7 - 1 }))?.issuedAtMs).toBe(ISSUE_6);
        expect(await ctx.stores.dispatchPlans.readDispatchPlan({ site: 's1', asOfMs: ISSUE_6 - 1 })).toBeUndefined();
        // A re-run at the same issue time replaces the document.
        await ctx.stores.dispatchPlans.writeDispatchPlan({ ...plan(ISSUE_7, 'seven again') });
        expect(JSON.parse((await ctx.stores.dispatchPlans.readDispatchPlan({ site: 's1' }))!.planJson).label).toBe('seven again');
      });

      it('refuses bad plans and bad queries with the right error', async () => {
        const good = plan(ISSUE_6, 'ok');
        await expect(ctx.stores.dispatchPlans.writeDispatchPlan({ ...good, site: 'a\nb' })).rejects.toBeInstanceOf(StoreRejectedError);
        await expect(ctx.stores.dispatchPlans.writeDispatchPlan({ ...good, steps: [{ ...good.steps[0]!, fields: { 'bad name': 1 } }] })).rejects.toBeInstanceOf(StoreRejectedError);
        await expect(ctx.stores.dispatchPlans.writeDispatchPlan({ ...good, steps: [{ ...good.steps[0]!, fields: { power_kw: Number.NaN } }] })).rejects.toBeInstanceOf(StoreRejectedError);
        await expect(ctx.stores.dispatchPlans.writeDispatchPlan({ ...good, steps: [{ ...good.steps[0]!, timeMs: ISSUE_6 - 2 * H }] })).rejects.toBeInstanceOf(StoreRejectedError);
        await expect(ctx.stores.dispatchPlans.readDispatchPlan({ site: '' })).rejects.toBeInstanceOf(InvalidQueryError);
        // Quotes and InfluxQL/SQL fragments in a site name match nothing and break nothing.
        for (const evil of ["s1' OR '1'='1", 's1" OR 1=1 --', "'; DROP TABLE dispatch_plan; --"]) {
          expect(await ctx.stores.dispatchPlans.readDispatchPlan({ site: evil })).toBeUndefined();
        }
        expect(await ctx.stores.dispatchPlans.readDispatchPlan({ site: 's1' })).toBeUndefined();
      });
    });
  });
}

import type { DispatchPlan } from './plan.js';
import { SITE_ASSET, type DispatchStepPoint, type StoredDispatchPlan } from '../contract/index.js';

/**
 * A plan as the store keeps it: the whole document, plus one point per step and asset with the numbers
 * dashboards chart (field names in docs/dispatch.md and src/contract/dispatch.ts).
 */
export function toStoredPlan(plan: DispatchPlan): StoredDispatchPlan {
  const issuedAtMs = Date.parse(plan.issuedAt);
  const steps: DispatchStepPoint[] = [];
  for (const step of plan.steps) {
    const timeMs = Date.parse(step.time);
    const point = (asset: string, fields: Record<string, number>) => steps.push({ site: plan.site, asset, issuedAtMs, timeMs, fields });
    point(SITE_ASSET, {
      load_kw: step.loadKw,
      net_load_kw: step.netLoadKw,
      import_kw: step.importKw,
      export_kw: step.exportKw,
      pv_curtailed_kw: step.pvCurtailedKw,
      wind_curtailed_kw: step.windCurtailedKw,
      deferrable_kw: step.deferrableKw,
      unserved_kw: step.unservedKw,
      excess_kw: step.excessKw,
      reserve_required_kw: step.reserveRequiredKw,
      reserve_available_kw: step.reserveAvailableKw,
      reserve_margin_kw: step.reserveMarginKw,
      reserve_short_kw: step.reserveShortKw,
      import_price_per_kwh: step.importPricePerKwh,
      export_price_per_kwh: step.exportPricePerKwh,
    });
    for (const b of step.batteries) point(b.id, { power_kw: b.powerKw, soc_kwh: b.socKwh, soc_pct: b.socPct });
    for (const g of step.generators) point(g.id, { power_kw: g.powerKw, on: g.on ? 1 : 0 });
  }
  return { site: plan.site, issuedAtMs, planJson: JSON.stringify(plan), steps };
}

/**
 * Dispatch plans, as stored. Measurement `dispatch`: one point per plan step and asset, tags `site`,
 * `asset` (`site` for site-wide values, else a battery or generator id), `lead` (whole hours from issue
 * to step, as for forecasts), numeric fields in snake_case units (power_kw, soc_kwh, on, import_kw, …)
 * plus `issued_at_ms`; for dashboards. Measurement `dispatch_plan`: one point per plan at its issue
 * time, tag `site`, field `plan_json` (the whole plan, src/dispatch/plan.ts): what the API serves.
 */
export const DISPATCH_MEASUREMENT = 'dispatch';
export const DISPATCH_PLAN_MEASUREMENT = 'dispatch_plan';
export const SITE_ASSET = 'site';

export interface DispatchStepPoint {
  site: string;
  asset: string;
  issuedAtMs: number;
  /** Start of the plan step. */
  timeMs: number;
  fields: Record<string, number>;
}

export interface StoredDispatchPlan {
  site: string;
  issuedAtMs: number;
  /** The whole plan as JSON, as src/dispatch/plan.ts defines it. */
  planJson: string;
  steps: readonly DispatchStepPoint[];
}

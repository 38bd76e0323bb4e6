import { InvalidQueryError, StoreRejectedError } from '../../common/errors.js';
import { MAX_FORECAST_LEAD_HOURS, forecastLeadHours, storedNameProblem, type StoredDispatchPlan } from '../../contract/index.js';
import { checkFreeFields } from '../freeFields.js';
import type { DispatchPlanQuery } from './store.js';

/** Dispatch-plan rules shared by every store, pure (held to test/integration/storage/contract/dispatch.ts). */

/** Checks a plan before any store writes it; returns each step point's lead in hours. */
export function validateDispatchPlan(plan: StoredDispatchPlan): number[] {
  const where = `dispatch plan (${String(plan.site)} issued at ${String(plan.issuedAtMs)})`;
  const siteProblem = storedNameProblem(plan.site);
  if (siteProblem) throw new StoreRejectedError(`${where}: site ${siteProblem}`);
  if (!Number.isSafeInteger(plan.issuedAtMs)) throw new StoreRejectedError(`${where}: issuedAtMs must be integer epoch ms`);
  if (typeof plan.planJson !== 'string' || plan.planJson.length === 0) throw new StoreRejectedError(`${where}: planJson must be a non-empty string`);
  return plan.steps.map((p, i) => {
    const at = `${where}, step point ${i} (${String(p.asset)} at ${String(p.timeMs)})`;
    if (p.site !== plan.site || p.issuedAtMs !== plan.issuedAtMs) throw new StoreRejectedError(`${at}: site and issuedAtMs must be the plan's`);
    const assetProblem = storedNameProblem(p.asset);
    if (assetProblem) throw new StoreRejectedError(`${at}: asset ${assetProblem}`);
    if (!Number.isSafeInteger(p.timeMs)) throw new StoreRejectedError(`${at}: timeMs must be integer epoch ms`);
    checkFreeFields(p.fields, at, ['issued_at_ms']);
    const lead = forecastLeadHours(p);
    if (lead < 0 || lead > MAX_FORECAST_LEAD_HOURS) throw new StoreRejectedError(`${at}: lead ${lead} h is outside 0–${MAX_FORECAST_LEAD_HOURS} h`);
    return lead;
  });
}

export function validateDispatchQuery(q: DispatchPlanQuery): void {
  const problem = storedNameProblem(q.site);
  if (problem) throw new InvalidQueryError(`dispatch query: site ${problem}`);
  if (q.asOfMs !== undefined && !Number.isSafeInteger(q.asOfMs)) throw new InvalidQueryError(`dispatch query: asOfMs must be integer epoch ms (got ${q.asOfMs})`);
}

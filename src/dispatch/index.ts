/**
 * Dispatch: forecasts + assets + prices → a least-cost plan that keeps every limit (or says which gave
 * way), with a reason for each recommendation. Pure core (scenario, formulation, extraction, costs,
 * diagnosis, reasons); HiGHS behind solver.ts; store and MQTT behind service.ts and publisher.ts.
 */
export { optimizeDispatch, warmUpDispatch, type OptimizeOptions } from './optimize.js';
export { DispatchService, loadDispatchFile, startDispatch, type ConfiguredDispatch, type DispatchServiceOptions, type StoredPrices } from './service.js';
export { mqttPlanPublisher, type PlanPublisher } from './publisher.js';
export { scenarioFromForecasts } from './fromForecasts.js';
export { toStoredPlan } from './stored.js';
export { livePriceSteps, priceSpans, DISPATCH_FILE_PRICE_SOURCE, type LivePriceStep } from './livePrices.js';
// The formulation and solver steps on their own, for bench/dispatch.ts (MILP against LP, lazy against full).
export { buildDispatchModel } from './formulation.js';
export { solveLp } from './solver.js';
export { solveDispatch } from './solveDispatch.js';
export {
  DISPATCH_PLAN_SCHEMA_VERSION,
  dispatchPlanSchema,
  type DispatchPlan,
  type PlanStep,
  type Recommendation,
  type DiagnosisIssue,
} from './plan.js';
export { scenarioSchema, siteDispatchSchema, dispatchFileSchema, type Scenario, type ScenarioInput, type SiteDispatch } from './scenario.js';

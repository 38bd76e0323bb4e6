import { dispatchPlanSchema, optimizeDispatch, scenarioSchema, type DispatchPlan } from '../../dispatch/index.js';
import type { ApiDependencies } from '../deps.js';
import type { CsvTable } from '../csv.js';
import { ApiProblem } from '../problem.js';
import { idParam, timeParam, toIso } from '../params.js';
import type { ApiRoutes } from '../route.js';
import { z } from '../zod.js';

// Built by plain zod in src/dispatch (before extendZodWithOpenApi): named through zod's own metadata.
const planSchema = dispatchPlanSchema.meta({ id: 'DispatchPlan' });
const scenarioBodySchema = scenarioSchema.meta({ id: 'DispatchScenario' });

/** Dispatch plans: the stored one (latest or as of), and solving one now. */
export function dispatchRoutes(routes: ApiRoutes, d: ApiDependencies): void {
  const now = d.now ?? Date.now;
  routes.add({
    method: 'get',
    path: '/dispatch',
    operationId: 'getDispatchPlan',
    tag: 'dispatch',
    summary: 'The dispatch plan of a site: the latest, or the latest issued at or before `asOf`',
    description: 'CSV: one row per step, with a column per battery and generator value.',
    scope: 'read',
    query: z.object({ site: idParam('Site id.'), asOf: timeParam('The plan that was current at this instant.', now).optional() }),
    response: planSchema,
    errors: ['not-found'],
    cache: 'dispatch',
    csv: planTable,
    handler: async ({ query: q }) => {
      const stored = await d.stores.dispatchPlans.readDispatchPlan({ site: q.site, ...(q.asOf !== undefined ? { asOfMs: q.asOf } : {}) });
      if (!stored) {
        throw new ApiProblem('not-found', `No dispatch plan for site '${q.site}'${q.asOf !== undefined ? ` issued at or before ${toIso(q.asOf)}` : ''}; POST /api/v1/dispatch/run makes one.`);
      }
      const parsed = dispatchPlanSchema.safeParse(JSON.parse(stored.planJson));
      if (!parsed.success) throw new Error(`stored plan of ${stored.site} issued ${toIso(stored.issuedAtMs)} does not match the plan schema: ${parsed.error.message}`);
      return parsed.data;
    },
  });

  routes.add({
    method: 'post',
    path: '/dispatch/run',
    operationId: 'runDispatch',
    tag: 'dispatch',
    summary: 'Solve and store a dispatch plan for a site now, from its latest forecasts',
    scope: 'operate',
    body: z.object({ site: idParam('Site id.') }).strict(),
    response: planSchema,
    errors: ['not-found', 'conflict', 'unprocessable', 'unavailable'],
    handler: async ({ body }) => {
      if (!d.runDispatch) throw new ApiProblem('unavailable', 'Dispatch planning is not configured in this process.');
      return d.runDispatch(body.site);
    },
  });

  routes.add({
    method: 'post',
    path: '/dispatch/solve',
    operationId: 'solveDispatchScenario',
    tag: 'dispatch',
    summary: 'Solve a self-contained scenario (assets, forecasts, prices) and return the plan, without storing it',
    description: 'The same schema as `gridcast dispatch --scenario FILE` (docs/dispatch.md): what-if studies and offline reproduction of a decision.',
    scope: 'operate',
    body: scenarioBodySchema,
    response: planSchema,
    handler: async ({ body }) => optimizeDispatch(body, { issuedAtMs: now() }),
  });
}

const STEP_COLUMNS = [
  'loadKw',
  'pvAvailableKw',
  'windAvailableKw',
  'netLoadKw',
  'importKw',
  'exportKw',
  'pvCurtailedKw',
  'windCurtailedKw',
  'deferrableKw',
  'unservedKw',
  'excessKw',
  'reserveRequiredKw',
  'reserveAvailableKw',
  'reserveShortKw',
  'reserveMarginKw',
  'importPricePerKwh',
  'exportPricePerKwh',
] as const;

/** One row per step; batteries and generators become `battery:<id>:powerKw`-style columns. */
function planTable(plan: DispatchPlan): CsvTable {
  const batteries = [...new Set(plan.steps.flatMap((s) => s.batteries.map((b) => b.id)))];
  const generators = [...new Set(plan.steps.flatMap((s) => s.generators.map((g) => g.id)))];
  return {
    columns: [
      'time',
      ...STEP_COLUMNS,
      ...batteries.flatMap((id) => [`battery:${id}:powerKw`, `battery:${id}:socKwh`, `battery:${id}:socPct`]),
      ...generators.flatMap((id) => [`generator:${id}:powerKw`, `generator:${id}:on`]),
    ],
    rows: plan.steps.map((s) => [
      s.time,
      ...STEP_COLUMNS.map((c) => s[c]),
      ...batteries.flatMap((id) => {
        const b = s.batteries.find((x) => x.id === id);
        return [b?.powerKw, b?.socKwh, b?.socPct];
      }),
      ...generators.flatMap((id) => {
        const g = s.generators.find((x) => x.id === id);
        return [g?.powerKw, g?.on];
      }),
    ]),
  };
}

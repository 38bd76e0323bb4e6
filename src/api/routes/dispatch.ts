import { dispatchPlanSchema, optimizeDispatch, scenarioSchema, type DispatchPlan } from '../../dispatch/index.js';
import type { ApiDependencies } from '../deps.js';
import type { CsvTable } from '../csv.js';
import { ApiProblem } from '../problem.js';
import { idParam, isoTime, timeParam, toIso } from '../params.js';
import type { ApiRoutes } from '../route.js';
import { z } from '../zod.js';

// Built by plain zod in src/dispatch (before extendZodWithOpenApi): named through zod's own metadata.
const planSchema = dispatchPlanSchema.meta({ id: 'DispatchPlan' });
const scenarioBodySchema = scenarioSchema.meta({ id: 'DispatchScenario' });

export const dispatchSummarySchema = z
  .object({
    site: z.string(),
    issuedAt: isoTime.nullable().openapi({ description: 'When its latest plan was issued; null: no plan.' }),
    ageMinutes: z.number().nullable().openapi({ description: 'Minutes since then.' }),
    from: isoTime.nullable().openapi({ description: 'The first step counted below: the current step (the latest one starting at or before now).' }),
    to: isoTime.nullable().openapi({ description: 'The end of the plan\'s last step.' }),
    steps: z.number().int().openapi({ description: 'Steps from the current one to the end of the plan.' }),
    maxReserveShortKw: z.number().openapi({ description: 'The largest reserve shortfall (reserveShortKw) over those steps: above zero, the plan cannot hold the reserve the forecast uncertainty requires.' }),
    reserveShortSteps: z.number().int().openapi({ description: 'How many of those steps are short of reserve.' }),
    firstShortAt: isoTime.nullable(),
    minReserveMarginKw: z.number().nullable(),
    maxUnservedKw: z.number(),
  })
  .openapi('DispatchSummary');

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
    method: 'get',
    path: '/dispatch/summary',
    operationId: 'getDispatchSummary',
    tag: 'dispatch',
    summary: 'Every site\'s latest plan from now on: its age, reserve shortfall and unserved load',
    description: 'One row per site with telemetry (or the one asked for). For dashboards and alerting.',
    scope: 'read',
    query: z.object({ site: idParam('Only this site.').optional() }),
    response: z.array(dispatchSummarySchema),
    csv: (rows) => {
      const columns = ['site', 'issuedAt', 'ageMinutes', 'from', 'to', 'steps', 'maxReserveShortKw', 'reserveShortSteps', 'firstShortAt', 'minReserveMarginKw', 'maxUnservedKw'] as const;
      return { columns: [...columns], rows: rows.map((r) => columns.map((c) => r[c])) };
    },
    handler: async ({ query: q }) => {
      const nowMs = now();
      const sites = q.site !== undefined ? [q.site] : [...new Set((await d.stores.telemetry.lastSeen()).map((s) => s.site))].sort();
      const out: z.infer<typeof dispatchSummarySchema>[] = [];
      for (const site of sites) {
        const stored = await d.stores.dispatchPlans.readDispatchPlan({ site });
        const plan = stored ? dispatchPlanSchema.safeParse(JSON.parse(stored.planJson)) : undefined;
        if (!stored || !plan?.success) {
          out.push({ site, issuedAt: null, ageMinutes: null, from: null, to: null, steps: 0, maxReserveShortKw: 0, reserveShortSteps: 0, firstShortAt: null, minReserveMarginKw: null, maxUnservedKw: 0 });
          continue;
        }
        const all = plan.data.steps;
        const current = all.findLastIndex((s) => Date.parse(s.time) <= nowMs);
        const steps = all.slice(Math.max(current, 0));
        const short = steps.filter((s) => s.reserveShortKw > 1e-6);
        const last = all.at(-1);
        out.push({
          site,
          issuedAt: toIso(stored.issuedAtMs),
          ageMinutes: Math.round(((nowMs - stored.issuedAtMs) / 60_000) * 100) / 100,
          from: steps[0]?.time ?? null,
          to: last ? toIso(Date.parse(last.time) + plan.data.stepMinutes * 60_000) : null,
          steps: steps.length,
          maxReserveShortKw: Math.max(0, ...steps.map((s) => s.reserveShortKw)),
          reserveShortSteps: short.length,
          firstShortAt: short[0]?.time ?? null,
          minReserveMarginKw: steps.length ? Math.min(...steps.map((s) => s.reserveMarginKw)) : null,
          maxUnservedKw: Math.max(0, ...steps.map((s) => s.unservedKw)),
        });
      }
      return out;
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

import { DateTime } from 'luxon';
import type { ApiDependencies } from '../deps.js';
import { ApiProblem } from '../problem.js';
import { idParam, isoTime, timeParam, toIso } from '../params.js';
import type { ApiRoutes } from '../route.js';
import { z } from '../zod.js';
import { byRisk, feederCongestion, FLOW_TARGETS } from '../../forecast/index.js';

const HOUR_MS = 3_600_000;
const MAX_RANGE_MS = 7 * 24 * HOUR_MS;

const feederRiskSchema = z.object({
  feeder: z.string(),
  ratingKw: z.number(),
  reverseRatingKw: z.number(),
  targets: z.array(z.enum(FLOW_TARGETS)).openapi({ description: 'The forecasts the risk was read from; none: no forecast in the range, no risk figures.' }),
  maxOverloadProbability: z.number().nullable().openapi({ description: 'Highest P(load − generation > ratingKw) over the range.' }),
  maxOverloadAt: isoTime.nullable(),
  maxReverseFlowProbability: z.number().nullable().openapi({ description: 'Highest P(generation − load > reverseRatingKw) over the range; 0 without a PV or wind forecast.' }),
  maxReverseFlowAt: isoTime.nullable(),
  steps: z.array(z.object({ time: isoTime, overloadProbability: z.number(), reverseFlowProbability: z.number() })),
});

export const congestionResponseSchema = z
  .object({
    site: z.string(),
    from: isoTime,
    to: isoTime,
    feeders: z.array(feederRiskSchema).openapi({ description: 'Every feeder with a rating in SITES_FILE, the riskiest first.' }),
  })
  .openapi('SiteCongestion');

/**
 * Congestion risk per feeder: from the latest forecasts' P10/P50/P90 (src/forecast/risk/congestion.ts) and the
 * feeders' ratings in SITES_FILE.
 */
export function congestionRoutes(routes: ApiRoutes, d: ApiDependencies): void {
  const now = d.now ?? Date.now;
  routes.add({
    method: 'get',
    path: '/sites/{site}/congestion',
    operationId: 'getSiteCongestion',
    tag: 'sites',
    summary: "Each rated feeder's probability of overload and of reverse flow per forecast step, the riskiest first",
    description:
      "From the latest forecast of each feeder's load, PV and wind (a two-piece normal through P10/P50/P90 each, combined as independent) against its `ratingKw` and `reverseRatingKw` in SITES_FILE. Default range: tomorrow, the site's local day.",
    scope: 'read',
    params: z.object({ site: idParam('Site id.') }),
    query: z.object({
      from: timeParam("First step (inclusive); default the start of tomorrow in the site's time zone.", now).optional(),
      to: timeParam('End (exclusive); default 24 h of local time after `from`.', now).optional(),
    }),
    response: congestionResponseSchema,
    errors: ['not-found'],
    cache: 'forecast',
    csv: (c) => ({
      columns: ['feeder', 'time', 'overloadProbability', 'reverseFlowProbability'],
      rows: c.feeders.flatMap((f) => f.steps.map((s) => [f.feeder, s.time, s.overloadProbability, s.reverseFlowProbability])),
    }),
    handler: async ({ params, query: q }) => {
      const site = d.sites?.get(params.site);
      const rated = site?.feederRatings ?? [];
      if (rated.length === 0) {
        throw new ApiProblem('not-found', `No feeder ratings for site '${params.site}': list its feeders under feederRatings (feeder, ratingKw, reverseRatingKw) in SITES_FILE (docs/forecasting.md: Congestion risk).`);
      }
      const tomorrow = DateTime.fromMillis(now(), { zone: site!.timeZone }).plus({ days: 1 }).startOf('day');
      const fromMs = q.from ?? tomorrow.toMillis();
      const toMs = q.to ?? DateTime.fromMillis(fromMs, { zone: site!.timeZone }).plus({ days: 1 }).toMillis();
      if (toMs <= fromMs) throw new ApiProblem('invalid-parameters', `'to' (${toIso(toMs)}) must be after 'from' (${toIso(fromMs)}).`);
      if (toMs - fromMs > MAX_RANGE_MS) throw new ApiProblem('invalid-parameters', `At most ${MAX_RANGE_MS / 24 / HOUR_MS} days per request; got ${((toMs - fromMs) / 24 / HOUR_MS).toFixed(1)}.`);
      const risks = await Promise.all(
        rated.map(async (f) => {
          const forecasts = Object.fromEntries(
            await Promise.all(FLOW_TARGETS.map(async (target) => [target, await d.stores.forecasts.readForecasts({ site: params.site, feeder: f.feeder, target, fromMs, toMs })] as const)),
          );
          return feederCongestion(f.feeder, f, forecasts);
        }),
      );
      const feeders = risks.sort(byRisk).map((r) => ({
        feeder: r.feeder,
        ratingKw: r.ratingKw,
        reverseRatingKw: r.reverseRatingKw,
        targets: r.targets,
        maxOverloadProbability: r.maxOverloadProbability === null ? null : round(r.maxOverloadProbability),
        maxOverloadAt: r.maxOverloadAtMs === null ? null : toIso(r.maxOverloadAtMs),
        maxReverseFlowProbability: r.maxReverseFlowProbability === null ? null : round(r.maxReverseFlowProbability),
        maxReverseFlowAt: r.maxReverseFlowAtMs === null ? null : toIso(r.maxReverseFlowAtMs),
        steps: r.steps.map((s) => ({ time: toIso(s.timeMs), overloadProbability: round(s.overloadProbability), reverseFlowProbability: round(s.reverseFlowProbability) })),
      }));
      return { site: params.site, from: toIso(fromMs), to: toIso(toMs), feeders };
    },
  });
}

/** Six decimals: a probability, not a measurement. */
function round(p: number): number {
  return Math.round(p * 1e6) / 1e6;
}

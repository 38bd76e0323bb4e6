import { DateTime } from 'luxon';
import type { ApiDependencies } from '../deps.js';
import { ApiProblem } from '../problem.js';
import { idParam, isoTime, timeParam, toIso } from '../params.js';
import type { ApiRoutes } from '../route.js';
import { z } from '../zod.js';
import type { ForecastPoint, ForecastTarget } from '../../contract/index.js';
import { congestionRisk, type QuantilesKw, type StepForecasts } from '../../forecast/index.js';

const HOUR_MS = 3_600_000;
const MAX_RANGE_MS = 7 * 24 * HOUR_MS;
const TARGETS = ['load', 'pv', 'wind'] as const satisfies readonly ForecastTarget[];

const feederRiskSchema = z.object({
  feeder: z.string(),
  ratingKw: z.number(),
  reverseRatingKw: z.number(),
  targets: z.array(z.enum(TARGETS)).openapi({ description: 'The forecasts the risk was read from; none: no forecast in the range, no risk figures.' }),
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
      const feeders = await Promise.all(
        rated.map(async (f) => {
          const byTarget = new Map<ForecastTarget, ForecastPoint[]>();
          for (const target of TARGETS) {
            const points = await d.stores.forecasts.readForecasts({ site: params.site, feeder: f.feeder, target, fromMs, toMs });
            if (points.length > 0) byTarget.set(target, points);
          }
          const reverseRatingKw = f.reverseRatingKw ?? f.ratingKw;
          const steps = stepForecasts(byTarget);
          const risk = congestionRisk(steps, { ratingKw: f.ratingKw, reverseRatingKw });
          const worst = (key: 'overloadProbability' | 'reverseFlowProbability') => risk.reduce<(typeof risk)[number] | undefined>((a, s) => (!a || s[key] > a[key] ? s : a), undefined);
          const overload = worst('overloadProbability');
          const reverse = worst('reverseFlowProbability');
          return {
            feeder: f.feeder,
            ratingKw: f.ratingKw,
            reverseRatingKw,
            targets: TARGETS.filter((t) => byTarget.has(t)),
            maxOverloadProbability: overload ? round(overload.overloadProbability) : null,
            maxOverloadAt: overload ? toIso(overload.timeMs) : null,
            maxReverseFlowProbability: reverse ? round(reverse.reverseFlowProbability) : null,
            maxReverseFlowAt: reverse ? toIso(reverse.timeMs) : null,
            steps: risk.map((s) => ({ time: toIso(s.timeMs), overloadProbability: round(s.overloadProbability), reverseFlowProbability: round(s.reverseFlowProbability) })),
          };
        }),
      );
      const top = (f: (typeof feeders)[number]) => Math.max(f.maxOverloadProbability ?? -1, f.maxReverseFlowProbability ?? -1);
      feeders.sort((a, b) => top(b) - top(a) || a.feeder.localeCompare(b.feeder));
      return { site: params.site, from: toIso(fromMs), to: toIso(toMs), feeders };
    },
  });
}

/** The steps every target's forecast covers, aligned by time; a target missing at a step is left out there. */
function stepForecasts(byTarget: ReadonlyMap<ForecastTarget, ForecastPoint[]>): StepForecasts[] {
  const steps = new Map<number, StepForecasts>();
  for (const [target, points] of byTarget) {
    for (const p of points) {
      const step = steps.get(p.timeMs) ?? { timeMs: p.timeMs };
      const q: QuantilesKw = { p10Kw: p.p10Kw, p50Kw: p.p50Kw, p90Kw: p.p90Kw };
      if (target === 'load') step.load = q;
      else if (target === 'pv') step.pv = q;
      else step.wind = q;
      steps.set(p.timeMs, step);
    }
  }
  return [...steps.values()].sort((a, b) => a.timeMs - b.timeMs);
}

/** Six decimals: a probability, not a measurement. */
function round(p: number): number {
  return Math.round(p * 1e6) / 1e6;
}

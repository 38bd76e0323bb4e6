import { PRICE_SOURCE_API, priceMessageSchema } from '../../contract/index.js';
import type { ApiDependencies } from '../deps.js';
import { ApiProblem } from '../problem.js';
import { idParam, isoTime, toIso } from '../params.js';
import type { ApiRoutes } from '../route.js';
import { z } from '../zod.js';

// Built by plain zod in src/contract (before extendZodWithOpenApi): named through zod's own metadata.
const priceBodySchema = priceMessageSchema.meta({ id: 'PriceSeries' });

export const storedPricesSchema = z
  .object({
    site: z.string(),
    source: z.string().openapi({ description: 'The source tag they are stored under: api.' }),
    currency: z.string(),
    intervals: z.number().int(),
    from: isoTime.openapi({ description: 'Start of the first interval.' }),
    to: isoTime.openapi({ description: 'End of the last interval.' }),
    receivedAt: isoTime.openapi({ description: 'Where published prices overlap, the ones received last apply.' }),
  })
  .openapi('StoredPrices');

/** Electricity prices as a live input to dispatch: stored, then used by the site's next plan where they cover its steps. */
export function priceRoutes(routes: ApiRoutes, d: ApiDependencies): void {
  routes.add({
    method: 'post',
    path: '/sites/{site}/prices',
    operationId: 'postSitePrices',
    tag: 'dispatch',
    summary: "Store a site's electricity prices (day-ahead or tariff) for its next dispatch plans",
    description:
      "The same payload as MQTT gridcast/v1/<site>/prices (docs/telemetry.md: Electricity prices). The next plan of the site takes these prices for every step they cover " +
      "(where publications overlap, the one received last); steps they don't cover keep the dispatch file's prices, and the plan's `prices` says which source each run of steps used. " +
      "The currency must be the site's (DISPATCH_FILE); 404 for a site without dispatch settings.",
    scope: 'operate',
    params: z.object({ site: idParam('Site id (as in DISPATCH_FILE).') }),
    body: priceBodySchema,
    response: storedPricesSchema,
    errors: ['not-found', 'unprocessable', 'unavailable'],
    handler: async ({ params, body }) => {
      if (!d.storePrices) throw new ApiProblem('unavailable', 'Dispatch planning is not configured in this process (DISPATCH_FILE), so there is nothing to use prices.');
      const stored = await d.storePrices(params.site, body, PRICE_SOURCE_API);
      return { site: stored.site, source: stored.source, currency: stored.currency, intervals: stored.intervals, from: toIso(stored.fromMs), to: toIso(stored.toMs), receivedAt: toIso(stored.receivedAtMs) };
    },
  });
}

import type { SeriesLastSeen } from '../../storage/index.js';
import type { ApiDependencies } from '../deps.js';
import { ApiProblem } from '../problem.js';
import { idParam, isoTime, toIso } from '../params.js';
import type { ApiRoutes } from '../route.js';
import { z } from '../zod.js';
import { READING_KINDS } from '../../contract/index.js';

const feederSchema = z.object({ feeder: z.string(), meters: z.number().int().openapi({ description: 'Meters with data on this feeder.' }), lastSeenAt: isoTime });
export const siteSchema = z.object({ site: z.string(), feeders: z.array(feederSchema), lastSeenAt: isoTime }).openapi('Site');
export const meterSchema = z
  .object({ meter: z.string(), feeder: z.string(), kinds: z.array(z.enum(READING_KINDS)), lastSeenAt: isoTime })
  .openapi('Meter');

/** Sites, feeders and meters, as far as the store has telemetry from them, with when each last reported. */
export function siteRoutes(routes: ApiRoutes, d: ApiDependencies): void {
  routes.add({
    method: 'get',
    path: '/sites',
    operationId: 'listSites',
    tag: 'sites',
    summary: 'Sites and their feeders, with meter counts and last-seen times',
    scope: 'read',
    response: z.array(siteSchema),
    csv: (sites) => ({
      columns: ['site', 'feeder', 'meters', 'lastSeenAt'],
      rows: sites.flatMap((s) => s.feeders.map((f) => [s.site, f.feeder, f.meters, f.lastSeenAt])),
    }),
    handler: async () => toSites(await d.stores.telemetry.lastSeen()),
  });

  routes.add({
    method: 'get',
    path: '/sites/{site}/meters',
    operationId: 'listSiteMeters',
    tag: 'sites',
    summary: 'Meters of a site: feeder, reading kinds and last-seen time',
    scope: 'read',
    params: z.object({ site: idParam('Site id.') }),
    response: z.array(meterSchema),
    errors: ['not-found'],
    csv: (meters) => ({ columns: ['meter', 'feeder', 'kinds', 'lastSeenAt'], rows: meters.map((m) => [m.meter, m.feeder, m.kinds.join(' '), m.lastSeenAt]) }),
    handler: async ({ params }) => {
      const series = await d.stores.telemetry.lastSeen({ site: params.site });
      if (series.length === 0) throw new ApiProblem('not-found', `No telemetry from site '${params.site}'; GET /api/v1/sites lists the sites.`);
      const meters = new Map<string, z.infer<typeof meterSchema> & { lastMs: number }>();
      for (const s of series) {
        const key = `${s.feeder}\n${s.meter}`;
        const m = meters.get(key) ?? { meter: s.meter, feeder: s.feeder, kinds: [], lastSeenAt: '', lastMs: 0 };
        m.kinds.push(s.kind);
        m.lastMs = Math.max(m.lastMs, s.lastSeenMs);
        meters.set(key, m);
      }
      return [...meters.values()].map(({ lastMs, ...m }) => ({ ...m, lastSeenAt: toIso(lastMs) }));
    },
  });
}

function toSites(series: readonly SeriesLastSeen[]): z.infer<typeof siteSchema>[] {
  const sites = new Map<string, Map<string, { meters: Set<string>; lastMs: number }>>();
  for (const s of series) {
    let feeders = sites.get(s.site);
    if (!feeders) sites.set(s.site, (feeders = new Map()));
    const f = feeders.get(s.feeder) ?? { meters: new Set<string>(), lastMs: 0 };
    f.meters.add(s.meter);
    f.lastMs = Math.max(f.lastMs, s.lastSeenMs);
    feeders.set(s.feeder, f);
  }
  return [...sites].map(([site, feeders]) => ({
    site,
    feeders: [...feeders].map(([feeder, f]) => ({ feeder, meters: f.meters.size, lastSeenAt: toIso(f.lastMs) })),
    lastSeenAt: toIso(Math.max(...[...feeders.values()].map((f) => f.lastMs))),
  }));
}

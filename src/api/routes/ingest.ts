import type { Registry } from 'prom-client';
import type { ApiDependencies } from '../deps.js';
import { allowed, isoTime, toIso } from '../params.js';
import type { ApiRoutes } from '../route.js';
import { z } from '../zod.js';

export const ingestStatusSchema = z
  .object({
    ingesterInProcess: z.boolean().openapi({ description: 'Whether this process runs an ingester; the counters below are null when not.' }),
    readingsTotal: z.number().nullable().openapi({ description: 'Readings accepted since this process started.' }),
    rejectedByReason: z.record(z.string(), z.number()).openapi({ description: 'Dead-lettered readings or payloads since start, by reason (docs/telemetry.md: Dead letters).' }),
    spoolDepth: z.number().nullable().openapi({ description: 'Readings waiting in the on-disk spool for the store.' }),
    lastReadingAt: isoTime.nullable().openapi({ description: 'Newest reading in the store.' }),
    silentAfterMinutes: z.number(),
    silentMeters: z.array(z.object({ site: z.string(), feeder: z.string(), meter: z.string(), kind: z.string(), lastSeenAt: isoTime })),
  })
  .openapi('IngestStatus');

/** Ingestion health for the built-in page: the ingester's counters in this process, and meters gone quiet. */
export function ingestRoutes(routes: ApiRoutes, d: ApiDependencies): void {
  const now = d.now ?? Date.now;
  routes.add({
    method: 'get',
    path: '/ingest/status',
    operationId: 'getIngestStatus',
    tag: 'ingest',
    summary: 'Ingestion health: readings, rejections by reason, spool depth, newest reading, silent meters',
    scope: 'read',
    query: z.object({
      silentAfterMinutes: allowed(z.coerce.number().int().min(1).max(10_080).default(15), 'integer 1–10080', 'A series with no reading for this long counts as silent.'),
    }),
    response: ingestStatusSchema,
    handler: async ({ query: q }) => {
      const [accepted, rejected, spool, series] = await Promise.all([
        metricValues(d.metrics, 'gridcast_ingest_readings_accepted_total'),
        metricValues(d.metrics, 'gridcast_ingest_readings_rejected_total'),
        metricValues(d.metrics, 'gridcast_spool_depth_readings'),
        d.stores.telemetry.lastSeen(),
      ]);
      const cutoff = now() - q.silentAfterMinutes * 60_000;
      const last = series.reduce((m, s) => Math.max(m, s.lastSeenMs), -Infinity);
      return {
        ingesterInProcess: accepted !== undefined,
        readingsTotal: accepted ? sum(accepted) : null,
        rejectedByReason: Object.fromEntries((rejected ?? []).map((v) => [String(v.labels.reason ?? 'unknown'), v.value])),
        spoolDepth: spool ? sum(spool) : null,
        lastReadingAt: Number.isFinite(last) ? toIso(last) : null,
        silentAfterMinutes: q.silentAfterMinutes,
        silentMeters: series.filter((s) => s.lastSeenMs < cutoff).map((s) => ({ site: s.site, feeder: s.feeder, meter: s.meter, kind: s.kind, lastSeenAt: toIso(s.lastSeenMs) })),
      };
    },
  });
}

async function metricValues(registry: Registry, name: string): Promise<{ value: number; labels: Record<string, string | number | undefined> }[] | undefined> {
  const metric = registry.getSingleMetric(name);
  return metric ? (await metric.get()).values : undefined;
}

const sum = (values: { value: number }[]): number => values.reduce((s, v) => s + v.value, 0);

import type { Registry } from 'prom-client';
import type { ApiDependencies } from '../deps.js';
import { ingesterSummaries, ingestStatsSamples } from '../../ingest/statsRates.js';
import { REJECT_REASONS } from '../../ingest/parse.js';
import { ApiProblem } from '../problem.js';
import { allowed, isoTime, timeParam, toIso } from '../params.js';
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
    silentMeters: z
      .array(z.object({ site: z.string(), feeder: z.string(), meter: z.string(), kind: z.string(), lastSeenAt: isoTime, silentForMinutes: z.number().openapi({ description: 'Minutes since its last reading.' }) }))
      .openapi({ description: 'Every series (meter and kind) with no reading for silentAfterMinutes.' }),
    silentFeeders: z
      .array(z.object({ site: z.string(), feeder: z.string(), meters: z.number().int(), lastSeenAt: isoTime, silentForMinutes: z.number() }))
      .openapi({ description: 'Feeders none of whose meters sent a reading for silentAfterMinutes.' }),
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
      const minutesSince = (ms: number) => round((now() - ms) / 60_000);
      const last = series.reduce((m, s) => Math.max(m, s.lastSeenMs), -Infinity);
      return {
        ingesterInProcess: accepted !== undefined,
        readingsTotal: accepted ? sum(accepted) : null,
        rejectedByReason: Object.fromEntries((rejected ?? []).map((v) => [String(v.labels.reason ?? 'unknown'), v.value])),
        spoolDepth: spool ? sum(spool) : null,
        lastReadingAt: Number.isFinite(last) ? toIso(last) : null,
        silentAfterMinutes: q.silentAfterMinutes,
        silentMeters: series.filter((s) => s.lastSeenMs < cutoff).map((s) => ({ site: s.site, feeder: s.feeder, meter: s.meter, kind: s.kind, lastSeenAt: toIso(s.lastSeenMs), silentForMinutes: minutesSince(s.lastSeenMs) })),
        silentFeeders: silentFeeders(series, cutoff).map((f) => ({ ...f, lastSeenAt: toIso(f.lastSeenMs), silentForMinutes: minutesSince(f.lastSeenMs) })).map(({ lastSeenMs: _, ...f }) => f),
      };
    },
  });
}

const MAX_STATS_RANGE_MS = 7 * 86_400_000;

function silentFeeders(series: readonly { site: string; feeder: string; meter: string; lastSeenMs: number }[], cutoff: number) {
  const feeders = new Map<string, { site: string; feeder: string; meters: Set<string>; lastSeenMs: number }>();
  for (const s of series) {
    const key = `${s.site}\n${s.feeder}`;
    const f = feeders.get(key) ?? { site: s.site, feeder: s.feeder, meters: new Set<string>(), lastSeenMs: -Infinity };
    f.meters.add(s.meter);
    f.lastSeenMs = Math.max(f.lastSeenMs, s.lastSeenMs);
    feeders.set(key, f);
  }
  return [...feeders.values()].filter((f) => f.lastSeenMs < cutoff).map((f) => ({ site: f.site, feeder: f.feeder, meters: f.meters.size, lastSeenMs: f.lastSeenMs }));
}

const round = (v: number, digits = 2): number => Math.round(v * 10 ** digits) / 10 ** digits;
const roundOrNull = (v: number | null): number | null => (v === null ? null : round(v, 4));

const ingesterParam = allowed(z.string().min(1).max(256), '1–256 characters', 'Only this ingester (its MQTT client id).');

export const ingestStatsSampleSchema = z
  .object({
    time: isoTime.openapi({ description: 'When the ingester sampled its figures.' }),
    ingester: z.string(),
    readingsPerSecond: z.number().nullable().openapi({ description: 'Readings made durable per second since its previous sample; null on its first sample in the range or after a restart.' }),
    rejectedPerSecond: z.number().nullable(),
    rejectedPerSecondByReason: z.record(z.string(), z.number().nullable()).openapi({ description: `Dead-lettered per second, by reason (${REJECT_REASONS.join(', ')}).` }),
    sessionsLostPerSecond: z.number().nullable(),
    spoolDepth: z.number().nullable().openapi({ description: 'Readings in its on-disk spool.' }),
    lagMs: z.number().nullable().openapi({ description: 'Mean reading-to-durable lag over its last interval; null: no batch in it.' }),
    messagesStuck: z.number().nullable(),
  })
  .openapi('IngestStatsSample');

export const ingesterSchema = z
  .object({
    ingester: z.string(),
    lastReportAt: isoTime,
    lastReportAgeMinutes: z.number().openapi({ description: 'Minutes since its last sample: an ingester that stopped reporting is down.' }),
    spoolDepth: z.number().nullable(),
    spoolDepthChange: z.number().nullable().openapi({ description: 'Spool depth at its last sample minus at its first in the window: above zero, the spool is filling (the store does not take the readings).' }),
    readingsPerSecond: z.number().nullable().openapi({ description: 'Mean over the window; null with a single sample or after a restart.' }),
    rejectedPerSecond: z.number().nullable(),
    lagMs: z.number().nullable(),
    messagesStuck: z.number().nullable(),
  })
  .openapi('Ingester');

/** What every ingester wrote about itself to `ingest_stats` (any process, any store): samples with rates, and a summary per ingester. */
export function ingestStatsRoutes(routes: ApiRoutes, d: ApiDependencies): void {
  const now = d.now ?? Date.now;
  routes.add({
    method: 'get',
    path: '/ingest/stats',
    operationId: 'getIngestStats',
    tag: 'ingest',
    summary: 'Ingesters\' own figures from the store (ingest_stats): readings, rejections and sessions lost per second, spool depth, lag',
    description: 'One row per sample (every INGEST_STATS_INTERVAL_SECONDS per ingester), sorted by ingester then time. Counters become per-second rates since the same ingester\'s previous sample. CSV: the rejections by reason as `rejectedPerSecond:<reason>` columns.',
    scope: 'read',
    query: z.object({
      from: timeParam('Start (inclusive); default 6 h before `to`.', now).optional(),
      to: timeParam('End (exclusive); default now.', now).optional(),
      ingester: ingesterParam.optional(),
    }),
    response: z.array(ingestStatsSampleSchema),
    csv: (rows) => ({
      columns: ['time', 'ingester', 'readingsPerSecond', 'rejectedPerSecond', ...REJECT_REASONS.map((r) => `rejectedPerSecond:${r}`), 'sessionsLostPerSecond', 'spoolDepth', 'lagMs', 'messagesStuck'],
      rows: rows.map((r) => [r.time, r.ingester, r.readingsPerSecond, r.rejectedPerSecond, ...REJECT_REASONS.map((x) => r.rejectedPerSecondByReason[x] ?? null), r.sessionsLostPerSecond, r.spoolDepth, r.lagMs, r.messagesStuck]),
    }),
    handler: async ({ query: q }) => {
      const toMs = q.to ?? now();
      const fromMs = q.from ?? toMs - 6 * 3_600_000;
      if (fromMs >= toMs || toMs - fromMs > MAX_STATS_RANGE_MS) {
        throw new ApiProblem('invalid-parameters', '`from` must be before `to`, at most 7 days apart.', [{ name: 'from', reason: `${toIso(fromMs)} → ${toIso(toMs)}`, allowed: 'a time before `to`, at most 7 days earlier' }]);
      }
      const points = await d.stores.ingestStats.readIngestStats({ fromMs, toMs, ...(q.ingester !== undefined ? { ingester: q.ingester } : {}) });
      return ingestStatsSamples(points).map(({ timeMs, ...s }) => ({
        time: toIso(timeMs),
        ...s,
        readingsPerSecond: roundOrNull(s.readingsPerSecond),
        rejectedPerSecond: roundOrNull(s.rejectedPerSecond),
        rejectedPerSecondByReason: Object.fromEntries(Object.entries(s.rejectedPerSecondByReason).map(([k, v]) => [k, roundOrNull(v)])),
        sessionsLostPerSecond: roundOrNull(s.sessionsLostPerSecond),
      }));
    },
  });

  routes.add({
    method: 'get',
    path: '/ingest/ingesters',
    operationId: 'listIngesters',
    tag: 'ingest',
    summary: 'Every ingester that reported in the window: its last report, spool depth and how it moved, readings/s, lag',
    description: 'From the store (ingest_stats), so it covers every ingester of the installation, wherever it runs.',
    scope: 'read',
    query: z.object({
      windowMinutes: allowed(z.coerce.number().int().min(1).max(10_080).default(15), 'integer 1–10080', 'How far back to look: an ingester silent for longer is not listed.'),
    }),
    response: z.array(ingesterSchema),
    csv: (rows) => ({
      columns: ['ingester', 'lastReportAt', 'lastReportAgeMinutes', 'spoolDepth', 'spoolDepthChange', 'readingsPerSecond', 'rejectedPerSecond', 'lagMs', 'messagesStuck'],
      rows: rows.map((r) => [r.ingester, r.lastReportAt, r.lastReportAgeMinutes, r.spoolDepth, r.spoolDepthChange, r.readingsPerSecond, r.rejectedPerSecond, r.lagMs, r.messagesStuck]),
    }),
    handler: async ({ query: q }) => {
      const toMs = now();
      const points = await d.stores.ingestStats.readIngestStats({ fromMs: toMs - q.windowMinutes * 60_000, toMs: toMs + 1 });
      return ingesterSummaries(points).map(({ lastReportMs, ...s }) => ({
        ...s,
        lastReportAt: toIso(lastReportMs),
        lastReportAgeMinutes: round((toMs - lastReportMs) / 60_000),
        readingsPerSecond: roundOrNull(s.readingsPerSecond),
        rejectedPerSecond: roundOrNull(s.rejectedPerSecond),
      }));
    },
  });
}

async function metricValues(registry: Registry, name: string): Promise<{ value: number; labels: Record<string, string | number | undefined> }[] | undefined> {
  const metric = registry.getSingleMetric(name);
  return metric ? (await metric.get()).values : undefined;
}

const sum = (values: { value: number }[]): number => values.reduce((s, v) => s + v.value, 0);

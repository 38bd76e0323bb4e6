import { ThresholdsMode, type Dashboard } from '@grafana/schema';
import { apiVariable, byName, customVariable, displayName, infinity, layout, partitionBy, row, stat, table, timeseries, unit } from '../builders.js';
import { SCHEMA_VERSION } from '../grafana.js';
import { REJECT_REASONS } from '../measurements.js';
import { col, RANGE, str, time } from './apiColumns.js';

/**
 * Ingestion health through the API (Infinity datasource), for either store: what every ingester wrote
 * about itself (`ingest_stats`, read back by GET /api/v1/ingest/stats with counters turned into rates, and
 * /ingest/ingesters per ingester) and silent feeders and meters (GET /api/v1/ingest/status, from telemetry).
 */
const STATS = `/api/v1/ingest/stats?${RANGE}`;
const INGESTERS = '/api/v1/ingest/ingesters?windowMinutes=15';
const STATUS = '/api/v1/ingest/status?silentAfterMinutes=${silent_after}';

/** A per-ingester series of /ingest/stats: one line per ingester. */
const byIngester = (field: string, text: string) => [infinity('A', STATS, [time(), str('ingester'), col(field, text)], { csv: true })];

const panels = [
  row('Throughput and rejections (ingest_stats, every ingester of the installation)'),
  stat({
    title: 'Readings/s',
    description: 'Readings made durable per second over the last 15 minutes, all ingesters together.',
    w: 6,
    h: 6,
    unit: 'reqps',
    calc: 'sum',
    targets: [infinity('A', INGESTERS, [col('readingsPerSecond', 'readings/s')])],
  }),
  stat({
    title: 'Rejected/s',
    description: 'Readings and payloads dead-lettered per second over the last 15 minutes, all ingesters together.',
    w: 6,
    h: 6,
    unit: 'reqps',
    calc: 'sum',
    defaults: { thresholds: { mode: ThresholdsMode.Absolute, steps: [{ value: null, color: 'green' }, { value: 0.01, color: 'orange' }] } },
    targets: [infinity('A', INGESTERS, [col('rejectedPerSecond', 'rejected/s')])],
  }),
  stat({
    title: 'Spool depth',
    description: 'Readings waiting on disk because the store could not take them (all ingesters). Anything above zero means the store is or was unreachable.',
    w: 6,
    h: 6,
    unit: 'short',
    calc: 'sum',
    defaults: { thresholds: { mode: ThresholdsMode.Absolute, steps: [{ value: null, color: 'green' }, { value: 1, color: 'red' }] } },
    targets: [infinity('A', INGESTERS, [col('spoolDepth', 'spool depth')])],
  }),
  stat({
    title: 'Ingest lag',
    description: 'Mean time from a reading’s timestamp to durable storage at the last report, worst ingester.',
    w: 6,
    h: 6,
    unit: 'ms',
    calc: 'max',
    targets: [infinity('A', INGESTERS, [col('lagMs', 'lag')])],
  }),
  timeseries({
    title: 'Readings/s by ingester',
    description: 'Readings made durable per second by each ingester (MQTT client id), between its samples.',
    w: 12,
    h: 8,
    unit: 'reqps',
    stacked: true,
    targets: byIngester('readingsPerSecond', 'readings/s'),
    transformations: [partitionBy('ingester')],
  }),
  timeseries({
    title: 'Rejected/s by reason',
    description: 'Dead-lettered readings and payloads per second, by reason (docs/telemetry.md: Dead letters), one set per ingester.',
    w: 12,
    h: 8,
    unit: 'reqps',
    stacked: true,
    targets: [infinity('A', STATS, [time(), str('ingester'), ...REJECT_REASONS.map((r) => col(`rejectedPerSecond:${r}`, r))], { csv: true })],
    transformations: [partitionBy('ingester')],
  }),
  timeseries({
    title: 'Spool depth by ingester',
    description: 'Readings in each ingester’s on-disk spool. It fills while the store is down and drains when it answers again.',
    w: 12,
    h: 8,
    unit: 'short',
    targets: byIngester('spoolDepth', 'spool'),
    transformations: [partitionBy('ingester')],
  }),
  timeseries({
    title: 'Ingest lag by ingester',
    description: 'Mean lag per sample interval: reading timestamp to durable (store or spool).',
    w: 12,
    h: 8,
    unit: 'ms',
    targets: byIngester('lagMs', 'lag'),
    transformations: [partitionBy('ingester')],
  }),
  timeseries({
    title: 'Stuck messages and lost MQTT sessions by ingester',
    description: 'Alert on either above zero. Stuck: messages neither acknowledged nor dead-lettered for INGEST_STUCK_AFTER_SECONDS. Sessions lost: reconnects that found no persistent session.',
    w: 12,
    h: 8,
    unit: 'short',
    targets: [infinity('A', STATS, [time(), str('ingester'), col('messagesStuck', 'stuck'), col('sessionsLostPerSecond', 'sessions lost/s')], { csv: true })],
    transformations: [partitionBy('ingester')],
  }),
  table({
    title: 'Ingesters: last report',
    description: 'Every ingester that reported in the last 15 minutes: when, its spool depth and how it moved (above zero: filling), readings/s and lag. An ingester missing here is down.',
    w: 12,
    h: 8,
    targets: [
      infinity('A', INGESTERS, [str('ingester'), time('lastReportAt', 'last report'), col('lastReportAgeMinutes', 'age'), col('spoolDepth', 'spool depth'), col('spoolDepthChange', 'spool change (15 min)'), col('readingsPerSecond', 'readings/s'), col('lagMs', 'lag')]),
    ],
    overrides: [byName('age', unit('m')), byName('lag', unit('ms'))],
    sortBy: [{ displayName: 'last report' }],
  }),
  row('Telemetry: $site'),
  timeseries({
    title: 'Readings per minute by feeder (by reading time)',
    description: 'Stored readings with a power value per minute, by the readings’ own timestamps (a backfill shows at the times it covers).',
    w: 12,
    h: 8,
    unit: 'short',
    stacked: true,
    targets: [infinity('A', `/api/v1/telemetry?site=\${site:percentencode}&aggregation=count&groupBy=feeder&resolution=1m&${RANGE}`, [time(), str('feeder'), col('power_kw', 'readings/min')], { csv: true })],
    transformations: [partitionBy('feeder')],
  }),
  table({
    title: 'Feeders silent for more than $silent_after minutes',
    description: 'Feeders none of whose meters sent a reading for $silent_after minutes (every site).',
    w: 6,
    h: 8,
    targets: [infinity('A', STATUS, [str('site'), str('feeder'), col('meters'), time('lastSeenAt', 'last reading'), col('silentForMinutes', 'silent for')], { rootSelector: 'silentFeeders' })],
    overrides: [byName('silent for', unit('m'))],
  }),
  table({
    title: 'Meters silent for more than $silent_after minutes',
    description: 'Meters (per reading kind) with no reading for $silent_after minutes, every site; weather stations included.',
    w: 6,
    h: 8,
    targets: [infinity('A', STATUS, [str('site'), str('feeder'), str('meter'), str('kind'), time('lastSeenAt', 'last reading'), col('silentForMinutes', 'silent for')], { rootSelector: 'silentMeters' })],
    overrides: [byName('silent for', unit('m'))],
  }),
  table({
    title: 'Last reading per meter',
    description: 'Every meter of $site with when it last reported, oldest first.',
    w: 24,
    h: 8,
    targets: [infinity('A', '/api/v1/sites/${site:percentencode}/meters', [str('feeder'), str('meter'), str('kinds'), time('lastSeenAt', 'last reading')], { csv: true })],
    overrides: [byName('last reading', displayName('last reading'))],
    sortBy: [{ displayName: 'last reading' }],
  }),
];

export const ingestionHealthApi = {
  uid: 'gridcast-ingest-api',
  title: 'gridcast · Ingestion health (API)',
  description: 'Ingestion health through the gridcast API (any store, DuckDB included): readings/s, rejections, spool depth, lag, silent feeders and meters.',
  tags: ['gridcast', 'api'],
  editable: false,
  graphTooltip: 1,
  schemaVersion: SCHEMA_VERSION,
  time: { from: 'now-6h', to: 'now' },
  timezone: 'browser',
  refresh: '30s',
  templating: {
    list: [
      apiVariable({ name: 'site', label: 'Site', description: 'Site (GET /api/v1/sites).', query: infinity('A', '/api/v1/sites', [str('site')], { csv: true }) }),
      customVariable({ name: 'silent_after', label: 'Silent after (min)', description: 'How many minutes without a reading count as silent.', values: ['5', '15', '60', '360', '1440'], current: '15' }),
    ],
  },
  annotations: { list: [] },
  panels: layout(panels),
} satisfies Dashboard;

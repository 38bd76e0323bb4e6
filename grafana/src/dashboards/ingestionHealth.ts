import { ThresholdsMode, type Dashboard, type DataTransformerConfig } from '@grafana/schema';
import { byName, customVariable, displayName, hidden, influx, layout, row, stat, table, tagVariable, timeseries, unit } from '../builders.js';
import { SCHEMA_VERSION } from '../grafana.js';
import { M, REJECT_REASONS, SITE_TOTAL_FEEDER, rejectedField } from '../measurements.js';

/**
 * Ingestion health. Throughput, rejections by reason, spool depth and lag come from what every ingester
 * writes about itself (`ingest_stats`, tag `ingester`, every INGEST_STATS_INTERVAL_SECONDS; counters since
 * its start, so rates use non_negative_derivative, which also rides over restarts). Silent feeders and
 * meters come from `telemetry` itself.
 */
const SITE = `"site" =~ /^$site$/`;
const FEEDER = `("feeder" =~ /^$feeder$/ OR '\${feeder:raw}' = '${SITE_TOTAL_FEEDER}')`;

/** Per-second rate of a counter, per ingester. */
const rate = (field: string, alias: string) => `non_negative_derivative(max("${field}"), 1s) AS "${alias}"`;

/** The same rates summed over every ingester (scaled out ingesters each count their share). */
function summedRates(fields: Record<string, string>): string {
  const inner = Object.entries(fields)
    .map(([field, alias]) => rate(field, alias))
    .join(', ');
  const outer = Object.values(fields)
    .map((alias) => `sum("${alias}") AS "${alias}"`)
    .join(', ');
  return `SELECT ${outer} FROM (
    SELECT ${inner} FROM "${M.ingestStats}" WHERE $timeFilter GROUP BY time($__interval), "ingester" fill(none)
  ) WHERE $timeFilter GROUP BY time($__interval) fill(none)`;
}

/**
 * Who stopped reporting: readings before `now() - $silent_after` (within the range) and none since.
 * InfluxQL has no anti-join, so both counts come out side by side (one row per group, `recent` null when
 * silent) and the panel keeps the rows whose `recent` is empty.
 */
function silent(groupBy: string[]): string {
  const by = groupBy.map((t) => `"${t}"`).join(', ');
  const where = `${SITE} AND ${FEEDER}`;
  return `SELECT count("before") AS "before", count("recent") AS "recent" FROM
    (SELECT count("power_kw") AS "before" FROM "${M.telemetry}" WHERE $timeFilter AND time <= now() - $silent_after AND ${where} GROUP BY ${by}),
    (SELECT count("power_kw") AS "recent" FROM "${M.telemetry}" WHERE time > now() - $silent_after AND ${where} GROUP BY ${by})
    GROUP BY ${by}`;
}

const keepSilent: DataTransformerConfig[] = [
  { id: 'filterByValue', options: { type: 'include', match: 'any', filters: [{ fieldName: 'recent', config: { id: 'isNull', options: {} } }] } },
  { id: 'organize', options: { excludeByName: { Time: true, before: true, recent: true } } },
];

const panels = [
  row('Throughput and rejections (what each ingester reports in ingest_stats)'),
  stat({
    title: 'Readings/s',
    description: 'Readings made durable per second, all ingesters together.',
    w: 6,
    h: 6,
    unit: 'reqps',
    calc: 'lastNotNull',
    targets: [influx('A', summedRates({ readings_total: 'readings/s' }), { alias: '$col' })],
  }),
  stat({
    title: 'Rejected/s',
    description: 'Readings and payloads dead-lettered per second, all reasons and ingesters together.',
    w: 6,
    h: 6,
    unit: 'reqps',
    calc: 'lastNotNull',
    defaults: { thresholds: { mode: ThresholdsMode.Absolute, steps: [{ value: null, color: 'green' }, { value: 0.01, color: 'orange' }] } },
    targets: [influx('A', summedRates({ rejected_total: 'rejected/s' }), { alias: '$col' })],
  }),
  stat({
    title: 'Spool depth',
    description: 'Readings waiting on disk because the store could not take them (all ingesters). Anything above zero means the store is or was unreachable.',
    w: 6,
    h: 6,
    unit: 'short',
    calc: 'lastNotNull',
    defaults: { thresholds: { mode: ThresholdsMode.Absolute, steps: [{ value: null, color: 'green' }, { value: 1, color: 'red' }] } },
    targets: [
      influx('A', `SELECT sum("depth") FROM (SELECT last("spool_depth") AS "depth" FROM "${M.ingestStats}" WHERE $timeFilter GROUP BY time($__interval), "ingester" fill(none)) WHERE $timeFilter GROUP BY time($__interval) fill(none)`),
    ],
  }),
  stat({
    title: 'Ingest lag',
    description: 'Mean time from a reading’s timestamp to durable storage, worst ingester (includes meter clock skew and backfills).',
    w: 6,
    h: 6,
    unit: 'ms',
    calc: 'lastNotNull',
    targets: [influx('A', `SELECT max("lag") FROM (SELECT mean("lag_ms") AS "lag" FROM "${M.ingestStats}" WHERE $timeFilter GROUP BY time($__interval), "ingester" fill(none)) WHERE $timeFilter GROUP BY time($__interval) fill(none)`)],
  }),
  timeseries({
    title: 'Readings/s by ingester',
    description: 'Readings made durable per second by each ingester (MQTT client id). With a shared subscription they split the stream.',
    w: 12,
    h: 8,
    unit: 'reqps',
    stacked: true,
    targets: [influx('A', `SELECT ${rate('readings_total', 'readings/s')} FROM "${M.ingestStats}" WHERE $timeFilter GROUP BY time($__interval), "ingester" fill(none)`, { alias: '$tag_ingester' })],
  }),
  timeseries({
    title: 'Rejected/s by reason',
    description: 'Dead-lettered readings and payloads per second, by reason (docs/telemetry.md: Dead letters), all ingesters together.',
    w: 12,
    h: 8,
    unit: 'reqps',
    stacked: true,
    targets: [influx('A', summedRates(Object.fromEntries(REJECT_REASONS.map((r) => [rejectedField(r), r]))), { alias: '$col' })],
  }),
  timeseries({
    title: 'Spool depth by ingester',
    description: 'Readings in each ingester’s on-disk spool. It fills while the store is down and drains when it answers again.',
    w: 12,
    h: 8,
    unit: 'short',
    targets: [influx('A', `SELECT last("spool_depth") AS "spool" FROM "${M.ingestStats}" WHERE $timeFilter GROUP BY time($__interval), "ingester" fill(none)`, { alias: '$tag_ingester' })],
  }),
  timeseries({
    title: 'Ingest lag by ingester',
    description: 'Mean lag per sample interval: reading timestamp to durable (store or spool).',
    w: 12,
    h: 8,
    unit: 'ms',
    targets: [influx('A', `SELECT mean("lag_ms") AS "lag" FROM "${M.ingestStats}" WHERE $timeFilter GROUP BY time($__interval), "ingester" fill(none)`, { alias: '$tag_ingester' })],
  }),
  timeseries({
    title: 'Stuck messages and lost MQTT sessions by ingester',
    description:
      'Alert on either above zero. Stuck: messages neither acknowledged nor dead-lettered for INGEST_STUCK_AFTER_SECONDS (the ingester then reports not ready). Sessions lost: reconnects that found no persistent session, so readings the broker had queued may be gone (another client used the client id, or the broker lost its state).',
    w: 12,
    h: 8,
    unit: 'short',
    targets: [
      influx('A', `SELECT last("messages_stuck") AS "stuck" FROM "${M.ingestStats}" WHERE $timeFilter GROUP BY time($__interval), "ingester" fill(none)`, { alias: 'stuck $tag_ingester' }),
      influx('B', `SELECT ${rate('mqtt_sessions_lost_total', 'sessions lost/s')} FROM "${M.ingestStats}" WHERE $timeFilter GROUP BY time($__interval), "ingester" fill(none)`, { alias: 'sessions lost/s $tag_ingester' }),
    ],
  }),
  row('Telemetry: $site, feeder $feeder'),
  timeseries({
    title: 'Readings/s by feeder (by reading time)',
    description: 'Stored readings with a power value per second, by the readings’ own timestamps (a backfill shows at the times it covers).',
    w: 12,
    h: 8,
    unit: 'reqps',
    stacked: true,
    targets: [
      influx('A', `SELECT count("power_kw") * 1000 / $__interval_ms AS "readings/s" FROM "${M.telemetry}" WHERE $timeFilter AND ${SITE} AND ${FEEDER} GROUP BY time($__interval), "feeder" fill(none)`, {
        alias: '$tag_feeder',
      }),
    ],
  }),
  table({
    title: 'Ingesters: last report',
    description: 'When each ingester last wrote its statistics, and its spool depth then. An ingester missing here for long is down.',
    w: 12,
    h: 8,
    targets: [influx('A', `SELECT last("spool_depth") AS "spool depth" FROM "${M.ingestStats}" WHERE $timeFilter GROUP BY "ingester"`, { format: 'table' })],
    overrides: [byName('Time', displayName('last report'))],
    sortBy: [{ displayName: 'last report' }],
  }),
  table({
    title: 'Feeders silent for more than $silent_after',
    description: 'Feeders with readings earlier in the range and none in the last $silent_after.',
    w: 8,
    h: 8,
    targets: [influx('A', silent(['site', 'feeder']), { format: 'table' })],
    transformations: keepSilent,
  }),
  table({
    title: 'Meters silent for more than $silent_after',
    description: 'Meters with readings earlier in the range and none in the last $silent_after (weather stations, which send no power, are not covered).',
    w: 8,
    h: 8,
    targets: [influx('A', silent(['site', 'feeder', 'meter']), { format: 'table' })],
    transformations: keepSilent,
  }),
  table({
    title: 'Last reading per meter',
    description: 'Every meter’s latest reading with a power value, oldest first.',
    w: 8,
    h: 8,
    targets: [influx('A', `SELECT last("power_kw") AS "power_kw" FROM "${M.telemetry}" WHERE $timeFilter AND ${SITE} AND ${FEEDER} GROUP BY "site", "feeder", "meter"`, { format: 'table' })],
    overrides: [byName('Time', displayName('last reading')), byName('power_kw', unit('kwatt'), displayName('power')), byName('site', hidden)],
    sortBy: [{ displayName: 'last reading' }],
  }),
];

export const ingestionHealth = {
  uid: 'gridcast-ingest',
  title: 'gridcast · Ingestion health',
  description: 'Readings/s, rejections by reason, spool depth, ingest lag, and feeders and meters that went silent.',
  tags: ['gridcast'],
  editable: false,
  graphTooltip: 1,
  schemaVersion: SCHEMA_VERSION,
  time: { from: 'now-6h', to: 'now' },
  timezone: 'browser',
  refresh: '30s',
  templating: {
    list: [
      tagVariable({ name: 'site', label: 'Site', description: 'Site (from telemetry).', query: `SHOW TAG VALUES FROM "${M.telemetry}" WITH KEY = "site"` }),
      tagVariable({
        name: 'feeder',
        label: 'Feeder',
        description: 'One feeder, or All.',
        query: `SHOW TAG VALUES FROM "${M.telemetry}" WITH KEY = "feeder" WHERE "site" =~ /^$site$/`,
        all: { value: SITE_TOTAL_FEEDER, text: 'All' },
      }),
      customVariable({ name: 'silent_after', label: 'Silent after', description: 'How long without a reading counts as silent.', values: ['5m', '15m', '1h', '6h', '1d'], current: '15m' }),
    ],
  },
  annotations: { list: [] },
  panels: layout(panels),
} satisfies Dashboard;

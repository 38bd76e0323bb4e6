import { stringify } from 'yaml';
import { infinity, type InfinityColumn, type InfinityQuery } from './builders.js';
import { API_DS } from './grafana.js';

/**
 * Grafana-managed alert rules, provisioned from grafana/provisioning/alerting/gridcast.yaml (Grafana's
 * alerting file provisioning: apiVersion 1, groups → rules). Every rule asks the API through the Infinity
 * datasource, so the same rules serve the DuckDB store and InfluxDB. Each query answers a table of string
 * columns (the alert's labels: one alert instance per row) and exactly one number, which a threshold
 * expression compares: Grafana's server-side expressions read such a table as one number per label set.
 * An empty answer (nothing silent, no ingester reporting) is NoData, provisioned as OK.
 */

/** Grafana's alerting provisioning types (no package ships them): only what these rules use. */
export interface AlertQuery {
  refId: string;
  relativeTimeRange: { from: number; to: number };
  datasourceUid: string;
  model: Record<string, unknown>;
}
export interface AlertRule {
  uid: string;
  title: string;
  condition: string;
  data: AlertQuery[];
  noDataState: 'OK' | 'NoData' | 'Alerting';
  execErrState: 'OK' | 'Error' | 'Alerting';
  for: string;
  annotations: { summary: string; description: string; runbook?: string };
  labels: Record<string, string>;
  isPaused: boolean;
}
export interface AlertRuleGroup {
  orgId: number;
  name: string;
  folder: string;
  interval: string;
  rules: AlertRule[];
}
export interface AlertProvisioning {
  apiVersion: 1;
  groups: AlertRuleGroup[];
}

/** What each rule's condition compares, so tests check the same numbers. */
export const ALERT_THRESHOLDS = {
  forecastStaleMinutes: 120,
  silentMinutes: 30,
  reserveShortKw: 0,
  spoolDepthRise: 0,
  degraded: 0,
} as const;

/** A rule spec: the API query (one number column, string label columns) and `number > threshold`. */
export interface AlertSpec {
  uid: string;
  title: string;
  query: InfinityQuery;
  /** The number column the threshold reads (the query's only column of type number). */
  value: string;
  threshold: number;
  for: string;
  severity: 'warning' | 'critical';
  summary: string;
  description: string;
}

const s = (selector: string): InfinityColumn => ({ selector, text: selector, type: 'string' });
const n = (selector: string): InfinityColumn => ({ selector, text: selector, type: 'number' });

export const ALERTS: readonly AlertSpec[] = [
  {
    uid: 'gridcast-forecast-stale',
    title: 'Forecast stale',
    query: infinity('A', '/api/v1/forecasts/freshness', [s('site'), s('feeder'), s('target'), n('ageMinutes')]),
    value: 'ageMinutes',
    threshold: ALERT_THRESHOLDS.forecastStaleMinutes,
    for: '10m',
    severity: 'warning',
    summary: 'No forecast issued for {{ $labels.site }} / {{ $labels.feeder }} / {{ $labels.target }} for over 2 h',
    description: 'The newest forecast of the series is {{ $values.A }} minutes old (hourly by FORECAST_CRON). Check the forecast job (gridcast start or schedule logs, GET /ready) and that telemetry arrives; POST /api/v1/forecasts/run issues one now.',
  },
  {
    uid: 'gridcast-meter-silent',
    title: 'Meter silent',
    query: infinity('A', `/api/v1/ingest/status?silentAfterMinutes=${ALERT_THRESHOLDS.silentMinutes}`, [s('site'), s('feeder'), s('meter'), s('kind'), n('silentForMinutes')], { rootSelector: 'silentMeters' }),
    value: 'silentForMinutes',
    threshold: ALERT_THRESHOLDS.silentMinutes,
    for: '5m',
    severity: 'warning',
    summary: 'No {{ $labels.kind }} reading from meter {{ $labels.meter }} ({{ $labels.site }} / {{ $labels.feeder }}) for over 30 min',
    description: 'Silent for {{ $values.A }} minutes. One meter: check the meter and its link. Every meter of a feeder (see Feeder silent): the feeder or its gateway. Every meter: the broker or the ingester (Ingestion health dashboard).',
  },
  {
    uid: 'gridcast-feeder-silent',
    title: 'Feeder silent',
    query: infinity('A', `/api/v1/ingest/status?silentAfterMinutes=${ALERT_THRESHOLDS.silentMinutes}`, [s('site'), s('feeder'), n('silentForMinutes')], { rootSelector: 'silentFeeders' }),
    value: 'silentForMinutes',
    threshold: ALERT_THRESHOLDS.silentMinutes,
    for: '5m',
    severity: 'critical',
    summary: 'No reading from any meter of feeder {{ $labels.feeder }} ({{ $labels.site }}) for over 30 min',
    description: 'Silent for {{ $values.A }} minutes. Check the feeder gateway and its MQTT connection, then the broker and the ingesters (Ingestion health dashboard); forecasts of the feeder and the site total degrade meanwhile.',
  },
  {
    uid: 'gridcast-reserve-short',
    title: 'Reserve short in the plan',
    query: infinity('A', '/api/v1/dispatch/summary', [s('site'), n('maxReserveShortKw')]),
    value: 'maxReserveShortKw',
    threshold: ALERT_THRESHOLDS.reserveShortKw,
    for: '0s',
    severity: 'critical',
    summary: 'The dispatch plan of {{ $labels.site }} is short of reserve by up to {{ $values.A }} kW',
    description: 'Some step from now on cannot hold the upward reserve the forecast uncertainty requires (reserveShortKw > 0 in GET /api/v1/dispatch). Arrange more flexible capacity (generator, import limit, battery) or shed deferrable load; the Operator overview shows when.',
  },
  {
    uid: 'gridcast-spool-rising',
    title: 'Ingest spool depth rising',
    query: infinity('A', '/api/v1/ingest/ingesters?windowMinutes=15', [s('ingester'), n('spoolDepthChange')]),
    value: 'spoolDepthChange',
    threshold: ALERT_THRESHOLDS.spoolDepthRise,
    for: '5m',
    severity: 'critical',
    summary: 'The spool of ingester {{ $labels.ingester }} grew by {{ $values.A }} readings in 15 min',
    description: 'The store does not take the readings, which wait on the ingester\'s disk (nothing lost yet). Check the store (GET /ready, DuckDB file or InfluxDB) and the disk; the spool drains by itself once the store answers.',
  },
  {
    uid: 'gridcast-model-degraded',
    title: 'Serving model demoted to a baseline',
    query: infinity('A', '/api/v1/models', [s('site'), s('feeder'), s('target'), n('degraded')]),
    value: 'degraded',
    threshold: ALERT_THRESHOLDS.degraded,
    for: '0s',
    severity: 'warning',
    summary: '{{ $labels.site }} / {{ $labels.feeder }} / {{ $labels.target }} is forecast by a baseline where a trained model served',
    description: 'A rollback or manual decision left a baseline serving, or the latest forecast fell back (no weather forecast covered it). GET /api/v1/models gives the reason (lastDecision, lastFallback); retrain (POST /api/v1/models/train) or check the weather forecast feed.',
  },
];

function rule(a: AlertSpec): AlertRule {
  const numbers = a.query.columns.filter((c) => c.type === 'number');
  if (numbers.length !== 1 || numbers[0]!.selector !== a.value) throw new Error(`alert ${a.uid}: the query needs exactly one number column, ${a.value}`);
  return {
    uid: a.uid,
    title: a.title,
    condition: 'B',
    data: [
      { refId: 'A', relativeTimeRange: { from: 900, to: 0 }, datasourceUid: API_DS.uid, model: { ...a.query, datasource: API_DS, intervalMs: 60_000, maxDataPoints: 43_200 } },
      {
        refId: 'B',
        relativeTimeRange: { from: 0, to: 0 },
        datasourceUid: '__expr__',
        model: { refId: 'B', type: 'threshold', datasource: { type: '__expr__', uid: '__expr__' }, expression: 'A', conditions: [{ evaluator: { type: 'gt', params: [a.threshold] } }] },
      },
    ],
    noDataState: 'OK',
    execErrState: 'Error',
    for: a.for,
    annotations: { summary: a.summary, description: a.description, runbook: 'docs/dashboards.md#alert-rules' },
    labels: { severity: a.severity, service: 'gridcast' },
    isPaused: false,
  };
}

export const alertProvisioning: AlertProvisioning = {
  apiVersion: 1,
  groups: [{ orgId: 1, name: 'gridcast', folder: 'gridcast', interval: '1m', rules: ALERTS.map(rule) }],
};

/** The YAML exactly as committed under grafana/provisioning/alerting/. */
export function alertsYaml(p: AlertProvisioning = alertProvisioning): string {
  return `# Generated from grafana/src/alerts.ts by \`npm run dashboards\`: edit the TypeScript, not this file.\n${stringify(p, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

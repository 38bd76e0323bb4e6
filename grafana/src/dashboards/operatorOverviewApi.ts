import { ThresholdsMode, type Dashboard } from '@grafana/schema';
import { apiVariable, byName, color, custom, displayName, infinity, layout, row, stat, table, timeseries, unit, type PanelSpec } from '../builders.js';
import { SCHEMA_VERSION } from '../grafana.js';
import { col, RANGE, str, time } from './apiColumns.js';

/**
 * Operator overview through the API (Infinity datasource): the same questions as the InfluxQL dashboard,
 * answered by /api/v1, so it works on either store (DuckDB, the default, or InfluxDB). Site totals only:
 * the API's telemetry takes a feeder or every feeder, not "All = the site total" as a variable value.
 */
const TARGETS = [
  { target: 'load', title: 'Load', colour: 'blue' },
  { target: 'pv', title: 'PV', colour: 'yellow' },
  { target: 'wind', title: 'Wind', colour: 'green' },
] as const;

/** Measured site total of one kind: each meter's mean per bucket, summed (as the forecaster sees it). */
const actual = (kind: string) => infinity('A', `/api/v1/telemetry?site=\${site:percentencode}&kind=${kind}&combine=sum&groupBy=site&resolution=\${__interval}&${RANGE}`, [time(), col('power_kw', 'actual')], { csv: true });
const forecast = (target: string) => infinity('B', `/api/v1/forecasts?site=\${site:percentencode}&target=${target}&${RANGE}`, [time(), col('p10Kw', 'P10'), col('p50Kw', 'P50'), col('p90Kw', 'P90')], { csv: true });
const PLAN = '/api/v1/dispatch?site=${site:percentencode}';

const band = (c: string) => [
  byName('actual', color(c), custom('lineWidth', 2)),
  byName('P50', color(c), custom('lineStyle', { fill: 'dash', dash: [10, 10] }), custom('lineWidth', 2)),
  byName('P10', color(c), custom('lineWidth', 0), custom('hideFrom', { viz: false, legend: true, tooltip: false })),
  byName('P90', color(c), custom('lineWidth', 0), custom('fillOpacity', 20), { id: 'custom.fillBelowTo', value: 'P10' }, displayName('P10–P90')),
];

const actualVsForecast: PanelSpec[] = TARGETS.map(({ target, title, colour }) =>
  timeseries({
    title: `${title}: actual vs forecast`,
    description: `${title} of $site (site total): measured (sum over meters of each meter's mean, /api/v1/telemetry) and the latest issued forecast per step (/api/v1/forecasts), P50 with the P10–P90 band.`,
    w: 8,
    h: 9,
    unit: 'kwatt',
    interval: '1m',
    targets: [actual(target), forecast(target)],
    overrides: band(colour),
  }),
);

const panels = [
  row('Actual vs forecast: $site'),
  ...actualVsForecast,
  timeseries({
    title: 'Net load: planned',
    description: 'Site net load (load − PV − wind; negative = export surplus) as the latest dispatch plan expects it, with the load and renewables it planned for.',
    w: 12,
    h: 8,
    unit: 'kwatt',
    targets: [infinity('A', PLAN, [time(), col('netLoadKw', 'net load'), col('loadKw', 'load'), col('pvAvailableKw', 'PV available'), col('windAvailableKw', 'wind available')], { csv: true })],
    overrides: [byName('net load', custom('lineWidth', 2))],
  }),
  timeseries({
    title: 'Reserve margin',
    description: 'Upward reserve the latest plan keeps above what the forecast uncertainty requires. Below zero (shortfall above zero): short of reserve.',
    w: 12,
    h: 8,
    unit: 'kwatt',
    targets: [infinity('A', PLAN, [time(), col('reserveMarginKw', 'margin'), col('reserveRequiredKw', 'required'), col('reserveAvailableKw', 'available'), col('reserveShortKw', 'shortfall')], { csv: true })],
    overrides: [byName('margin', custom('lineWidth', 2), custom('fillOpacity', 15)), byName('shortfall', color('red'))],
    defaults: { custom: { thresholdsStyle: { mode: 'line' } }, thresholds: { mode: ThresholdsMode.Absolute, steps: [{ value: null, color: 'red' }, { value: 0, color: 'green' }] } },
  }),
  row('Dispatch plan: $site'),
  timeseries({
    title: 'Dispatch schedule',
    description: 'Latest plan per step: grid import and export, curtailment and unserved load (battery and generator power per asset: the InfluxDB dashboard, or GET /api/v1/dispatch).',
    w: 24,
    h: 9,
    unit: 'kwatt',
    targets: [
      infinity('A', PLAN, [time(), col('importKw', 'grid import'), col('exportKw', 'grid export'), col('pvCurtailedKw', 'PV curtailed'), col('windCurtailedKw', 'wind curtailed'), col('unservedKw', 'unserved')], { csv: true }),
    ],
    overrides: [byName('unserved', color('red')), byName('grid export', custom('transform', 'negative-Y'))],
  }),
  table({
    title: 'Congestion risk tomorrow',
    description:
      "Each feeder rated in SITES_FILE (feederRatings), the riskiest first: its highest probability of overload (load − PV − wind above ratingKw) and of reverse flow (above reverseRatingKw) over tomorrow, the site's local day, from the latest forecasts' P10/P50/P90 (/api/v1/sites/{site}/congestion). Needs FORECAST_LEVELS=site,feeder for feeder forecasts.",
    w: 24,
    h: 7,
    targets: [
      infinity(
        'A',
        '/api/v1/sites/${site:percentencode}/congestion',
        [str('feeder'), col('ratingKw', 'rating'), col('maxOverloadProbability', 'overload'), time('maxOverloadAt', 'overload at'), col('reverseRatingKw', 'reverse rating'), col('maxReverseFlowProbability', 'reverse flow'), time('maxReverseFlowAt', 'reverse flow at')],
        { rootSelector: 'feeders' },
      ),
    ],
    overrides: [
      byName('rating', unit('kwatt')),
      byName('reverse rating', unit('kwatt')),
      byName('overload', unit('percentunit'), custom('cellOptions', { type: 'color-background' })),
      byName('reverse flow', unit('percentunit'), custom('cellOptions', { type: 'color-background' })),
    ],
    defaults: { thresholds: { mode: ThresholdsMode.Absolute, steps: [{ value: null, color: 'green' }, { value: 0.05, color: 'orange' }, { value: 0.2, color: 'red' }] } },
  }),
  row('Now: $site'),
  table({
    title: 'Serving model per series',
    description: 'What serves each series (lstm@<version> or a baseline); degraded = 1 when a baseline serves where a model did, or the latest forecast fell back.',
    w: 12,
    h: 6,
    targets: [infinity('A', '/api/v1/models', [str('site'), str('feeder'), str('target'), str('serving'), col('degraded'), str('degradedReason', 'why'), str('lastFallback.used', 'last fallback'), time('lastFallback.at', 'fell back at')])],
  }),
  table({
    title: 'Latest forecast per series',
    description: 'How old the newest issued forecast of each series of $site is (hourly by default: FORECAST_CRON).',
    w: 6,
    h: 6,
    targets: [infinity('A', '/api/v1/forecasts/freshness?site=${site:percentencode}', [str('feeder'), str('target'), col('ageMinutes', 'age'), str('model')])],
    overrides: [byName('age', unit('m'))],
  }),
  stat({
    title: 'Latest dispatch plan issued',
    description: 'How long ago the newest dispatch plan for $site was issued, and the largest reserve shortfall from now on.',
    w: 6,
    h: 6,
    calc: 'lastNotNull',
    targets: [infinity('A', '/api/v1/dispatch/summary?site=${site:percentencode}', [col('ageMinutes', 'plan age'), col('maxReserveShortKw', 'max reserve shortfall')])],
    overrides: [byName('plan age', unit('m')), byName('max reserve shortfall', unit('kwatt'))],
  }),
];

export const operatorOverviewApi = {
  uid: 'gridcast-operator-api',
  title: 'gridcast · Operator overview (API)',
  description: 'The operator overview through the gridcast API (any store, DuckDB included): actual vs forecast, net load, the dispatch plan and reserve.',
  tags: ['gridcast', 'api'],
  editable: false,
  graphTooltip: 1,
  schemaVersion: SCHEMA_VERSION,
  time: { from: 'now-24h', to: 'now+48h' },
  timezone: 'browser',
  refresh: '1m',
  templating: {
    list: [apiVariable({ name: 'site', label: 'Site', description: 'Site (GET /api/v1/sites).', query: infinity('A', '/api/v1/sites', [str('site')], { csv: true }) })],
  },
  annotations: { list: [] },
  panels: layout(panels),
} satisfies Dashboard;

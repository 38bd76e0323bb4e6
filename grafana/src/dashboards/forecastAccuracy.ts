import { ThresholdsMode, type Dashboard, type DataTransformerConfig } from '@grafana/schema';
import { barchart, byName, custom, infinity, influx, layout, row, table, tagVariable, timeseries, unit, type PanelSpec } from '../builders.js';
import { SCHEMA_VERSION } from '../grafana.js';
import { M, SITE_TOTAL_FEEDER } from '../measurements.js';

/**
 * Forecast accuracy. Two sources:
 * - `forecast_error` (InfluxQL): every stored forecast step scored against the actual once it is known,
 *   written by the forecast job (src/forecast, see FORECAST_ERROR_FIELDS in ../measurements.ts). Live
 *   accuracy by day and by lead hour, for the serving model and for the baselines scored alongside.
 * - the API (Infinity): the registry's validation backtests (model vs baselines on the same held-out
 *   days) and its promotion/rollback decisions.
 */
const WHERE = `$timeFilter AND "site" =~ /^$site$/ AND "feeder" = '\${feeder:raw}' AND "target" =~ /^$target$/`;

function byDay(field: string, scale = ''): string {
  return `SELECT mean("${field}")${scale} FROM "${M.forecastError}" WHERE ${WHERE} GROUP BY time(1d), "target", "model" fill(none)`;
}

function byLead(field: string, alias: string): string {
  return `SELECT mean("${field}") AS "${alias}" FROM "${M.forecastError}" WHERE ${WHERE} GROUP BY "lead", "model"`;
}

/** Rows (lead, model, value) → one row per lead hour, one column per model, leads in numeric order (the tag is a string). */
function leadMatrix(valueField: string): DataTransformerConfig[] {
  return [
    { id: 'groupingToMatrix', options: { columnField: 'model', rowField: 'lead', valueField } },
    { id: 'organize', options: { renameByName: { 'lead\\model': 'lead (h)' } } },
    { id: 'convertFieldType', options: { conversions: [{ targetField: 'lead (h)', destinationType: 'number' }] } },
    { id: 'sortBy', options: { sort: [{ field: 'lead (h)' }] } },
  ];
}

const daily = (o: { title: string; description: string; query: string; unit: string }): PanelSpec =>
  timeseries({ ...o, w: 12, h: 8, bars: true, targets: [influx('A', o.query, { alias: '$tag_target · $tag_model' })] });

const panels = [
  row('Live accuracy: forecasts scored against actuals ($site, feeder $feeder)'),
  daily({ title: 'MAE by day', description: 'Mean absolute error of P50 per day, per target and model (baselines scored on the same issues for comparison).', query: byDay('abs_error_kw'), unit: 'kwatt' }),
  daily({ title: 'MAPE by day', description: 'Mean absolute percentage error per day (steps with a near-zero actual left out, e.g. PV at night).', query: byDay('ape_pct'), unit: 'percent' }),
  timeseries({
    title: 'P10–P90 coverage by day',
    description: 'Share of actuals inside the P10–P90 band. 80 % is calibrated; lower means the band is too narrow.',
    w: 12,
    h: 8,
    unit: 'percent',
    defaults: { min: 0, max: 100, custom: { thresholdsStyle: { mode: 'line' } }, thresholds: { mode: ThresholdsMode.Absolute, steps: [{ value: null, color: 'red' }, { value: 80, color: 'green' }] } },
    targets: [influx('A', byDay('in_band', ' * 100'), { alias: '$tag_target · $tag_model' })],
  }),
  daily({ title: 'Bias by day', description: 'Mean of P50 − actual per day: above zero the forecast runs high.', query: byDay('error_kw'), unit: 'kwatt' }),
  row('By lead hour: $target'),
  barchart({
    title: 'MAE by lead hour: $target',
    description: 'Mean absolute error by hours between issue and the forecast step, per model, over the selected range.',
    w: 12,
    h: 8,
    unit: 'kwatt',
    xField: 'lead (h)',
    repeat: 'target',
    targets: [influx('A', byLead('abs_error_kw', 'MAE'), { format: 'table' })],
    transformations: leadMatrix('MAE'),
  }),
  barchart({
    title: 'MAPE by lead hour: $target',
    description: 'Mean absolute percentage error by lead hour, per model.',
    w: 12,
    h: 8,
    unit: 'percent',
    xField: 'lead (h)',
    repeat: 'target',
    targets: [influx('A', byLead('ape_pct', 'MAPE'), { format: 'table' })],
    transformations: leadMatrix('MAPE'),
  }),
  row('Models, baselines, promotions and rollbacks (model registry, through the API)'),
  table({
    title: 'Validation backtests: model vs baselines',
    description: 'Each trained version and every baseline on the same held-out days (day-ahead, issued 10:00 local). A version serves only if it beats the serving model and the best baseline.',
    w: 24,
    h: 9,
    targets: [
      infinity(
        'A',
        '/api/v1/backtests?site=${site:percentencode}&feeder=${feeder:percentencode}',
        [
          { selector: 'target', text: 'target', type: 'string' },
          { selector: 'modelId', text: 'version', type: 'string' },
          { selector: 'method', text: 'method', type: 'string' },
          { selector: 'kind', text: 'kind', type: 'string' },
          { selector: 'maeKw', text: 'MAE (kW)', type: 'number' },
          { selector: 'mapePct', text: 'MAPE (%)', type: 'number' },
          { selector: 'coverageP10P90', text: 'P10–P90 coverage', type: 'number' },
          { selector: 'windowFrom', text: 'validated from', type: 'timestamp' },
          { selector: 'windowTo', text: 'validated to', type: 'timestamp' },
        ],
        { csv: true },
      ),
    ],
    overrides: [byName('P10–P90 coverage', unit('percentunit')), byName('MAE (kW)', { id: 'decimals', value: 3 }), byName('kind', custom('cellOptions', { type: 'color-text' }))],
    sortBy: [{ displayName: 'version', desc: true }],
  }),
  table({
    title: 'Serving now, and the last promotion or rollback',
    description: 'What serves each series (lstm@<version> or a baseline) and the registry’s last decision: promote, keep, rollback or manual, with its reason.',
    w: 24,
    h: 7,
    targets: [
      infinity('A', '/api/v1/models', [
        { selector: 'site', text: 'site', type: 'string' },
        { selector: 'feeder', text: 'feeder', type: 'string' },
        { selector: 'target', text: 'target', type: 'string' },
        { selector: 'serving', text: 'serving', type: 'string' },
        { selector: 'lastDecision.at', text: 'decided at', type: 'timestamp' },
        { selector: 'lastDecision.action', text: 'decision', type: 'string' },
        { selector: 'lastDecision.reason', text: 'reason', type: 'string' },
      ]),
    ],
    sortBy: [{ displayName: 'decided at', desc: true }],
  }),
  table({
    title: 'Trained versions',
    description: 'Every trained version: when, whether it serves, and its validation MAE next to the best baseline’s.',
    w: 24,
    h: 8,
    targets: [
      infinity(
        'A',
        '/api/v1/models',
        [
          { selector: 'site', text: 'site', type: 'string' },
          { selector: 'feeder', text: 'feeder', type: 'string' },
          { selector: 'target', text: 'target', type: 'string' },
          { selector: 'version', text: 'version', type: 'string' },
          { selector: 'createdAt', text: 'trained at', type: 'timestamp' },
          { selector: 'serving', text: 'serving', type: 'string' },
          { selector: 'validationMaeKw', text: 'validation MAE (kW)', type: 'number' },
          { selector: 'bestBaselineMaeKw', text: 'best baseline MAE (kW)', type: 'number' },
        ],
        { csv: true },
      ),
    ],
    sortBy: [{ displayName: 'trained at', desc: true }],
  }),
];

export const forecastAccuracy = {
  uid: 'gridcast-accuracy',
  title: 'gridcast · Forecast accuracy',
  description: 'MAE, MAPE, bias and band coverage by day and by lead hour; model vs baselines; promotions and rollbacks.',
  tags: ['gridcast'],
  editable: false,
  graphTooltip: 1,
  schemaVersion: SCHEMA_VERSION,
  time: { from: 'now-30d', to: 'now' },
  timezone: 'browser',
  refresh: '15m',
  templating: {
    list: [
      tagVariable({ name: 'site', label: 'Site', description: 'Site (from scored forecasts).', query: `SHOW TAG VALUES FROM "${M.forecastError}" WITH KEY = "site"` }),
      tagVariable({
        name: 'feeder',
        label: 'Feeder',
        description: 'All = the site total; single feeders appear with FORECAST_LEVELS=site,feeder.',
        query: `SHOW TAG VALUES FROM "${M.forecastError}" WITH KEY = "feeder" WHERE "site" =~ /^$site$/ AND "feeder" <> '${SITE_TOTAL_FEEDER}'`,
        all: { value: SITE_TOTAL_FEEDER, text: 'All' },
      }),
      tagVariable({
        name: 'target',
        label: 'Target',
        description: 'Load, PV, wind: the by-lead panels repeat per selected target.',
        query: `SHOW TAG VALUES FROM "${M.forecastError}" WITH KEY = "target" WHERE "site" =~ /^$site$/`,
        all: { text: 'All' },
        multi: true,
      }),
    ],
  },
  annotations: { list: [] },
  panels: layout(panels),
} satisfies Dashboard;

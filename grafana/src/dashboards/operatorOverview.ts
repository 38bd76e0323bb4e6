import { ThresholdsMode, type Dashboard } from '@grafana/schema';
import { byName, byRegex, color, custom, displayName, hidden, influx, layout, row, stat, table, tagVariable, timeseries, unit, type PanelSpec } from '../builders.js';
import { SCHEMA_VERSION } from '../grafana.js';
import { M, SITE_ASSET, SITE_TOTAL_FEEDER } from '../measurements.js';

/**
 * Operator overview: actual vs forecast (P50 and the P10–P90 band) for load, PV and wind, net load,
 * the dispatch plan with battery state of charge and reserve, 24 h back and 48 h ahead.
 *
 * `$feeder` is one feeder or All, whose value is `all`: the site total. Forecasts are stored per feeder
 * under that same name, so `"feeder" = '${feeder:raw}'` picks the matching forecast, and telemetry
 * takes every feeder when the value is `all` (`'${feeder:raw}' = 'all'` is a constant condition).
 */
const SITE = `"site" =~ /^$site$/`;
const FEEDER_TELEMETRY = `("feeder" =~ /^$feeder$/ OR '\${feeder:raw}' = '${SITE_TOTAL_FEEDER}')`;
const FEEDER_FORECAST = `"feeder" = '\${feeder:raw}'`;

const TARGETS = [
  { target: 'load', title: 'Load', colour: 'blue' },
  { target: 'pv', title: 'PV', colour: 'yellow' },
  { target: 'wind', title: 'Wind', colour: 'green' },
] as const;

/** A target's total as the forecaster sees it: the sum over meters of each meter's mean power per interval. */
function actualTotal(kind: string): string {
  return `SELECT sum("kw") AS "actual" FROM (
    SELECT mean("power_kw") AS "kw" FROM "${M.telemetry}"
    WHERE $timeFilter AND ${SITE} AND ${FEEDER_TELEMETRY} AND "kind" = '${kind}'
    GROUP BY time($__interval), "feeder", "meter"
  ) WHERE $timeFilter GROUP BY time($__interval) fill(none)`;
}

/**
 * For each time, the forecast issued last (top of issued_at_ms): every issue stays stored (one series
 * per lead), and the freshest one is what an operator acts on. `issued` is queried only to pick the row.
 */
function latestForecast(target: string): string {
  return `SELECT top("issued_at_ms", 1) AS "issued", "p10_kw" AS "P10", "p50_kw" AS "P50", "p90_kw" AS "P90"
    FROM "${M.forecast}" WHERE $timeFilter AND ${SITE} AND ${FEEDER_FORECAST} AND "target" = '${target}'
    GROUP BY time($__interval) fill(none)`;
}

/**
 * Latest issued plan per step for the given fields of `dispatch`: site-wide values (asset `site`), or one
 * series per asset. `where` narrows the rows top() picks from (e.g. batteries only: those with soc_pct).
 */
function latestPlan(fields: Record<string, string>, o: { perAsset?: boolean; where?: string } = {}): string {
  const selected = Object.entries(fields)
    .map(([field, alias]) => `"${field}" AS "${alias}"`)
    .join(', ');
  const asset = o.perAsset ? `"asset" <> '${SITE_ASSET}'` : `"asset" = '${SITE_ASSET}'`;
  return `SELECT top("issued_at_ms", 1) AS "issued", ${selected} FROM "${M.dispatch}"
    WHERE $timeFilter AND ${SITE} AND ${asset}${o.where ? ` AND ${o.where}` : ''} GROUP BY time($__interval)${o.perAsset ? ', "asset"' : ''} fill(none)`;
}

const band = (c: string) => [
  byName('issued', hidden),
  byName('actual', color(c), custom('lineWidth', 2)),
  byName('P50', color(c), custom('lineStyle', { fill: 'dash', dash: [10, 10] }), custom('lineWidth', 2)),
  byName('P10', color(c), custom('lineWidth', 0), custom('hideFrom', { viz: false, legend: true, tooltip: false })),
  byName('P90', color(c), custom('lineWidth', 0), custom('fillOpacity', 20), { id: 'custom.fillBelowTo', value: 'P10' }, displayName('P10–P90')),
];

const actualVsForecast: PanelSpec[] = TARGETS.map(({ target, title, colour }) =>
  timeseries({
    title: `${title}: actual vs forecast`,
    description: `${title} of $site (feeder $feeder; All = site total): measured (sum over meters of each meter's mean) and the latest issued forecast, P50 with the P10–P90 band.`,
    w: 8,
    h: 9,
    unit: 'kwatt',
    targets: [influx('A', actualTotal(target), { alias: '$col' }), influx('B', latestForecast(target), { alias: '$col' })],
    overrides: band(colour),
  }),
);

/**
 * Net load = load − PV − wind. InfluxQL drops a row when a term is null, so the load rows contribute
 * zeros for PV and wind: a site without wind still has a net load.
 */
const NET_LOAD_ACTUAL = `SELECT sum("load_kw") - sum("pv_kw") - sum("wind_kw") AS "actual" FROM
  (SELECT mean("power_kw") AS "load_kw", mean("power_kw") * 0 AS "pv_kw", mean("power_kw") * 0 AS "wind_kw" FROM "${M.telemetry}"
    WHERE $timeFilter AND ${SITE} AND "kind" = 'load' GROUP BY time($__interval), "feeder", "meter"),
  (SELECT mean("power_kw") AS "pv_kw" FROM "${M.telemetry}" WHERE $timeFilter AND ${SITE} AND "kind" = 'pv' GROUP BY time($__interval), "feeder", "meter"),
  (SELECT mean("power_kw") AS "wind_kw" FROM "${M.telemetry}" WHERE $timeFilter AND ${SITE} AND "kind" = 'wind' GROUP BY time($__interval), "feeder", "meter")
  WHERE $timeFilter GROUP BY time($__interval) fill(none)`;

/**
 * The weather the models read against the weather observed: the latest issued weather forecast per hour (top
 * of issued_at_ms across sources and leads, as for forecasts) and the site's weather station, temperature on
 * the left axis, irradiance on the right.
 */
const weatherForecastVsObserved: PanelSpec = timeseries({
  title: 'Weather: forecast vs observed',
  description: "Temperature and irradiance of $site: the latest issued weather forecast (what the models read at the target hours) and the site's weather station.",
  w: 24,
  h: 8,
  targets: [
    influx('A', `SELECT mean("temperature_c") AS "observed temperature", mean("irradiance_wm2") AS "observed irradiance" FROM "${M.telemetry}"
      WHERE $timeFilter AND ${SITE} AND "kind" = 'weather' GROUP BY time($__interval) fill(none)`, { alias: '$col' }),
    influx('B', `SELECT top("issued_at_ms", 1) AS "issued", "temperature_c" AS "forecast temperature", "ghi_wm2" AS "forecast irradiance" FROM "${M.weatherForecast}"
      WHERE $timeFilter AND ${SITE} GROUP BY time($__interval) fill(none)`, { alias: '$col' }),
  ],
  overrides: [
    byName('issued', hidden),
    byName('observed temperature', unit('celsius'), color('red'), custom('lineWidth', 2)),
    byName('forecast temperature', unit('celsius'), color('red'), custom('lineStyle', { fill: 'dash', dash: [10, 10] })),
    byName('observed irradiance', unit('Wm2'), color('orange'), custom('axisPlacement', 'right'), custom('lineWidth', 2)),
    byName('forecast irradiance', unit('Wm2'), color('orange'), custom('axisPlacement', 'right'), custom('lineStyle', { fill: 'dash', dash: [10, 10] })),
  ],
});

const panels = [
  row('Actual vs forecast: $site, feeder $feeder'),
  ...actualVsForecast,
  weatherForecastVsObserved,
  timeseries({
    title: 'Net load: actual and planned',
    description: 'Site net load (load − PV − wind; negative = export surplus): measured, and as the latest dispatch plan expects it.',
    w: 12,
    h: 8,
    unit: 'kwatt',
    targets: [influx('A', NET_LOAD_ACTUAL, { alias: '$col' }), influx('B', latestPlan({ net_load_kw: 'planned' }), { alias: '$col' })],
    overrides: [byName('issued', hidden), byName('planned', custom('lineStyle', { fill: 'dash', dash: [10, 10] }))],
  }),
  timeseries({
    title: 'Reserve margin',
    description: 'Upward reserve the latest plan keeps above what the forecast uncertainty requires. Below zero: short of reserve.',
    w: 12,
    h: 8,
    unit: 'kwatt',
    targets: [influx('A', latestPlan({ reserve_margin_kw: 'margin', reserve_required_kw: 'required', reserve_available_kw: 'available' }), { alias: '$col' })],
    overrides: [byName('issued', hidden), byName('margin', custom('lineWidth', 2), custom('fillOpacity', 15))],
    defaults: { custom: { thresholdsStyle: { mode: 'line' } }, thresholds: { mode: ThresholdsMode.Absolute, steps: [{ value: null, color: 'red' }, { value: 0, color: 'green' }] } },
  }),
  row('Dispatch plan: $site'),
  timeseries({
    title: 'Dispatch schedule',
    description: 'Latest plan per step: battery and generator power (battery positive = discharge), grid import and export, curtailment and unserved load.',
    w: 12,
    h: 9,
    unit: 'kwatt',
    targets: [
      influx('A', latestPlan({ power_kw: 'power' }, { perAsset: true }), { alias: '$tag_asset $col' }),
      influx('B', latestPlan({ import_kw: 'grid import', export_kw: 'grid export', pv_curtailed_kw: 'PV curtailed', wind_curtailed_kw: 'wind curtailed', unserved_kw: 'unserved' }), { alias: '$col' }),
    ],
    overrides: [byRegex('issued$', hidden), byName('unserved', color('red')), byName('grid export', custom('transform', 'negative-Y'))],
  }),
  timeseries({
    title: 'Battery state of charge',
    description: 'Planned state of charge per battery (latest plan per step).',
    w: 12,
    h: 9,
    unit: 'percent',
    defaults: { min: 0, max: 100 },
    targets: [influx('A', latestPlan({ soc_pct: 'SoC' }, { perAsset: true, where: '"soc_pct" >= 0' }), { alias: '$tag_asset $col' })],
    overrides: [byRegex('issued$', hidden)],
  }),
  row('Now: $site'),
  table({
    title: 'Serving model per target',
    description: 'The model (or baseline) behind the latest issued forecast of each target, and when it was issued.',
    w: 12,
    h: 6,
    targets: [
      influx(
        'A',
        `SELECT top("issued_at_ms", 1) AS "issued_at", "model", "lead" FROM "${M.forecast}"
         WHERE $timeFilter AND ${SITE} AND ${FEEDER_FORECAST} GROUP BY "target"`,
        { format: 'table' },
      ),
    ],
    overrides: [byName('issued_at', unit('dateTimeAsIso'), displayName('issued at')), byName('Time', displayName('latest step')), byName('lead', displayName('lead (h) of that step'))],
  }),
  stat({
    title: 'Latest forecast issued',
    description: 'How long ago the newest forecast for $site was issued (hourly by default: FORECAST_CRON).',
    w: 6,
    h: 6,
    unit: 'dateTimeFromNow',
    calc: 'max',
    targets: [influx('A', `SELECT max("issued_at_ms") FROM "${M.forecast}" WHERE $timeFilter AND ${SITE}`)],
  }),
  stat({
    title: 'Latest dispatch plan issued',
    description: 'How long ago the newest dispatch plan for $site was issued.',
    w: 6,
    h: 6,
    unit: 'dateTimeFromNow',
    calc: 'max',
    targets: [influx('A', `SELECT max("issued_at_ms") FROM "${M.dispatch}" WHERE $timeFilter AND ${SITE} AND "asset" = '${SITE_ASSET}'`)],
  }),
];

export const operatorOverview = {
  uid: 'gridcast-operator',
  title: 'gridcast · Operator overview',
  description: 'Actual vs forecast with uncertainty, net load, the dispatch plan, battery state of charge and reserve.',
  tags: ['gridcast'],
  editable: false,
  graphTooltip: 1,
  schemaVersion: SCHEMA_VERSION,
  time: { from: 'now-24h', to: 'now+48h' },
  timezone: 'browser',
  refresh: '1m',
  templating: {
    list: [
      tagVariable({ name: 'site', label: 'Site', description: 'Site (from telemetry).', query: `SHOW TAG VALUES FROM "${M.telemetry}" WITH KEY = "site"` }),
      tagVariable({
        name: 'feeder',
        label: 'Feeder',
        description: 'One feeder, or All for the site total (feeder forecasts exist with FORECAST_LEVELS=site,feeder).',
        query: `SHOW TAG VALUES FROM "${M.telemetry}" WITH KEY = "feeder" WHERE "site" =~ /^$site$/`,
        all: { value: SITE_TOTAL_FEEDER, text: 'All' },
      }),
    ],
  },
  annotations: { list: [] },
  panels: layout(panels),
} satisfies Dashboard;

import {
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  GraphDrawStyle,
  LegendDisplayMode,
  PercentChangeColorMode,
  SortOrder,
  StackingMode,
  TooltipDisplayMode,
  VariableHide,
  VariableRefresh,
  VariableSort,
  VisibilityMode,
  VizOrientation,
  type DataTransformerConfig,
  type FieldConfig,
  type FieldConfigSource,
  type GraphFieldConfig,
  type Panel,
  type RowPanel,
  type VariableModel,
} from '@grafana/schema';
import type { Options as BarChartOptions } from '@grafana/schema/dist/esm/raw/composable/barchart/panelcfg/x/BarChartPanelCfg_types.gen';
import type { Options as StatOptions } from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type { Options as TableOptions } from '@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen';
import type { Options as TimeSeriesOptions } from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';
import { API_DS, INFLUX_DS } from './grafana.js';

/** Small builders so each dashboard file reads as a list of panels and their queries. */

/** A raw InfluxQL query (InfluxDB datasource in InfluxQL mode). */
export type InfluxQuery = {
  refId: string;
  datasource: typeof INFLUX_DS;
  query: string;
  rawQuery: true;
  resultFormat: 'time_series' | 'table';
  /** Series name: `$col` (the column alias), `$tag_<tag>`. */
  alias?: string;
};

/** One Infinity column: a JSON path (backend parser) or a CSV header, its display name and type. */
export type InfinityColumn = { selector: string; text: string; type: 'string' | 'number' | 'timestamp' | 'boolean' };

/** An Infinity query on the gridcast API: a URL relative to the datasource's base URL. */
export type InfinityQuery = {
  refId: string;
  datasource: typeof API_DS;
  type: 'json' | 'csv';
  source: 'url';
  parser: 'backend';
  format: 'table';
  url: string;
  url_options: { method: 'GET'; data: ''; headers: { key: string; value: string }[] };
  root_selector: string;
  columns: InfinityColumn[];
};

export type Target = InfluxQuery | InfinityQuery;

export function influx(refId: string, query: string, o: { format?: InfluxQuery['resultFormat']; alias?: string } = {}): InfluxQuery {
  // One line in the JSON: the builders write multi-line template literals for readability.
  const q = query.replace(/\s+/g, ' ').trim();
  return { refId, datasource: INFLUX_DS, query: q, rawQuery: true, resultFormat: o.format ?? 'time_series', ...(o.alias ? { alias: o.alias } : {}) };
}

/** `csv: true` asks the API for CSV (Accept: text/csv), which it flattens itself: one row per nested entry. */
export function infinity(refId: string, url: string, columns: InfinityColumn[], o: { csv?: boolean; rootSelector?: string } = {}): InfinityQuery {
  return {
    refId,
    datasource: API_DS,
    type: o.csv ? 'csv' : 'json',
    source: 'url',
    parser: 'backend',
    format: 'table',
    url,
    url_options: { method: 'GET', data: '', headers: o.csv ? [{ key: 'Accept', value: 'text/csv' }] : [] },
    root_selector: o.rootSelector ?? '',
    columns,
  };
}

type Override = FieldConfigSource['overrides'][number];
type Property = Override['properties'][number];

export function byName(name: string, ...properties: Property[]): Override {
  return { matcher: { id: 'byName', options: name }, properties };
}
export function byRegex(pattern: string, ...properties: Property[]): Override {
  return { matcher: { id: 'byRegexp', options: pattern }, properties };
}
export const hidden: Property = { id: 'custom.hideFrom', value: { viz: true, legend: true, tooltip: true } };
export const displayName = (name: string): Property => ({ id: 'displayName', value: name });
export const unit = (u: string): Property => ({ id: 'unit', value: u });
export const color = (c: string): Property => ({ id: 'color', value: { mode: 'fixed', fixedColor: c } });
export const custom = (key: string, value: unknown): Property => ({ id: `custom.${key}`, value });

/** Size in the 24-column grid; position and id are given by `layout`. */
interface Size {
  w: number;
  h: number;
}
export type PanelSpec = Panel & Size;

interface PanelOptions extends Size {
  title: string;
  description: string;
  targets: Target[];
  unit?: string;
  defaults?: Partial<FieldConfig>;
  overrides?: Override[];
  transformations?: DataTransformerConfig[];
  repeat?: string;
  interval?: string;
}

function base(type: string, o: PanelOptions, customDefaults: Record<string, unknown>, options: Record<string, unknown>): PanelSpec {
  const datasource = o.targets[0]?.datasource ?? INFLUX_DS;
  return {
    type,
    title: o.title,
    description: o.description,
    w: o.w,
    h: o.h,
    datasource,
    targets: o.targets,
    fieldConfig: {
      defaults: { ...(o.unit ? { unit: o.unit } : {}), ...o.defaults, custom: { ...customDefaults, ...o.defaults?.custom } },
      overrides: o.overrides ?? [],
    },
    options,
    ...(o.transformations ? { transformations: o.transformations } : {}),
    ...(o.repeat ? { repeat: o.repeat, repeatDirection: 'h' as const } : {}),
    ...(o.interval ? { interval: o.interval } : {}),
  };
}

export function timeseries(o: PanelOptions & { stacked?: boolean; bars?: boolean }): PanelSpec {
  const fieldDefaults = {
    drawStyle: o.bars ? GraphDrawStyle.Bars : GraphDrawStyle.Line,
    lineWidth: 1,
    fillOpacity: o.bars || o.stacked ? 60 : 0,
    showPoints: VisibilityMode.Never,
    // Forecast and plan steps are hourly while the panel interval may be finer: draw through the gaps.
    spanNulls: true,
    stacking: { mode: o.stacked ? StackingMode.Normal : StackingMode.None, group: 'A' },
  } satisfies GraphFieldConfig;
  const options = {
    legend: { displayMode: LegendDisplayMode.List, placement: 'bottom', showLegend: true, calcs: [] },
    tooltip: { mode: TooltipDisplayMode.Multi, sort: SortOrder.None },
  } satisfies TimeSeriesOptions;
  return base('timeseries', o, fieldDefaults, options);
}

export function table(o: PanelOptions & { sortBy?: { displayName: string; desc?: boolean }[] }): PanelSpec {
  const options = { showHeader: true, frameIndex: 0, ...(o.sortBy ? { sortBy: o.sortBy } : {}) } satisfies TableOptions;
  return base('table', o, {}, options);
}

export function stat(o: PanelOptions & { calc?: string }): PanelSpec {
  const options = {
    reduceOptions: { calcs: [o.calc ?? 'lastNotNull'], fields: '', values: false },
    orientation: VizOrientation.Auto,
    textMode: BigValueTextMode.Auto,
    colorMode: BigValueColorMode.Value,
    graphMode: BigValueGraphMode.Area,
    justifyMode: BigValueJustifyMode.Auto,
    percentChangeColorMode: PercentChangeColorMode.Standard,
    showPercentChange: false,
    wideLayout: true,
  } satisfies StatOptions;
  return base('stat', o, {}, options);
}

export function barchart(o: PanelOptions & { xField: string }): PanelSpec {
  const options = {
    xField: o.xField,
    orientation: VizOrientation.Vertical,
    barWidth: 0.9,
    groupWidth: 0.8,
    fullHighlight: false,
    showValue: VisibilityMode.Never,
    stacking: StackingMode.None,
    xTickLabelMaxLength: 0,
    xTickLabelRotation: 0,
    legend: { displayMode: LegendDisplayMode.List, placement: 'bottom', showLegend: true, calcs: [] },
    tooltip: { mode: TooltipDisplayMode.Multi, sort: SortOrder.None },
  } satisfies BarChartOptions;
  return base('barchart', o, { fillOpacity: 80 }, options);
}

export interface RowSpec {
  row: string;
}
export const row = (title: string): RowSpec => ({ row: title });

/**
 * Ids and grid positions in reading order: panels flow left to right and wrap at 24 columns; a row
 * starts a new line across the full width.
 */
export function layout(items: (PanelSpec | RowSpec)[]): (Panel | RowPanel)[] {
  const out: (Panel | RowPanel)[] = [];
  let x = 0;
  let y = 0;
  let lineHeight = 0;
  let id = 1;
  for (const item of items) {
    if ('row' in item) {
      y += lineHeight;
      out.push({ type: 'row', id: id++, title: item.row, collapsed: false, panels: [], gridPos: { x: 0, y, w: 24, h: 1 } });
      y += 1;
      x = 0;
      lineHeight = 0;
      continue;
    }
    const { w, h, ...panel } = item;
    if (x + w > 24) {
      y += lineHeight;
      x = 0;
      lineHeight = 0;
    }
    out.push({ ...panel, id: id++, gridPos: { x, y, w, h } });
    x += w;
    lineHeight = Math.max(lineHeight, h);
  }
  return out;
}

/** A variable filled by an InfluxQL `SHOW TAG VALUES` query, refreshed when the time range changes. */
/** `all`: offer All; with a `value`, All stands for that value (else for every value, as a regex alternation). */
export function tagVariable(o: { name: string; label: string; query: string; description: string; all?: { value?: string; text: string }; multi?: boolean }): VariableModel {
  return {
    type: 'query',
    name: o.name,
    label: o.label,
    description: o.description,
    datasource: INFLUX_DS,
    query: o.query,
    refresh: VariableRefresh.onTimeRangeChanged,
    sort: VariableSort.naturalAsc,
    multi: o.multi ?? false,
    includeAll: o.all !== undefined,
    ...(o.all ? { ...(o.all.value === undefined ? {} : { allValue: o.all.value }), current: { text: o.all.text, value: '$__all', selected: true } } : {}),
    hide: VariableHide.dontHide,
  };
}

export function customVariable(o: { name: string; label: string; values: string[]; current: string; description: string; multi?: boolean }): VariableModel {
  return {
    type: 'custom',
    name: o.name,
    label: o.label,
    description: o.description,
    query: o.values.join(','),
    multi: o.multi ?? false,
    includeAll: false,
    current: { text: o.current, value: o.current, selected: true },
    options: o.values.map((v) => ({ text: v, value: v, selected: v === o.current })),
    hide: VariableHide.dontHide,
  };
}

/**
 * A variable filled by an Infinity query on the API (the plugin's variable query of type `infinity`):
 * one column, whose values are the options.
 */
export function apiVariable(o: { name: string; label: string; description: string; query: InfinityQuery }): VariableModel {
  return {
    type: 'query',
    name: o.name,
    label: o.label,
    description: o.description,
    datasource: API_DS,
    query: { queryType: 'infinity', query: '', infinityQuery: o.query },
    refresh: VariableRefresh.onTimeRangeChanged,
    sort: VariableSort.naturalAsc,
    multi: false,
    includeAll: false,
    hide: VariableHide.dontHide,
  };
}

/** Long rows (time, a label column, values) → one frame per label value, as time series panels want them. */
export const partitionBy = (...fields: string[]): DataTransformerConfig => ({ id: 'partitionByValues', options: { fields, keepFields: false } });

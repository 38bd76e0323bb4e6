import type { Dashboard, Panel, RowPanel, VariableModel } from '@grafana/schema';

/**
 * What Grafana does to a query before it reaches the datasource, for the dashboards' own tests:
 * template variables ($site, ${feeder:raw}, …) as the InfluxDB datasource formats them, and the
 * global macros ($timeFilter, $__timeFilter, $__interval, $__interval_ms, $__from, $__to). Anything
 * left unexpanded is an error, so a new macro can't slip past the tests.
 */

export interface VariableValue {
  /** The selected value(s); `all: true` when All is selected. */
  values: string[];
  all?: boolean;
  variable: Pick<VariableModel, 'name' | 'multi' | 'includeAll' | 'allValue'>;
}

export interface ExpandContext {
  fromMs: number;
  toMs: number;
  intervalMs: number;
  vars: Record<string, VariableValue>;
  /** How a variable is formatted without an explicit format: InfluxQL (regex-escaped) or a URL (Infinity). */
  dialect: 'influxql' | 'url';
}

/** Grafana's rangeutil.roundInterval: the nice interval closest below a raw one (ms). */
export function roundInterval(ms: number): number {
  const steps: [number, number][] = [
    [15, 10], [35, 20], [75, 50], [150, 100], [350, 200], [750, 500], [1500, 1000], [3500, 2000], [7500, 5000],
    [12500, 10000], [17500, 15000], [25000, 20000], [45000, 30000], [90000, 60000], [210000, 120000], [450000, 300000],
    [1050000, 600000], [2100000, 1200000], [5400000, 1800000], [9000000, 3600000], [16200000, 7200000], [32400000, 10800000],
    [86400000, 21600000], [604800000, 86400000], [1814400000, 604800000], [3628800000, 2592000000],
  ];
  for (const [below, value] of steps) if (ms < below) return value;
  return 31536000000;
}

/** Grafana's $__interval: range / max data points, rounded, never below the panel's min interval. */
export function intervalMs(fromMs: number, toMs: number, maxDataPoints: number, minInterval?: string): number {
  const computed = roundInterval((toMs - fromMs) / maxDataPoints);
  return Math.max(computed, minInterval ? durationMs(minInterval) : 1);
}

/** kbn.secondsToHms: the largest whole unit ("5m", "1h", "500ms"). */
export function formatInterval(ms: number): string {
  const units: [number, string][] = [[31536000000, 'y'], [86400000, 'd'], [3600000, 'h'], [60000, 'm'], [1000, 's'], [1, 'ms']];
  for (const [size, unit] of units) if (ms >= size) return `${Math.floor(ms / size)}${unit}`;
  return '1ms';
}

export function durationMs(d: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w|y)$/.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  const unit = { ms: 1, s: 1000, m: 60000, h: 3600000, d: 86400000, w: 604800000, y: 31536000000 }[m[2] as 'ms'];
  return Number(m[1]) * unit;
}

/** Grafana time-picker text ('now', 'now-6h', 'now+48h') → epoch ms. */
export function parseRelative(text: string, nowMs: number): number {
  if (text === 'now') return nowMs;
  const m = /^now([+-])(\d+[smhdwy])$/.exec(text);
  if (!m) throw new Error(`unsupported time: ${text}`);
  return nowMs + (m[1] === '+' ? 1 : -1) * durationMs(m[2]!);
}

/** The InfluxDB datasource's influxRegularEscape / influxSpecialRegexEscape. */
const regularEscape = (v: string) => v.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');
const specialRegexEscape = (v: string) => v.replace(/\\/g, '\\\\\\\\').replace(/[$^*{}[\]'+?.()|]/g, '\\\\$&');

function format(v: VariableValue, fmt: string | undefined, dialect: ExpandContext['dialect']): string {
  // Grafana hands a custom All value to the formatter untouched.
  if (v.all && v.variable.allValue !== undefined && v.variable.allValue !== null) return v.variable.allValue;
  const values = v.values;
  switch (fmt) {
    case 'raw':
      return values.join(',');
    case 'regex':
      return values.length === 1 ? regularEscape(values[0]!) : `(${values.map(regularEscape).join('|')})`;
    case 'percentencode':
      return encodeURIComponent(values.join(','));
    case undefined:
      if (dialect === 'url') return values.join(',');
      // InfluxDB datasource interpolateQueryExpr.
      if (!v.variable.multi && !v.variable.includeAll) return regularEscape(values[0]!);
      return values.length === 1 ? specialRegexEscape(values[0]!) : `(${values.map(specialRegexEscape).join('|')})`;
    default:
      throw new Error(`variable format :${fmt} is not supported by these tests`);
  }
}

/** Expands one query (InfluxQL) or URL (Infinity). Throws on anything it can't expand. */
export function expand(text: string, ctx: ExpandContext): string {
  const globals: Record<string, string> = {
    // Grafana's InfluxQL backend renders the range as absolute epoch milliseconds.
    timeFilter: `time >= ${ctx.fromMs}ms and time <= ${ctx.toMs}ms`,
    __timeFilter: `time >= ${ctx.fromMs}ms and time <= ${ctx.toMs}ms`,
    __interval: formatInterval(ctx.intervalMs),
    interval: formatInterval(ctx.intervalMs),
    __interval_ms: String(ctx.intervalMs),
    __from: String(ctx.fromMs),
    __to: String(ctx.toMs),
  };
  const replace = (name: string, fmt: string | undefined, original: string): string => {
    if (name in globals && fmt === undefined) return globals[name]!;
    const v = ctx.vars[name];
    if (!v) throw new Error(`unknown variable '${original}' in: ${text}`);
    return format(v, fmt, ctx.dialect);
  };
  const out = text
    .replace(/\$\{(\w+)(?::(\w+))?\}/g, (all, name: string, fmt: string | undefined) => replace(name, fmt, all))
    .replace(/\[\[(\w+)(?::(\w+))?\]\]/g, (all, name: string, fmt: string | undefined) => replace(name, fmt, all))
    // Longest names first is implicit: \w+ is greedy, so $__interval_ms is not read as $__interval.
    .replace(/\$(\w+)/g, (all, name: string) => replace(name, undefined, all));
  if (/\$\{|\$\w|\[\[/.test(out.replace(/\$\//g, ''))) throw new Error(`unexpanded macro in: ${out}`);
  return out;
}

/** Every panel, with those inside rows. */
export function allPanels(d: Dashboard): Panel[] {
  return (d.panels ?? []).flatMap((p: Panel | RowPanel) => (p.type === 'row' ? (p as RowPanel).panels : [p as Panel]));
}

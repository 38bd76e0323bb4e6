import {
  TAG_NAMES,
  TELEMETRY_FIELDS,
  type DispatchPlanQuery,
  TELEMETRY_MEASUREMENT,
  FORECAST_ERROR_FIELDS,
  type ForecastErrorPoint,
  type ForecastHistoryQuery,
  type ForecastPoint,
  type ForecastQuery,
  type SeriesKey,
  type SeriesLastSeen,
  type TagName,
  type TelemetryQuery,
  type TelemetrySeries,
} from '../types.js';

/**
 * InfluxQL building and result parsing, pure. Every value from outside goes through
 * `stringLiteral` and every name through `identifier`; nothing else is interpolated.
 */

export function identifier(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function stringLiteral(value: string): string {
  // InfluxQL's scanner ends a string at a raw newline, so it is escaped like the quote and backslash.
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

export function measurementRef(database: string, retentionPolicy?: string, measurement: string = TELEMETRY_MEASUREMENT): string {
  return `${identifier(database)}.${retentionPolicy ? identifier(retentionPolicy) : ''}.${identifier(measurement)}`;
}

const AGGREGATE_FN = { mean: 'mean', min: 'min', max: 'max', sum: 'sum', count: 'count', last: 'last' } as const;

function tagConditions(where: Partial<Record<TagName, string>> = {}): string[] {
  return TAG_NAMES.filter((t) => where[t] !== undefined).map((t) => `${identifier(t)} = ${stringLiteral(where[t]!)}`);
}

/** Assumes validateQuery(q) passed: field, aggregate, tags and integers are already checked. */
export function buildTelemetrySelect(q: TelemetryQuery, from: string): string {
  const conditions = [`time >= ${q.fromMs}ms`, `time < ${q.toMs}ms`, ...tagConditions(q.where)];
  const groups = [`time(${q.bucketMs}ms)`, ...(q.groupBy ?? []).map(identifier)];
  return (
    `SELECT ${AGGREGATE_FN[q.aggregate]}(${identifier(q.field)}) AS "value" FROM ${from} ` +
    `WHERE ${conditions.join(' AND ')} GROUP BY ${groups.join(', ')} fill(none)`
  );
}

export function buildShowSeries(from: string, where?: Partial<Record<TagName, string>>): string {
  const conditions = tagConditions(where);
  return `SHOW SERIES FROM ${from}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''}`;
}

/** `SELECT last(<field>) … GROUP BY` every tag, one statement per telemetry field; see parseLastSeen. */
export function buildLastSeen(from: string, where?: Partial<Record<TagName, string>>): string {
  const conditions = tagConditions(where);
  const filter = conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';
  return TELEMETRY_FIELDS.map((f) => `SELECT last(${identifier(f)}) FROM ${from}${filter} GROUP BY ${TAG_NAMES.map(identifier).join(', ')}`).join('; ');
}

/** The latest time per series over every statement of buildLastSeen, sorted like parseSeriesKeys. */
export function parseLastSeen(body: InfluxQueryResponse): SeriesLastSeen[] {
  if (body.error) throw new Error(body.error);
  const latest = new Map<string, SeriesLastSeen>();
  for (const result of body.results ?? []) {
    if (result.error) throw new Error(result.error);
    for (const s of result.series ?? []) {
      const t = s.tags ?? {};
      const timeMs = Number(s.values?.[0]?.[0]);
      if (!t.site || !t.feeder || !t.meter || !t.kind || !Number.isFinite(timeMs)) continue;
      const key = JSON.stringify([t.site, t.feeder, t.meter, t.kind]);
      const prev = latest.get(key);
      if (!prev || timeMs > prev.lastSeenMs) latest.set(key, { site: t.site, feeder: t.feeder, meter: t.meter, kind: t.kind as SeriesKey['kind'], lastSeenMs: timeMs });
    }
  }
  return [...latest.values()].sort((a, b) => compareTags(a, b, ['site', 'feeder', 'meter', 'kind']));
}

/**
 * Every stored forecast point of one site/feeder/target in [fromMs, toMs), issued at or before asOfMs
 * (a numeric comparison on the issued_at_ms field), one result series per model and lead. Picking the
 * latest issue per time is left to latestPerTime(). Assumes validateForecastQuery(q) passed.
 */
export function buildForecastSelect(q: ForecastQuery, from: string): string {
  const conditions = [
    `${identifier('site')} = ${stringLiteral(q.site)}`,
    `${identifier('feeder')} = ${stringLiteral(q.feeder)}`,
    `${identifier('target')} = ${stringLiteral(q.target)}`,
    `time >= ${q.fromMs}ms`,
    `time < ${q.toMs}ms`,
    ...(q.asOfMs === undefined ? [] : [`${identifier('issued_at_ms')} <= ${q.asOfMs}`]),
  ];
  return (
    `SELECT ${['p10_kw', 'p50_kw', 'p90_kw', 'issued_at_ms'].map(identifier).join(', ')} FROM ${from} ` +
    `WHERE ${conditions.join(' AND ')} GROUP BY ${identifier('model')}, ${identifier('lead')}`
  );
}

/** The rows of buildForecastSelect as points (site/feeder/target from the query, model from the series tag). */
export function toForecastPoints(series: InfluxSeries[], q: Pick<ForecastQuery, 'site' | 'feeder' | 'target'>): ForecastPoint[] {
  const points: ForecastPoint[] = [];
  for (const s of series) {
    const col = (name: string) => s.columns.indexOf(name);
    const [t, p10, p50, p90, issued] = [col('time'), col('p10_kw'), col('p50_kw'), col('p90_kw'), col('issued_at_ms')];
    for (const row of s.values ?? []) {
      const values = [row[t], row[p10], row[p50], row[p90], row[issued]];
      if (values.some((v) => v === null || v === undefined)) continue;
      points.push({
        site: q.site,
        feeder: q.feeder,
        target: q.target,
        model: s.tags?.model ?? '',
        issuedAtMs: Number(row[issued]),
        timeMs: Number(row[t]),
        p10Kw: Number(row[p10]),
        p50Kw: Number(row[p50]),
        p90Kw: Number(row[p90]),
      });
    }
  }
  return points;
}

/**
 * Every score of one site/feeder/target with a step time in [fromMs, toMs), one result series per model
 * and lead. Assumes validateForecastQuery(q) passed.
 */
export function buildForecastErrorSelect(q: ForecastHistoryQuery, from: string): string {
  const conditions = [
    `${identifier('site')} = ${stringLiteral(q.site)}`,
    `${identifier('feeder')} = ${stringLiteral(q.feeder)}`,
    `${identifier('target')} = ${stringLiteral(q.target)}`,
    `time >= ${q.fromMs}ms`,
    `time < ${q.toMs}ms`,
  ];
  return `SELECT ${FORECAST_ERROR_FIELDS.map(identifier).join(', ')} FROM ${from} WHERE ${conditions.join(' AND ')} GROUP BY ${identifier('model')}, ${identifier('lead')}`;
}

/** The rows of buildForecastErrorSelect as points; a null ape_pct (near-zero actual) stays undefined. */
export function toForecastErrorPoints(series: InfluxSeries[], q: Pick<ForecastHistoryQuery, 'site' | 'feeder' | 'target'>): ForecastErrorPoint[] {
  const points: ForecastErrorPoint[] = [];
  for (const s of series) {
    const col = (name: string) => s.columns.indexOf(name);
    for (const row of s.values ?? []) {
      const num = (name: string): number | undefined => {
        const v = row[col(name)];
        return v === null || v === undefined ? undefined : Number(v);
      };
      const [timeMs, actualKw, p50Kw, errorKw, absErrorKw, inBand, pinballKw, issuedAtMs, apePct] = [
        'time',
        'actual_kw',
        'p50_kw',
        'error_kw',
        'abs_error_kw',
        'in_band',
        'pinball_kw',
        'issued_at_ms',
        'ape_pct',
      ].map(num);
      if (timeMs === undefined || actualKw === undefined || p50Kw === undefined || errorKw === undefined || absErrorKw === undefined) continue;
      if (inBand === undefined || pinballKw === undefined || issuedAtMs === undefined) continue;
      points.push({
        site: q.site,
        feeder: q.feeder,
        target: q.target,
        model: s.tags?.model ?? '',
        issuedAtMs,
        timeMs,
        actualKw,
        p50Kw,
        errorKw,
        absErrorKw,
        ...(apePct === undefined ? {} : { apePct }),
        inBand: inBand === 1 ? 1 : 0,
        pinballKw,
      });
    }
  }
  return points;
}

/** One lock's lease (SELECT of toLockLine's point). */
export function buildLockSelect(name: string, from: string, atMs: number): string {
  return (
    `SELECT ${identifier('holder')}, ${identifier('expires_at_ms')} FROM ${from} ` +
    `WHERE ${identifier('name')} = ${stringLiteral(name)} AND time >= ${atMs}ms AND time <= ${atMs}ms`
  );
}

export function toLease(series: InfluxSeries[]): { holder: string; expiresAtMs: number } | undefined {
  const s = series[0];
  const row = s?.values?.[0];
  if (!s || !row) return undefined;
  const holder = row[s.columns.indexOf('holder')];
  const expires = row[s.columns.indexOf('expires_at_ms')];
  if (typeof holder !== 'string' || expires === null || expires === undefined) return undefined;
  return { holder, expiresAtMs: Number(expires) };
}

/** The JSON InfluxDB answers on /query (1.x, 2.x compat, 3.x v1 API). */
export interface InfluxQueryResponse {
  results?: { statement_id?: number; error?: string; series?: InfluxSeries[] }[];
  error?: string;
}
interface InfluxSeries {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values?: unknown[][];
}

export function firstStatementSeries(body: InfluxQueryResponse): InfluxSeries[] {
  const result = body.results?.[0];
  if (body.error) throw new Error(body.error);
  if (result?.error) throw new Error(result.error);
  return result?.series ?? [];
}

export function toTelemetrySeries(series: InfluxSeries[], groupBy: readonly TagName[] = []): TelemetrySeries[] {
  const out = series.map((s) => {
    const tags: Partial<Record<TagName, string>> = {};
    for (const t of groupBy) tags[t] = s.tags?.[t] ?? '';
    const points = (s.values ?? [])
      .filter((row) => row[1] !== null && row[1] !== undefined)
      .map((row) => ({ timeMs: Number(row[0]), value: Number(row[1]) }));
    return { tags, points };
  });
  // Same series order in every store: by tag value, tags taken in TAG_NAMES order.
  const order = TAG_NAMES.filter((t) => groupBy.includes(t));
  return out.filter((s) => s.points.length > 0).sort((a, b) => compareTags(a.tags, b.tags, order));
}

function compareTags(a: Partial<Record<TagName, string>>, b: Partial<Record<TagName, string>>, keys: readonly TagName[]): number {
  for (const k of keys) {
    // Plain code-unit order, as DuckDB's ORDER BY on VARCHAR.
    const x = a[k] ?? '';
    const y = b[k] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Parses `SHOW SERIES` keys such as `telemetry,feeder=f1,kind=load,meter=m\,1,site=s`. */
export function parseSeriesKeys(series: InfluxSeries[]): SeriesKey[] {
  const keys: SeriesKey[] = [];
  for (const s of series) {
    for (const row of s.values ?? []) {
      const tags = parseSeriesKey(String(row[0]));
      if (tags.site && tags.feeder && tags.meter && tags.kind) {
        keys.push({ site: tags.site, feeder: tags.feeder, meter: tags.meter, kind: tags.kind as SeriesKey['kind'] });
      }
    }
  }
  return keys.sort((a, b) => compareTags(a, b, ['site', 'feeder', 'meter', 'kind']));
}

function parseSeriesKey(key: string): Record<string, string> {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < key.length; i++) {
    const c = key[i]!;
    if (c === '\\' && i + 1 < key.length) {
      current += key[++i];
    } else if (c === ',') {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  // Values were unescaped above; '=' inside a tag value was escaped too, so split on the first '='.
  return Object.fromEntries(parts.slice(1).map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
}

/** The latest plan of a site issued at or before asOfMs (time is the issue time). Assumes validateDispatchQuery passed. */
export function buildDispatchPlanSelect(q: DispatchPlanQuery, from: string): string {
  const conditions = [`${identifier('site')} = ${stringLiteral(q.site)}`, ...(q.asOfMs === undefined ? [] : [`time <= ${q.asOfMs}ms`])];
  return `SELECT ${identifier('plan_gz')} FROM ${from} WHERE ${conditions.join(' AND ')} ORDER BY time DESC LIMIT 1`;
}

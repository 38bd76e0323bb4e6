import { TAG_NAMES, TELEMETRY_FIELDS, type SeriesKey, type TagName, type TelemetryPoint } from '../../contract/index.js';
import { identifier, stringLiteral, type InfluxQueryResponse, type InfluxSeries } from '../engines/influx/query.js';
import type { SeriesLastSeen, TelemetryQuery, TelemetryReadQuery, TelemetrySeries } from './store.js';

/** Telemetry's InfluxQL statements and result parsing, pure (escaping in engines/influx/query.ts). */

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

/** Every field of the raw points in the range, one series per tag set. Assumes validateReadQuery(q) passed. */
export function buildPointsSelect(q: TelemetryReadQuery, from: string): string {
  const conditions = [`time >= ${q.fromMs}ms`, `time < ${q.toMs}ms`, ...tagConditions(q.where)];
  return `SELECT ${TELEMETRY_FIELDS.map(identifier).join(', ')} FROM ${from} WHERE ${conditions.join(' AND ')} GROUP BY ${TAG_NAMES.map(identifier).join(', ')}`;
}

/** The answer to buildPointsSelect as points, sorted by time, then site, feeder, meter, kind (DuckDB's order). */
export function toTelemetryPoints(series: readonly InfluxSeries[]): TelemetryPoint[] {
  const points: TelemetryPoint[] = [];
  for (const s of series) {
    const t = s.tags ?? {};
    if (!t.site || !t.feeder || !t.meter || !t.kind) continue;
    const columns = s.columns;
    for (const row of s.values ?? []) {
      const fields: TelemetryPoint['fields'] = {};
      columns.forEach((c, i) => {
        const v = row[i];
        if (i > 0 && (TELEMETRY_FIELDS as readonly string[]).includes(c) && v !== null && v !== undefined) fields[c as keyof TelemetryPoint['fields']] = Number(v);
      });
      if (Object.keys(fields).length > 0) points.push({ site: t.site, feeder: t.feeder, meter: t.meter, kind: t.kind as SeriesKey['kind'], timeMs: Number(row[0]), fields });
    }
  }
  return points.sort((a, b) => a.timeMs - b.timeMs || compareTags(a, b, TAG_NAMES));
}

/**
 * One `SELECT last(<field>) … GROUP BY` every tag per telemetry field, each its own request: a single
 * selector returns the point's own time (last(*) would not), and InfluxDB 3 takes neither `;`-separated
 * statements nor SHOW SERIES, so these also serve listSeries. See parseLastSeen.
 */
export function buildLastSeenSelects(from: string, where?: Partial<Record<TagName, string>>): string[] {
  const conditions = tagConditions(where);
  const filter = conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';
  return TELEMETRY_FIELDS.map((f) => `SELECT last(${identifier(f)}) FROM ${from}${filter} GROUP BY ${TAG_NAMES.map(identifier).join(', ')}`);
}

/** The latest time per series over the answers to every buildLastSeenSelects statement, sorted by site, feeder, meter, kind. */
export function parseLastSeen(bodies: readonly InfluxQueryResponse[]): SeriesLastSeen[] {
  const latest = new Map<string, SeriesLastSeen>();
  for (const body of bodies) {
    if (body.error) throw new Error(body.error);
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
  }
  return [...latest.values()].sort((a, b) => compareTags(a, b, ['site', 'feeder', 'meter', 'kind']));
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

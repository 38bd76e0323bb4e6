import type { DuckDBValue } from '@duckdb/node-api';
import { InvalidQueryError, StoreRejectedError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { TAG_NAMES, TELEMETRY_FIELDS, TELEMETRY_MEASUREMENT, type ReadingKind, type SeriesKey, type TagName, type TelemetryPoint } from '../../contract/index.js';
import { toNumber, toTimestamp, type DuckDbEngine } from '../engines/duckdb.js';
import type { Aggregate, SeriesLastSeen, TelemetryQuery, TelemetryReadQuery, TelemetrySeries, TelemetryStore } from './store.js';
import { validateQuery, validateReadQuery } from './validate.js';

const TABLE = TELEMETRY_MEASUREMENT;
const STAGING = `${TABLE}_staging`;
const TAG_LIST = TAG_NAMES.join(', ');
const COLUMNS = `${TAG_LIST}, time, ${TELEMETRY_FIELDS.join(', ')}`;
const COLUMN_DEFS = [
  ...TAG_NAMES.map((t) => `${t} VARCHAR NOT NULL`),
  'time TIMESTAMP NOT NULL',
  ...TELEMETRY_FIELDS.map((f) => `${f} DOUBLE`),
].join(', ');
/** Influx-style upsert: a field absent (NULL) in the new point keeps the stored value. */
const UPSERT_SQL =
  `INSERT INTO ${TABLE} (${COLUMNS}) SELECT ${COLUMNS} FROM ${STAGING} ON CONFLICT (${TAG_LIST}, time) DO UPDATE SET ` +
  TELEMETRY_FIELDS.map((f) => `${f} = COALESCE(EXCLUDED.${f}, ${TABLE}.${f})`).join(', ');

const AGGREGATE_SQL: Record<Aggregate, (col: string) => string> = {
  mean: (c) => `avg(${c})`,
  min: (c) => `min(${c})`,
  max: (c) => `max(${c})`,
  sum: (c) => `sum(${c})`,
  count: (c) => `count(${c})`,
  last: (c) => `arg_max(${c}, time)`,
};

/**
 * Telemetry on DuckDB: one table keyed by series + time; writes emulate InfluxDB's per-field overwrite
 * with INSERT … ON CONFLICT DO UPDATE … COALESCE, and buckets use epoch-aligned integer arithmetic so both
 * engines answer the contract suite identically.
 */
export class DuckDbTelemetryStore implements TelemetryStore {
  constructor(
    private readonly db: DuckDbEngine,
    private readonly logger: Logger,
  ) {
    db.declare([`CREATE TABLE IF NOT EXISTS ${TABLE} (${COLUMN_DEFS}, PRIMARY KEY (${TAG_LIST}, time))`, `CREATE TEMP TABLE IF NOT EXISTS ${STAGING} (${COLUMN_DEFS})`]);
  }

  async writePoints(points: readonly TelemetryPoint[]): Promise<void> {
    if (points.length === 0) return;
    const rows = mergeBatch(points);
    await this.db.upsertViaStaging(STAGING, UPSERT_SQL, rows, `${rows.length} points`, (appender, p) => {
      for (const tag of TAG_NAMES) appender.appendVarchar(p[tag]);
      appender.appendTimestamp(toTimestamp(p.timeMs));
      for (const f of TELEMETRY_FIELDS) {
        const v = p.fields[f];
        if (v === undefined) appender.appendNull();
        else appender.appendDouble(v);
      }
    });
    this.logger.debug({ points: points.length, rows: rows.length }, 'duckdb write');
  }

  async queryTelemetry(q: TelemetryQuery): Promise<TelemetrySeries[]> {
    validateQuery(q);
    const groupBy = TAG_NAMES.filter((t) => q.groupBy?.includes(t));
    const params: DuckDBValue[] = [BigInt(q.bucketMs), toTimestamp(q.fromMs), toTimestamp(q.toMs)];
    const filters = [`${q.field} IS NOT NULL`, 'time >= $2', 'time < $3', ...tagFilters(q.where, params)];
    // DuckDB's // truncates toward zero; the double modulo floors, so pre-1970 buckets align too.
    const width = 'CAST($1 AS BIGINT)';
    const bucket = `(epoch_ms(time) - ((epoch_ms(time) % ${width}) + ${width}) % ${width})`;
    const tagCols = groupBy.map((t) => `${t}, `).join('');
    const sql =
      `SELECT ${tagCols}${bucket} AS bucket, ${AGGREGATE_SQL[q.aggregate](q.field)} AS value FROM ${TABLE} ` +
      `WHERE ${filters.join(' AND ')} GROUP BY ${tagCols}bucket ORDER BY ${tagCols}bucket`;
    const rows = await this.db.read(sql, params, 'query');
    const series: TelemetrySeries[] = [];
    let current: TelemetrySeries | undefined;
    let currentKey: string | undefined;
    for (const row of rows) {
      const key = JSON.stringify(groupBy.map((t) => row[t]));
      if (!current || key !== currentKey) {
        current = { tags: Object.fromEntries(groupBy.map((t) => [t, String(row[t])])), points: [] };
        currentKey = key;
        series.push(current);
      }
      current.points.push({ timeMs: toNumber(row.bucket), value: toNumber(row.value) });
    }
    return series;
  }

  async readPoints(q: TelemetryReadQuery): Promise<TelemetryPoint[]> {
    validateReadQuery(q);
    const params: DuckDBValue[] = [toTimestamp(q.fromMs), toTimestamp(q.toMs)];
    const filters = ['time >= $1', 'time < $2', ...tagFilters(q.where, params)];
    const sql =
      `SELECT ${TAG_LIST}, epoch_ms(time) AS time_ms, ${TELEMETRY_FIELDS.join(', ')} FROM ${TABLE} ` +
      `WHERE ${filters.join(' AND ')} ORDER BY time, ${TAG_LIST}`;
    const rows = await this.db.read(sql, params, 'readPoints');
    return rows.map((r) => {
      const fields: TelemetryPoint['fields'] = {};
      for (const f of TELEMETRY_FIELDS) if (r[f] !== null && r[f] !== undefined) fields[f] = toNumber(r[f]);
      return { site: String(r.site), feeder: String(r.feeder), meter: String(r.meter), kind: String(r.kind) as ReadingKind, timeMs: toNumber(r.time_ms), fields };
    });
  }

  async listSeries(where?: Partial<Record<TagName, string>>): Promise<SeriesKey[]> {
    const params: DuckDBValue[] = [];
    const filters = tagFilters(where, params);
    const sql =
      `SELECT DISTINCT ${TAG_LIST} FROM ${TABLE}${filters.length ? ` WHERE ${filters.join(' AND ')}` : ''} ` +
      `ORDER BY ${TAG_LIST}`;
    const rows = await this.db.read(sql, params, 'listSeries');
    return rows.map((r) => ({
      site: String(r.site),
      feeder: String(r.feeder),
      meter: String(r.meter),
      kind: String(r.kind) as ReadingKind,
    }));
  }

  async lastSeen(where?: Partial<Record<TagName, string>>): Promise<SeriesLastSeen[]> {
    const params: DuckDBValue[] = [];
    const filters = tagFilters(where, params);
    const sql =
      `SELECT ${TAG_LIST}, epoch_ms(max(time)) AS last_ms FROM ${TABLE}${filters.length ? ` WHERE ${filters.join(' AND ')}` : ''} ` +
      `GROUP BY ${TAG_LIST} ORDER BY ${TAG_LIST}`;
    const rows = await this.db.read(sql, params, 'lastSeen');
    return rows.map((r) => ({
      site: String(r.site),
      feeder: String(r.feeder),
      meter: String(r.meter),
      kind: String(r.kind) as ReadingKind,
      lastSeenMs: toNumber(r.last_ms),
    }));
  }

}

/** `tag = $n` for each given tag, pushing the value into `params`; tag names only from TAG_NAMES. */
function tagFilters(where: Partial<Record<TagName, string>> | undefined, params: DuckDBValue[]): string[] {
  const filters: string[] = [];
  for (const [tag, value] of Object.entries(where ?? {})) {
    if (!(TAG_NAMES as readonly string[]).includes(tag)) {
      throw new InvalidQueryError(`tag '${tag}' is unknown; allowed: ${TAG_NAMES.join(', ')}`);
    }
    if (value === undefined) continue;
    params.push(String(value));
    filters.push(`${tag} = $${params.length}`);
  }
  return filters;
}

/**
 * Checks the batch and folds points with the same series + time into one (later fields win per
 * field), because ON CONFLICT DO UPDATE may not touch the same row twice in one statement.
 */
function mergeBatch(points: readonly TelemetryPoint[]): TelemetryPoint[] {
  const merged = new Map<string, TelemetryPoint>();
  for (const p of points) {
    if (!Number.isSafeInteger(p.timeMs)) {
      throw new StoreRejectedError(`point ${p.site}/${p.feeder}/${p.meter}/${p.kind} has invalid timeMs ${p.timeMs}`);
    }
    const fields: TelemetryPoint['fields'] = {};
    for (const f of TELEMETRY_FIELDS) {
      const v = p.fields[f];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new StoreRejectedError(`point ${p.site}/${p.meter} at ${p.timeMs}: field ${f} is not a finite number`);
      }
      fields[f] = v;
    }
    if (Object.keys(fields).length === 0) {
      throw new StoreRejectedError(`point ${p.site}/${p.meter} at ${p.timeMs} has no known fields`);
    }
    const key = JSON.stringify([p.site, p.feeder, p.meter, p.kind, p.timeMs]);
    const prev = merged.get(key);
    const { site, feeder, meter, kind, timeMs } = p;
    merged.set(key, { site, feeder, meter, kind, timeMs, fields: { ...prev?.fields, ...fields } });
  }
  return [...merged.values()];
}

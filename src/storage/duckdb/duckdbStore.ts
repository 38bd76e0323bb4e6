import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBConnection, DuckDBInstance, DuckDBTimestampValue, type DuckDBValue } from '@duckdb/node-api';
import { errorMessage, InvalidQueryError, StoreRejectedError, StoreUnavailableError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { validateQuery } from '../validateQuery.js';
import {
  TAG_NAMES,
  TELEMETRY_FIELDS,
  TELEMETRY_MEASUREMENT,
  type Aggregate,
  type ReadingKind,
  type SeriesKey,
  type StoreHealth,
  type TagName,
  type TelemetryPoint,
  type TelemetryQuery,
  type TelemetrySeries,
  type TelemetryStore,
} from '../types.js';

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

const toTimestamp = (ms: number): DuckDBTimestampValue => new DuckDBTimestampValue(BigInt(ms) * 1000n);
/** BIGINT/HUGEINT come back as bigint, DOUBLE as number. */
const toNumber = (v: DuckDBValue | undefined): number => Number(v);

/**
 * TelemetryStore on an embedded DuckDB file (or ':memory:'), for sites without an InfluxDB server.
 * One table keyed by series + time; writes emulate InfluxDB's per-field overwrite with
 * INSERT … ON CONFLICT DO UPDATE … COALESCE, and buckets use epoch-aligned integer arithmetic so
 * both engines answer the contract suite identically. A single connection is used, so every
 * operation runs through one promise-chain mutex (no interleaving with an open write transaction).
 */
export class DuckDbTelemetryStore implements TelemetryStore {
  readonly engine = 'duckdb' as const;
  private instance: DuckDBInstance | undefined;
  private connection: DuckDBConnection | undefined;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly options: { path: string },
    private readonly logger: Logger,
  ) {}

  async init(): Promise<void> {
    await this.exclusive(async () => {
      if (this.closed) throw new StoreUnavailableError('DuckDB store is closed');
      if (this.connection) return;
      const { path } = this.options;
      try {
        if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
        this.instance = await DuckDBInstance.create(path);
        this.connection = await this.instance.connect();
        await this.connection.run(`CREATE TABLE IF NOT EXISTS ${TABLE} (${COLUMN_DEFS}, PRIMARY KEY (${TAG_LIST}, time))`);
        await this.connection.run(`CREATE TEMP TABLE IF NOT EXISTS ${STAGING} (${COLUMN_DEFS})`);
      } catch (err) {
        this.release();
        throw new StoreUnavailableError(`DuckDB init failed for '${path}': ${errorMessage(err)}`, err);
      }
      this.logger.info({ path }, 'duckdb store ready');
    });
  }

  async writePoints(points: readonly TelemetryPoint[]): Promise<void> {
    if (points.length === 0) return;
    const rows = mergeBatch(points);
    await this.exclusive(async () => {
      const conn = this.requireConnection();
      try {
        await conn.run('BEGIN TRANSACTION');
        const appender = await conn.createAppender(STAGING);
        try {
          for (const p of rows) {
            for (const tag of TAG_NAMES) appender.appendVarchar(p[tag]);
            appender.appendTimestamp(toTimestamp(p.timeMs));
            for (const f of TELEMETRY_FIELDS) {
              const v = p.fields[f];
              if (v === undefined) appender.appendNull();
              else appender.appendDouble(v);
            }
            appender.endRow();
          }
        } finally {
          appender.closeSync();
        }
        await conn.run(UPSERT_SQL);
        await conn.run(`DELETE FROM ${STAGING}`);
        await conn.run('COMMIT');
      } catch (err) {
        await conn.run('ROLLBACK').catch(() => undefined);
        await conn.run(`DELETE FROM ${STAGING}`).catch(() => undefined);
        throw new StoreUnavailableError(`DuckDB write of ${rows.length} points failed: ${errorMessage(err)}`, err);
      }
      this.logger.debug({ points: points.length, rows: rows.length }, 'duckdb write');
    });
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
    const rows = await this.read(sql, params, 'query');
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

  async listSeries(where?: Partial<Record<TagName, string>>): Promise<SeriesKey[]> {
    const params: DuckDBValue[] = [];
    const filters = tagFilters(where, params);
    const sql =
      `SELECT DISTINCT ${TAG_LIST} FROM ${TABLE}${filters.length ? ` WHERE ${filters.join(' AND ')}` : ''} ` +
      `ORDER BY ${TAG_LIST}`;
    const rows = await this.read(sql, params, 'listSeries');
    return rows.map((r) => ({
      site: String(r.site),
      feeder: String(r.feeder),
      meter: String(r.meter),
      kind: String(r.kind) as ReadingKind,
    }));
  }

  async health(): Promise<StoreHealth> {
    try {
      const rows = await this.read('SELECT version() AS version', [], 'health');
      return { ok: true, engine: 'duckdb', version: String(rows[0]?.version) };
    } catch (err) {
      return { ok: false, engine: 'duckdb', error: errorMessage(err) };
    }
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {
      if (this.closed) return;
      this.closed = true;
      this.release();
      this.logger.info({ path: this.options.path }, 'duckdb store closed');
    });
  }

  private release(): void {
    this.connection?.closeSync();
    this.instance?.closeSync();
    this.connection = undefined;
    this.instance = undefined;
  }

  private requireConnection(): DuckDBConnection {
    if (!this.connection) {
      throw new StoreUnavailableError(this.closed ? 'DuckDB store is closed' : 'DuckDB store not initialised: call init()');
    }
    return this.connection;
  }

  private async read(sql: string, params: DuckDBValue[], what: string): Promise<Record<string, DuckDBValue>[]> {
    return this.exclusive(async () => {
      const conn = this.requireConnection();
      try {
        return (await conn.runAndReadAll(sql, params)).getRowObjects();
      } catch (err) {
        throw new StoreUnavailableError(`DuckDB ${what} failed: ${errorMessage(err)}`, err);
      }
    });
  }

  /** Runs `task` after every earlier task has settled: the one connection is never shared. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
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

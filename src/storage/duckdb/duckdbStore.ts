import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBConnection, DuckDBInstance, DuckDBTimestampValue, type DuckDBAppender, type DuckDBValue } from '@duckdb/node-api';
import { errorMessage, InvalidQueryError, StoreRejectedError, StoreUnavailableError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { validateQuery } from '../validateQuery.js';
import { validateForecastErrorPoints, validateForecastPoints, validateForecastQuery, validateLockArgs } from '../forecasts.js';
import { validateDispatchPlan, validateDispatchQuery } from '../dispatch.js';
import { validateIngestStats } from '../ingestStats.js';
import {
  DISPATCH_MEASUREMENT,
  DISPATCH_PLAN_MEASUREMENT,
  FORECAST_ERROR_MEASUREMENT,
  FORECAST_MEASUREMENT,
  INGEST_STATS_MEASUREMENT,
  TAG_NAMES,
  TELEMETRY_FIELDS,
  TELEMETRY_MEASUREMENT,
  type Aggregate,
  type DispatchPlanQuery,
  type StoredDispatchPlan,
  type ForecastErrorPoint,
  type ForecastHistoryQuery,
  type ForecastPoint,
  type ForecastQuery,
  type IngestStatsPoint,
  type ReadingKind,
  type SeriesKey,
  type SeriesLastSeen,
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

/**
 * Forecasts: the same names as InfluxDB's `forecast` measurement. Key: site, feeder, target, lead, time
 * (a re-issue with the same lead overwrites, as in InfluxDB); model is a plain column, so here a second
 * model for the same key replaces the first, where InfluxDB keeps both and readForecasts picks the
 * latest issued_at_ms either way.
 */
const FORECAST_TABLE = FORECAST_MEASUREMENT;
const FORECAST_STAGING = `${FORECAST_TABLE}_staging`;
const FORECAST_KEY = 'site, feeder, target, lead, time';
const FORECAST_VALUES = ['model', 'p10_kw', 'p50_kw', 'p90_kw', 'issued_at_ms'];
const FORECAST_COLUMNS = `${FORECAST_KEY}, ${FORECAST_VALUES.join(', ')}`;
const FORECAST_COLUMN_DEFS =
  'site VARCHAR NOT NULL, feeder VARCHAR NOT NULL, target VARCHAR NOT NULL, lead INTEGER NOT NULL, time TIMESTAMP NOT NULL, ' +
  'model VARCHAR NOT NULL, p10_kw DOUBLE NOT NULL, p50_kw DOUBLE NOT NULL, p90_kw DOUBLE NOT NULL, issued_at_ms BIGINT NOT NULL';
const FORECAST_UPSERT_SQL =
  `INSERT INTO ${FORECAST_TABLE} (${FORECAST_COLUMNS}) SELECT ${FORECAST_COLUMNS} FROM ${FORECAST_STAGING} ` +
  `ON CONFLICT (${FORECAST_KEY}) DO UPDATE SET ${FORECAST_VALUES.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`;

/**
 * Forecast scores: the same names as InfluxDB's `forecast_error` measurement, keyed like its series
 * (site, feeder, target, model, lead) + time, so a re-score overwrites. `ape_pct` is NULL for a near-zero
 * actual, and a NULL never replaces a stored value: the same per-field rule as InfluxDB, where a field left
 * out of a write keeps the old one.
 */
const FORECAST_ERROR_TABLE = FORECAST_ERROR_MEASUREMENT;
const FORECAST_ERROR_STAGING = `${FORECAST_ERROR_TABLE}_staging`;
const FORECAST_ERROR_KEY = 'site, feeder, target, model, lead, time';
const FORECAST_ERROR_VALUES = ['actual_kw', 'p50_kw', 'error_kw', 'abs_error_kw', 'ape_pct', 'in_band', 'pinball_kw', 'issued_at_ms'];
const FORECAST_ERROR_COLUMNS = `${FORECAST_ERROR_KEY}, ${FORECAST_ERROR_VALUES.join(', ')}`;
const FORECAST_ERROR_COLUMN_DEFS =
  'site VARCHAR NOT NULL, feeder VARCHAR NOT NULL, target VARCHAR NOT NULL, model VARCHAR NOT NULL, lead INTEGER NOT NULL, time TIMESTAMP NOT NULL, ' +
  'actual_kw DOUBLE NOT NULL, p50_kw DOUBLE NOT NULL, error_kw DOUBLE NOT NULL, abs_error_kw DOUBLE NOT NULL, ape_pct DOUBLE, ' +
  'in_band DOUBLE NOT NULL, pinball_kw DOUBLE NOT NULL, issued_at_ms BIGINT NOT NULL';
const FORECAST_ERROR_UPSERT_SQL =
  `INSERT INTO ${FORECAST_ERROR_TABLE} (${FORECAST_ERROR_COLUMNS}) SELECT ${FORECAST_ERROR_COLUMNS} FROM ${FORECAST_ERROR_STAGING} ` +
  `ON CONFLICT (${FORECAST_ERROR_KEY}) DO UPDATE SET ` +
  FORECAST_ERROR_VALUES.map((c) => (c === 'ape_pct' ? `${c} = COALESCE(EXCLUDED.${c}, ${FORECAST_ERROR_TABLE}.${c})` : `${c} = EXCLUDED.${c}`)).join(', ');

/**
 * Dispatch: `dispatch` rows keyed like InfluxDB's series (site, asset, lead, time), the step's fields as
 * a JSON object (their names vary with the assets); `dispatch_plan` holds each plan's document.
 */
const DISPATCH_TABLE = DISPATCH_MEASUREMENT;
/** Ingest statistics: one row per ingester and sample time, the fields as JSON (their names depend on the reject reasons). */
const INGEST_STATS_TABLE = INGEST_STATS_MEASUREMENT;
const DISPATCH_PLAN_TABLE = DISPATCH_PLAN_MEASUREMENT;
const DISPATCH_ROWS_PER_INSERT = 500;

/**
 * Locks: one row per name. The upsert only takes over a row that is expired ($4 = now) or already ours,
 * and RETURNING yields a row exactly when the lease is now ours, all in one statement on the one
 * connection that owns the file.
 */
const LOCK_TABLE = 'lock';
const LOCK_UPSERT_SQL =
  `INSERT INTO ${LOCK_TABLE} (name, holder, expires_at_ms) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE ` +
  `SET holder = EXCLUDED.holder, expires_at_ms = EXCLUDED.expires_at_ms ` +
  `WHERE ${LOCK_TABLE}.holder = EXCLUDED.holder OR ${LOCK_TABLE}.expires_at_ms <= $4 RETURNING holder`;

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
        await this.connection.run(`CREATE TABLE IF NOT EXISTS ${FORECAST_TABLE} (${FORECAST_COLUMN_DEFS}, PRIMARY KEY (${FORECAST_KEY}))`);
        await this.connection.run(`CREATE TEMP TABLE IF NOT EXISTS ${FORECAST_STAGING} (${FORECAST_COLUMN_DEFS})`);
        await this.connection.run(`CREATE TABLE IF NOT EXISTS ${FORECAST_ERROR_TABLE} (${FORECAST_ERROR_COLUMN_DEFS}, PRIMARY KEY (${FORECAST_ERROR_KEY}))`);
        await this.connection.run(`CREATE TEMP TABLE IF NOT EXISTS ${FORECAST_ERROR_STAGING} (${FORECAST_ERROR_COLUMN_DEFS})`);
        await this.connection.run(
          `CREATE TABLE IF NOT EXISTS ${DISPATCH_TABLE} (site VARCHAR NOT NULL, asset VARCHAR NOT NULL, lead INTEGER NOT NULL, time TIMESTAMP NOT NULL, ` +
            `issued_at_ms BIGINT NOT NULL, fields_json VARCHAR NOT NULL, PRIMARY KEY (site, asset, lead, time))`,
        );
        await this.connection.run(
          `CREATE TABLE IF NOT EXISTS ${DISPATCH_PLAN_TABLE} (site VARCHAR NOT NULL, issued_at_ms BIGINT NOT NULL, plan_json VARCHAR NOT NULL, PRIMARY KEY (site, issued_at_ms))`,
        );
        await this.connection.run(
          `CREATE TABLE IF NOT EXISTS ${INGEST_STATS_TABLE} (ingester VARCHAR NOT NULL, time TIMESTAMP NOT NULL, fields_json VARCHAR NOT NULL, PRIMARY KEY (ingester, time))`,
        );
        await this.connection.run(
          `CREATE TABLE IF NOT EXISTS ${LOCK_TABLE} (name VARCHAR PRIMARY KEY, holder VARCHAR NOT NULL, expires_at_ms BIGINT NOT NULL)`,
        );
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
    await this.upsertViaStaging(STAGING, UPSERT_SQL, rows, `${rows.length} points`, (appender, p) => {
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

  async writeForecasts(points: readonly ForecastPoint[]): Promise<void> {
    if (points.length === 0) return;
    const leads = validateForecastPoints(points);
    // ON CONFLICT DO UPDATE may not touch one row twice in a statement: the last point per key wins, as in InfluxDB.
    const rows = new Map<string, { p: ForecastPoint; lead: number }>();
    points.forEach((p, i) => rows.set(JSON.stringify([p.site, p.feeder, p.target, leads[i], p.timeMs]), { p, lead: leads[i]! }));
    await this.upsertViaStaging(FORECAST_STAGING, FORECAST_UPSERT_SQL, [...rows.values()], `${rows.size} forecast points`, (appender, { p, lead }) => {
      appender.appendVarchar(p.site);
      appender.appendVarchar(p.feeder);
      appender.appendVarchar(p.target);
      appender.appendInteger(lead);
      appender.appendTimestamp(toTimestamp(p.timeMs));
      appender.appendVarchar(p.model);
      appender.appendDouble(p.p10Kw);
      appender.appendDouble(p.p50Kw);
      appender.appendDouble(p.p90Kw);
      appender.appendBigInt(BigInt(p.issuedAtMs));
    });
  }

  /** Latest issue at or before asOfMs per target time, in SQL; ties go to the model that sorts first, as latestPerTime(). */
  async readForecasts(q: ForecastQuery): Promise<ForecastPoint[]> {
    validateForecastQuery(q);
    const params: DuckDBValue[] = [q.site, q.feeder, q.target, toTimestamp(q.fromMs), toTimestamp(q.toMs)];
    const filters = ['site = $1', 'feeder = $2', 'target = $3', 'time >= $4', 'time < $5'];
    if (q.asOfMs !== undefined) {
      params.push(BigInt(q.asOfMs));
      filters.push(`issued_at_ms <= $${params.length}`);
    }
    const sql =
      `SELECT model, issued_at_ms, epoch_ms(time) AS time_ms, p10_kw, p50_kw, p90_kw FROM ${FORECAST_TABLE} ` +
      `WHERE ${filters.join(' AND ')} QUALIFY row_number() OVER (PARTITION BY time ORDER BY issued_at_ms DESC, model ASC) = 1 ` +
      `ORDER BY time`;
    const rows = await this.read(sql, params, 'readForecasts');
    return rows.map((r) => toForecastPoint(r, q));
  }

  /** Every model and lead in the range: no reduction (the key already allows one model per lead and time). */
  async readForecastHistory(q: ForecastHistoryQuery): Promise<ForecastPoint[]> {
    validateForecastQuery(q);
    const sql =
      `SELECT model, issued_at_ms, epoch_ms(time) AS time_ms, p10_kw, p50_kw, p90_kw FROM ${FORECAST_TABLE} ` +
      `WHERE site = $1 AND feeder = $2 AND target = $3 AND time >= $4 AND time < $5 ORDER BY time, issued_at_ms, model`;
    const rows = await this.read(sql, [q.site, q.feeder, q.target, toTimestamp(q.fromMs), toTimestamp(q.toMs)], 'readForecastHistory');
    return rows.map((r) => toForecastPoint(r, q));
  }

  /** Appended to a staging table (values never enter the SQL text) and upserted in one transaction, as forecasts are. */
  async writeForecastErrors(points: readonly ForecastErrorPoint[]): Promise<void> {
    if (points.length === 0) return;
    const leads = validateForecastErrorPoints(points);
    // ON CONFLICT DO UPDATE may not touch one row twice in a statement: the last point per key wins, as in InfluxDB.
    const rows = new Map<string, { p: ForecastErrorPoint; lead: number }>();
    points.forEach((p, i) => rows.set(JSON.stringify([p.site, p.feeder, p.target, p.model, leads[i], p.timeMs]), { p, lead: leads[i]! }));
    await this.upsertViaStaging(FORECAST_ERROR_STAGING, FORECAST_ERROR_UPSERT_SQL, [...rows.values()], `${rows.size} forecast error points`, (appender, { p, lead }) => {
      appender.appendVarchar(p.site);
      appender.appendVarchar(p.feeder);
      appender.appendVarchar(p.target);
      appender.appendVarchar(p.model);
      appender.appendInteger(lead);
      appender.appendTimestamp(toTimestamp(p.timeMs));
      appender.appendDouble(p.actualKw);
      appender.appendDouble(p.p50Kw);
      appender.appendDouble(p.errorKw);
      appender.appendDouble(p.absErrorKw);
      if (p.apePct === undefined) appender.appendNull();
      else appender.appendDouble(p.apePct);
      appender.appendDouble(p.inBand);
      appender.appendDouble(p.pinballKw);
      appender.appendBigInt(BigInt(p.issuedAtMs));
    });
  }

  async readForecastErrors(q: ForecastHistoryQuery): Promise<ForecastErrorPoint[]> {
    validateForecastQuery(q);
    const sql =
      `SELECT model, issued_at_ms, epoch_ms(time) AS time_ms, ${FORECAST_ERROR_VALUES.filter((c) => c !== 'issued_at_ms').join(', ')} FROM ${FORECAST_ERROR_TABLE} ` +
      `WHERE site = $1 AND feeder = $2 AND target = $3 AND time >= $4 AND time < $5 ORDER BY time, issued_at_ms, model`;
    const rows = await this.read(sql, [q.site, q.feeder, q.target, toTimestamp(q.fromMs), toTimestamp(q.toMs)], 'readForecastErrors');
    return rows.map((r) => ({
      site: q.site,
      feeder: q.feeder,
      target: q.target,
      model: String(r.model),
      issuedAtMs: toNumber(r.issued_at_ms),
      timeMs: toNumber(r.time_ms),
      actualKw: toNumber(r.actual_kw),
      p50Kw: toNumber(r.p50_kw),
      errorKw: toNumber(r.error_kw),
      absErrorKw: toNumber(r.abs_error_kw),
      ...(r.ape_pct === null ? {} : { apePct: toNumber(r.ape_pct) }),
      inBand: toNumber(r.in_band) === 1 ? 1 : 0,
      pinballKw: toNumber(r.pinball_kw),
    }));
  }

  /** Steps and document in one transaction; a re-run at the same issue time overwrites. */
  async writeDispatchPlan(plan: StoredDispatchPlan): Promise<void> {
    const leads = validateDispatchPlan(plan);
    const rows = new Map<string, DuckDBValue[]>();
    plan.steps.forEach((p, i) => {
      rows.set(JSON.stringify([p.asset, leads[i], p.timeMs]), [p.site, p.asset, leads[i]!, toTimestamp(p.timeMs), BigInt(p.issuedAtMs), JSON.stringify(p.fields)]);
    });
    const all = [...rows.values()];
    await this.exclusive(async () => {
      const conn = this.requireConnection();
      try {
        await conn.run('BEGIN TRANSACTION');
        for (let i = 0; i < all.length; i += DISPATCH_ROWS_PER_INSERT) {
          const chunk = all.slice(i, i + DISPATCH_ROWS_PER_INSERT);
          const values = chunk.map((_, r) => `(${[1, 2, 3, 4, 5, 6].map((c) => `$${r * 6 + c}`).join(', ')})`).join(', ');
          await conn.run(
            `INSERT INTO ${DISPATCH_TABLE} (site, asset, lead, time, issued_at_ms, fields_json) VALUES ${values} ` +
              `ON CONFLICT (site, asset, lead, time) DO UPDATE SET issued_at_ms = EXCLUDED.issued_at_ms, fields_json = EXCLUDED.fields_json`,
            chunk.flat(),
          );
        }
        await conn.run(
          `INSERT INTO ${DISPATCH_PLAN_TABLE} (site, issued_at_ms, plan_json) VALUES ($1, $2, $3) ON CONFLICT (site, issued_at_ms) DO UPDATE SET plan_json = EXCLUDED.plan_json`,
          [plan.site, BigInt(plan.issuedAtMs), plan.planJson],
        );
        await conn.run('COMMIT');
      } catch (err) {
        await conn.run('ROLLBACK').catch(() => undefined);
        throw new StoreUnavailableError(`DuckDB write of dispatch plan for ${plan.site} failed: ${errorMessage(err)}`, err);
      }
    });
  }

  async readDispatchPlan(q: DispatchPlanQuery): Promise<{ site: string; issuedAtMs: number; planJson: string } | undefined> {
    validateDispatchQuery(q);
    const params: DuckDBValue[] = [q.site];
    if (q.asOfMs !== undefined) params.push(BigInt(q.asOfMs));
    const rows = await this.read(
      `SELECT issued_at_ms, plan_json FROM ${DISPATCH_PLAN_TABLE} WHERE site = $1${q.asOfMs !== undefined ? ' AND issued_at_ms <= $2' : ''} ORDER BY issued_at_ms DESC LIMIT 1`,
      params,
      'readDispatchPlan',
    );
    const row = rows[0];
    return row ? { site: q.site, issuedAtMs: toNumber(row.issued_at_ms), planJson: String(row.plan_json) } : undefined;
  }

  /** A few rows every INGEST_STATS_INTERVAL_SECONDS: one plain upsert each. */
  async writeIngestStats(points: readonly IngestStatsPoint[]): Promise<void> {
    if (points.length === 0) return;
    validateIngestStats(points);
    for (const p of points) {
      await this.read(
        `INSERT INTO ${INGEST_STATS_TABLE} (ingester, time, fields_json) VALUES ($1, $2, $3) ON CONFLICT (ingester, time) DO UPDATE SET fields_json = EXCLUDED.fields_json`,
        [p.ingester, toTimestamp(p.timeMs), JSON.stringify(p.fields)],
        'writeIngestStats',
      );
    }
  }

  async tryAcquireLock(name: string, holder: string, ttlMs: number): Promise<boolean> {
    validateLockArgs(name, holder, ttlMs);
    const now = Date.now();
    const rows = await this.read(LOCK_UPSERT_SQL, [name, holder, BigInt(now + ttlMs), BigInt(now)], 'tryAcquireLock');
    return rows.length === 1 && rows[0]!.holder === holder;
  }

  async releaseLock(name: string, holder: string): Promise<void> {
    validateLockArgs(name, holder);
    await this.read(`DELETE FROM ${LOCK_TABLE} WHERE name = $1 AND holder = $2`, [name, holder], 'releaseLock');
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

  async lastSeen(where?: Partial<Record<TagName, string>>): Promise<SeriesLastSeen[]> {
    const params: DuckDBValue[] = [];
    const filters = tagFilters(where, params);
    const sql =
      `SELECT ${TAG_LIST}, epoch_ms(max(time)) AS last_ms FROM ${TABLE}${filters.length ? ` WHERE ${filters.join(' AND ')}` : ''} ` +
      `GROUP BY ${TAG_LIST} ORDER BY ${TAG_LIST}`;
    const rows = await this.read(sql, params, 'lastSeen');
    return rows.map((r) => ({
      site: String(r.site),
      feeder: String(r.feeder),
      meter: String(r.meter),
      kind: String(r.kind) as ReadingKind,
      lastSeenMs: toNumber(r.last_ms),
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

  /**
   * The one bulk write path: rows appended to a temp staging table (values never enter the SQL text), then
   * one upsert into the real table, in a transaction; on failure nothing is kept and staging is emptied.
   */
  private async upsertViaStaging<T>(staging: string, upsertSql: string, rows: readonly T[], what: string, append: (appender: DuckDBAppender, row: T) => void): Promise<void> {
    await this.exclusive(async () => {
      const conn = this.requireConnection();
      try {
        await conn.run('BEGIN TRANSACTION');
        const appender = await conn.createAppender(staging);
        try {
          for (const row of rows) {
            append(appender, row);
            appender.endRow();
          }
        } finally {
          appender.closeSync();
        }
        await conn.run(upsertSql);
        await conn.run(`DELETE FROM ${staging}`);
        await conn.run('COMMIT');
      } catch (err) {
        await conn.run('ROLLBACK').catch(() => undefined);
        await conn.run(`DELETE FROM ${staging}`).catch(() => undefined);
        throw new StoreUnavailableError(`DuckDB write of ${what} failed: ${errorMessage(err)}`, err);
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

/** A row of a forecast SELECT (model, issued_at_ms, time_ms, p10/p50/p90_kw) of the queried series. */
function toForecastPoint(r: Record<string, DuckDBValue>, q: Pick<ForecastQuery, 'site' | 'feeder' | 'target'>): ForecastPoint {
  return {
    site: q.site,
    feeder: q.feeder,
    target: q.target,
    model: String(r.model),
    issuedAtMs: toNumber(r.issued_at_ms),
    timeMs: toNumber(r.time_ms),
    p10Kw: toNumber(r.p10_kw),
    p50Kw: toNumber(r.p50_kw),
    p90Kw: toNumber(r.p90_kw),
  };
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

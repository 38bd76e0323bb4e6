import { HttpError, InfluxDB, setLogger, type WriteApi } from '@influxdata/influxdb-client';
import { gunzipSync } from 'node:zlib';
import type { InfluxConfig } from '../../config/index.js';
import { StoreRejectedError, StoreUnavailableError, errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { validateQuery } from '../validateQuery.js';
import { compareByTimeIssueModel, latestPerTime, validateForecastErrorPoints, validateForecastPoints, validateForecastQuery, validateLockArgs } from '../forecasts.js';
import {
  FORECAST_ERROR_MEASUREMENT,
  FORECAST_MEASUREMENT,
  DISPATCH_PLAN_MEASUREMENT,
  type DispatchPlanQuery,
  type StoredDispatchPlan,
  type ForecastErrorPoint,
  type ForecastHistoryQuery,
  type ForecastPoint,
  type ForecastQuery,
  type IngestStatsPoint,
  type SeriesKey,
  type SeriesLastSeen,
  type StoreHealth,
  type TagName,
  type TelemetryPoint,
  type TelemetryQuery,
  type TelemetrySeries,
  type TelemetryStore,
} from '../types.js';
import { InfluxHttp, parseVersion } from './http.js';
import {
  buildDispatchPlanSelect,
  buildForecastErrorSelect,
  buildForecastSelect,
  buildLastSeen,
  buildLockSelect,
  buildShowSeries,
  buildTelemetrySelect,
  firstStatementSeries,
  identifier,
  measurementRef,
  parseLastSeen,
  parseSeriesKeys,
  toForecastErrorPoints,
  toForecastPoints,
  toLease,
  toTelemetrySeries,
} from './influxql.js';
import { LOCK_MEASUREMENT, LOCK_TIME_MS, toDispatchPlanLine, toDispatchStepLine, toForecastErrorLine, toForecastLine, toIngestStatsLine, toLine, toLockLine } from './lineProtocol.js';
import { validateIngestStats } from '../ingestStats.js';
import { validateDispatchPlan, validateDispatchQuery } from '../dispatch.js';
import { withRetry } from '../../common/retry.js';

/** Largest request body the WriteApi sends at once; writePoints splits bigger batches. */
const MAX_LINES_PER_REQUEST = 20_000;
/**
 * Write requests in flight at once. Two lets InfluxDB store one batch while the next is encoded
 * (measured in bench:ingest); concurrent calls may then land in either order, which only matters for
 * two different values at the same series and time within milliseconds of each other.
 */
export const WRITES_IN_FLIGHT = 2;

export interface InfluxStoreOptions {
  /**
   * How long tryAcquireLock waits between writing its lease and reading it back (default 1,000 ms):
   * longer than any competing write takes to land, so the read-back sees the last writer.
   */
  lockSettleMs?: number;
}

/**
 * InfluxDB 1.x/2.x/3.x. Writes go through the client's WriteApi (line protocol, ms precision);
 * reads are InfluxQL on /query, the one read path all three major versions serve.
 */
export class InfluxTelemetryStore implements TelemetryStore {
  readonly engine = 'influxdb' as const;
  private readonly http: InfluxHttp;
  /** Idle write APIs; one per request that may be in flight (each has its own buffer). */
  private idleWriteApis: WriteApi[] = [];
  private allWriteApis: WriteApi[] = [];
  private waiting: ((api: WriteApi) => void)[] = [];
  private version: string | undefined;
  private initializing: Promise<void> | undefined;
  private closed = false;
  private readonly from: string;
  private readonly forecastFrom: string;
  private readonly forecastErrorFrom: string;
  private readonly dispatchPlanFrom: string;
  private readonly lockFrom: string;
  private readonly lockSettleMs: number;

  constructor(
    private readonly cfg: InfluxConfig,
    private readonly log: Logger,
    options: InfluxStoreOptions = {},
  ) {
    this.lockSettleMs = options.lockSettleMs ?? 1000;
    this.http = new InfluxHttp(cfg);
    // The client logs to the console by default; its failures surface as our own errors, so debug level is enough.
    setLogger({
      error: (message, err) => log.debug({ err: errorMessage(err) }, message),
      warn: (message, err) => log.debug({ err: errorMessage(err) }, message),
    });
    this.from = measurementRef(cfg.database, cfg.retentionPolicy);
    this.forecastFrom = measurementRef(cfg.database, cfg.retentionPolicy, FORECAST_MEASUREMENT);
    this.forecastErrorFrom = measurementRef(cfg.database, cfg.retentionPolicy, FORECAST_ERROR_MEASUREMENT);
    this.dispatchPlanFrom = measurementRef(cfg.database, cfg.retentionPolicy, DISPATCH_PLAN_MEASUREMENT);
    this.lockFrom = measurementRef(cfg.database, cfg.retentionPolicy, LOCK_MEASUREMENT);
  }

  /**
   * Idempotent, and also run by the first write or read that finds the store uninitialised, so an
   * ingester can start (and spool) while InfluxDB is still down.
   */
  init(): Promise<void> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('InfluxDB store is closed'));
    this.initializing ??= this.connect().catch((err: unknown) => {
      this.initializing = undefined;
      throw err;
    });
    return this.initializing;
  }

  private async connect(): Promise<void> {
    try {
      this.version = await this.http.ping();
    } catch (err) {
      throw new StoreUnavailableError(`InfluxDB at ${this.cfg.url} is not reachable: ${errorMessage(err)}`, err);
    }
    const v = parseVersion(this.version);
    const v1Writes = this.cfg.writeEndpoint === 'v1' || (this.cfg.writeEndpoint === 'auto' && v?.major === 1 && v.minor < 8);
    if (v?.major === 1) {
      // Idempotent on 1.x; 2.x/3.x create buckets/databases through their own APIs (docker-compose does it).
      await this.http.query(`CREATE DATABASE ${identifier(this.cfg.database)}`, { post: true }).catch((err: unknown) => {
        throw new StoreUnavailableError(`InfluxDB at ${this.cfg.url} refused CREATE DATABASE: ${errorMessage(err)}`, err);
      });
    }
    const client = new InfluxDB({ url: this.cfg.url, token: this.cfg.token, transport: this.http.writeTransport(v1Writes) });
    const bucket = this.cfg.retentionPolicy ? `${this.cfg.database}/${this.cfg.retentionPolicy}` : this.cfg.database;
    this.allWriteApis = Array.from({ length: WRITES_IN_FLIGHT }, () =>
      client.getWriteApi(this.cfg.org ?? '', bucket, 'ms', {
        // gridcast batches and calls flush() itself, so no timer and one request per flush.
        flushInterval: 0,
        batchSize: MAX_LINES_PER_REQUEST + 1,
        // No background retry buffer: failed lines are retried by withRetry() and then spooled on disk,
        // which survives a crash where the client's in-memory retry buffer would not.
        maxRetries: 0,
      }),
    );
    this.idleWriteApis = [...this.allWriteApis];
    this.log.info({ url: this.cfg.url, version: this.version ?? 'unknown', writeEndpoint: v1Writes ? '/write' : '/api/v2/write' }, 'InfluxDB store ready');
  }

  async writePoints(points: readonly TelemetryPoint[]): Promise<void> {
    if (points.length === 0) return;
    await this.writeLines(points, toLine);
  }

  /**
   * Forecasts go the same way as telemetry (WriteApi, retries). Each model is its own series (model is a
   * tag), so two models issued for the same time both stay; readForecasts resolves that by taking the
   * latest issued_at_ms across models. The same model re-issued with the same lead overwrites.
   */
  async writeForecasts(points: readonly ForecastPoint[]): Promise<void> {
    if (points.length === 0) return;
    const leads = validateForecastPoints(points);
    await this.writeLines(points, (p, i) => toForecastLine(p, leads[i]!));
  }

  /** Raw points of every model and lead in the range (issued_at_ms ≤ asOfMs in the WHERE), then latestPerTime(). */
  async readForecasts(q: ForecastQuery): Promise<ForecastPoint[]> {
    validateForecastQuery(q);
    await this.init();
    const body = await this.runQuery(buildForecastSelect(q, this.forecastFrom));
    return latestPerTime(toForecastPoints(firstStatementSeries(body), q), q.asOfMs);
  }

  /** The same raw select as readForecasts without the issue bound, and no reduction: every model and lead. */
  async readForecastHistory(q: ForecastHistoryQuery): Promise<ForecastPoint[]> {
    validateForecastQuery(q);
    await this.init();
    // Rebuilt without asOfMs: a ForecastQuery passed in here must not bring its issue bound along.
    const range = { site: q.site, feeder: q.feeder, target: q.target, fromMs: q.fromMs, toMs: q.toMs };
    const body = await this.runQuery(buildForecastSelect(range, this.forecastFrom));
    return toForecastPoints(firstStatementSeries(body), range).sort(compareByTimeIssueModel);
  }

  /**
   * Same write path as forecasts. Model and lead are tags, so each model's score at each lead is its own
   * series and a re-score overwrites it. Like every InfluxDB write, a field left out (ape_pct for a
   * near-zero actual) keeps whatever an earlier write stored there.
   */
  async writeForecastErrors(points: readonly ForecastErrorPoint[]): Promise<void> {
    if (points.length === 0) return;
    const leads = validateForecastErrorPoints(points);
    await this.writeLines(points, (p, i) => toForecastErrorLine(p, leads[i]!));
  }

  async readForecastErrors(q: ForecastHistoryQuery): Promise<ForecastErrorPoint[]> {
    validateForecastQuery(q);
    await this.init();
    const body = await this.runQuery(buildForecastErrorSelect(q, this.forecastErrorFrom));
    return toForecastErrorPoints(firstStatementSeries(body), q).sort(compareByTimeIssueModel);
  }

  /** Step points and the plan document in one write path; a re-run at the same issue time overwrites. */
  async writeDispatchPlan(plan: StoredDispatchPlan): Promise<void> {
    const leads = validateDispatchPlan(plan);
    await this.writeLines([...plan.steps.map((p, i) => toDispatchStepLine(p, leads[i]!)), toDispatchPlanLine(plan)], (line) => line);
  }

  async readDispatchPlan(q: DispatchPlanQuery): Promise<{ site: string; issuedAtMs: number; planJson: string } | undefined> {
    validateDispatchQuery(q);
    await this.init();
    const [series] = firstStatementSeries(await this.runQuery(buildDispatchPlanSelect(q, this.dispatchPlanFrom)));
    const row = series?.values?.[0];
    if (!series || !row) return undefined;
    const encoded = row[series.columns.indexOf('plan_gz')];
    if (typeof encoded !== 'string') return undefined;
    return { site: q.site, issuedAtMs: Number(row[series.columns.indexOf('time')]), planJson: gunzipSync(Buffer.from(encoded, 'base64')).toString('utf8') };
  }

  /** Same write path (and retries) as telemetry; no spool: a sample lost while the store is down is replaced by the next. */
  async writeIngestStats(points: readonly IngestStatsPoint[]): Promise<void> {
    if (points.length === 0) return;
    validateIngestStats(points);
    await this.writeLines(points, toIngestStatsLine);
  }

  /**
   * A lease on InfluxDB, which has no compare-and-set: every lease of a lock is one point at one fixed
   * timestamp (last write wins). Read the lease; if someone else holds an unexpired one, fail. Else write
   * ours, wait `lockSettleMs` and read back: we hold it only if the stored holder is us. This narrows the
   * race but can't close it: two instances that both find the lock free and write within the settle
   * window of each other's read-back can both believe they hold it. That is acceptable for what it guards
   * ("one trainer at a time": a rare duplicate run wastes work, it doesn't corrupt data) and is
   * documented in README.md (Forecast storage). Expiry uses each instance's own clock.
   */
  async tryAcquireLock(name: string, holder: string, ttlMs: number): Promise<boolean> {
    validateLockArgs(name, holder, ttlMs);
    await this.init();
    const current = await this.readLease(name);
    if (current && current.holder !== holder && current.expiresAtMs > Date.now()) return false;
    await this.writeLines([toLockLine(name, holder, Date.now() + ttlMs)], (line) => line);
    await new Promise((r) => setTimeout(r, this.lockSettleMs));
    return (await this.readLease(name))?.holder === holder;
  }

  /** Overwrites our lease with an expired one (expires_at_ms 0); someone else's lease is left alone. */
  async releaseLock(name: string, holder: string): Promise<void> {
    validateLockArgs(name, holder);
    await this.init();
    if ((await this.readLease(name))?.holder !== holder) return;
    await this.writeLines([toLockLine(name, holder, 0)], (line) => line);
  }

  private async readLease(name: string): Promise<{ holder: string; expiresAtMs: number } | undefined> {
    return toLease(firstStatementSeries(await this.runQuery(buildLockSelect(name, this.lockFrom, LOCK_TIME_MS))));
  }

  /** The one write path: items → lines, in requests of at most MAX_LINES_PER_REQUEST, each retried by withRetry. */
  private async writeLines<T>(items: readonly T[], line: (item: T, index: number) => string): Promise<void> {
    await this.init();
    // Each WriteApi has one buffer, and flush() must send exactly this batch: borrow one for the whole write.
    const api = await this.acquire();
    try {
      for (let i = 0; i < items.length; i += MAX_LINES_PER_REQUEST) {
        const lines = items.slice(i, i + MAX_LINES_PER_REQUEST).map((item, j) => line(item, i + j));
        await withRetry(
          async () => {
            api.writeRecords(lines);
            await api.flush();
          },
          (err) => classifyWriteError(err),
          this.log,
        );
      }
    } finally {
      this.release(api);
    }
  }

  private acquire(): Promise<WriteApi> {
    const api = this.idleWriteApis.pop();
    return api ? Promise.resolve(api) : new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(api: WriteApi): void {
    const next = this.waiting.shift();
    if (next) next(api);
    else this.idleWriteApis.push(api);
  }

  async queryTelemetry(q: TelemetryQuery): Promise<TelemetrySeries[]> {
    validateQuery(q);
    await this.init();
    const body = await this.runQuery(buildTelemetrySelect(q, this.from));
    return toTelemetrySeries(firstStatementSeries(body), q.groupBy);
  }

  async listSeries(where?: Partial<Record<TagName, string>>): Promise<SeriesKey[]> {
    await this.init();
    const body = await this.runQuery(buildShowSeries(this.from, where));
    return parseSeriesKeys(firstStatementSeries(body));
  }

  /** One `last(field)` statement per field in one request (a single selector returns the point's own time; last(*) would not). */
  async lastSeen(where?: Partial<Record<TagName, string>>): Promise<SeriesLastSeen[]> {
    await this.init();
    return parseLastSeen(await this.runQuery(buildLastSeen(this.from, where)));
  }

  private async runQuery(q: string) {
    try {
      return await this.http.query(q, { database: this.cfg.database });
    } catch (err) {
      throw new StoreUnavailableError(`InfluxDB query failed: ${errorMessage(err)}`, err);
    }
  }

  async health(): Promise<StoreHealth> {
    try {
      const version = await this.http.ping();
      return { ok: true, engine: 'influxdb', ...(version ? { version } : {}) };
    } catch (err) {
      return { ok: false, engine: 'influxdb', error: errorMessage(err) };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.initializing?.catch(() => undefined);
    const apis = this.allWriteApis;
    if (apis.length === 0) return;
    this.allWriteApis = [];
    // Wait for writes in flight: each returns its API to the pool when done.
    for (let i = 0; i < apis.length; i++) await this.acquire();
    this.idleWriteApis = [];
    for (const api of apis) {
      // flush(true) before close(): close() alone drops the client's retry buffer.
      await api.flush(true).catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, 'final InfluxDB flush failed'));
      await api.close().catch(() => undefined);
    }
  }
}

/** 400 means InfluxDB refused the data (e.g. field type conflict): retrying can't help. Anything else may pass later. */
function classifyWriteError(err: unknown): StoreRejectedError | StoreUnavailableError {
  if (err instanceof HttpError && err.statusCode === 400) return new StoreRejectedError(`InfluxDB refused the batch: ${err.message}`, err);
  return new StoreUnavailableError(`InfluxDB write failed: ${errorMessage(err)}`, err);
}

import { HttpError, InfluxDB, setLogger, type WriteApi } from '@influxdata/influxdb-client';
import type { InfluxConfig } from '../../../config/index.js';
import { ConfigError, InvalidQueryError, StoreRejectedError, StoreUnavailableError, errorMessage } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';
import { withRetry } from '../../../common/retry.js';
import type { StoreHealth } from '../../health.js';
import { InfluxHttp, parseVersion, type InfluxMajor, type WriteEndpoint } from './http.js';
import { identifier, measurementRef, separatesStatements, type InfluxQueryResponse } from './query.js';

/** Largest request body the WriteApi sends at once; writeLines splits bigger batches. */
const MAX_LINES_PER_REQUEST = 20_000;
/**
 * Write requests in flight at once. Two lets InfluxDB store one batch while the next is encoded
 * (measured in bench:ingest); concurrent calls may then land in either order, which only matters for
 * two different values at the same series and time within milliseconds of each other.
 */
export const WRITES_IN_FLIGHT = 2;

/**
 * The one connection every InfluxDB resource store shares (InfluxDB 1.x/2.x/3.x): server detection,
 * the write pool (the client's WriteApi, line protocol, ms precision, retried by withRetry) and InfluxQL
 * reads on /query, the one read path all three major versions serve. Only 1.6 runs in the tests against a
 * real server; the 2.x and 3.x request shapes follow their documentation (docs/storage.md, versions).
 */
export class InfluxEngine {
  readonly engine = 'influxdb' as const;
  private readonly http: InfluxHttp;
  /** Idle write APIs; one per request that may be in flight (each has its own buffer). */
  private idleWriteApis: WriteApi[] = [];
  private allWriteApis: WriteApi[] = [];
  private waiting: ((api: WriteApi) => void)[] = [];
  private version: string | undefined;
  private writeEndpoint: WriteEndpoint = 'v2';
  private initializing: Promise<void> | undefined;
  private closed = false;

  constructor(
    readonly cfg: InfluxConfig,
    readonly log: Logger,
  ) {
    this.http = new InfluxHttp(cfg);
    // The client logs to the console by default; its failures surface as our own errors, so debug level is enough.
    setLogger({
      error: (message, err) => log.debug({ err: errorMessage(err) }, message),
      warn: (message, err) => log.debug({ err: errorMessage(err) }, message),
    });
  }

  /** `"db"."rp"."measurement"` of this database. */
  from(measurement: string): string {
    return measurementRef(this.cfg.database, this.cfg.retentionPolicy, measurement);
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
      // Under `auto` a token goes to /ping as `Token`; an InfluxDB 3 with authentication wants `Bearer`.
      const hint = err instanceof HttpError && err.statusCode === 401 && this.cfg.version === 'auto' ? ' (for InfluxDB 3, set INFLUX_VERSION=3)' : '';
      throw new StoreUnavailableError(`InfluxDB at ${this.cfg.url} is not reachable: ${errorMessage(err)}${hint}`, err);
    }
    const v = parseVersion(this.version);
    const major = this.cfg.version === 'auto' ? knownMajor(v?.major) : (Number(this.cfg.version) as InfluxMajor);
    if (major === 3 && this.cfg.retentionPolicy) {
      // The config refuses this with INFLUX_VERSION=3; under `auto` it can only be found here.
      throw new ConfigError([`INFLUX_RETENTION_POLICY: InfluxDB at ${this.cfg.url} reports version ${this.version ?? '3'}, which has no retention policies; unset it`]);
    }
    this.http.useVersion(major);
    this.writeEndpoint = chooseWriteEndpoint(this.cfg.writeEndpoint, major, v);
    if (major === 1) {
      // Idempotent on 1.x; 2.x creates buckets through its own API (docker-compose does it), 3.x creates the database on the first write.
      await this.http.query(`CREATE DATABASE ${identifier(this.cfg.database)}`, { post: true }).catch((err: unknown) => {
        throw new StoreUnavailableError(`InfluxDB at ${this.cfg.url} refused CREATE DATABASE: ${errorMessage(err)}`, err);
      });
    }
    const client = new InfluxDB({ url: this.cfg.url, token: this.cfg.token, transport: this.http.writeTransport(this.writeEndpoint) });
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
    this.log.info({ url: this.cfg.url, version: this.version ?? 'unknown', major: major ?? 'unknown', writeEndpoint: WRITE_PATHS[this.writeEndpoint] }, 'InfluxDB store ready');
  }

  /** The one write path: items → lines, in requests of at most MAX_LINES_PER_REQUEST, each retried by withRetry. */
  async writeLines<T>(items: readonly T[], line: (item: T, index: number) => string): Promise<void> {
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
          (err) => classifyWriteError(err, this.writeEndpoint),
          this.log,
        );
      }
    } finally {
      this.release(api);
    }
  }

  /** One InfluxQL statement (InfluxDB 3 takes no `;`-separated lists); StoreUnavailableError on failure. */
  async query(q: string): Promise<InfluxQueryResponse> {
    // A builder that joined statements would work on 1.x and 2.x and fail only on 3.x: refuse it everywhere.
    if (separatesStatements(q)) throw new InvalidQueryError(`InfluxQL query holds several statements (InfluxDB 3 takes one per request): ${q.slice(0, 200)}`);
    await this.init();
    try {
      return await this.http.query(q, { database: this.cfg.database });
    } catch (err) {
      throw new StoreUnavailableError(`InfluxDB query failed: ${errorMessage(err)}`, err);
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

const WRITE_PATHS: Record<WriteEndpoint, string> = { v1: '/write', v2: '/api/v2/write', v3: '/api/v3/write_lp' };

function knownMajor(major: number | undefined): InfluxMajor | undefined {
  return major === 1 || major === 2 || major === 3 ? major : undefined;
}

/**
 * INFLUX_WRITE_ENDPOINT when set, else by version: /write below 1.8 (no /api/v2/write there),
 * InfluxDB 3's native /api/v3/write_lp on 3.x, /api/v2/write otherwise (also when the version is unknown, as before).
 */
export function chooseWriteEndpoint(
  configured: InfluxConfig['writeEndpoint'],
  major: InfluxMajor | undefined,
  reported: { major: number; minor: number } | undefined,
): WriteEndpoint {
  if (configured !== 'auto') return configured;
  if (major === 3) return 'v3';
  if (major === 1 && reported?.major === 1 && reported.minor < 8) return 'v1';
  return 'v2';
}

/**
 * 400 means InfluxDB refused the data (e.g. field type conflict): retrying can't help. /api/v3/write_lp
 * also documents 422 (unprocessable entity) for that. Anything else may pass later.
 */
function classifyWriteError(err: unknown, endpoint: WriteEndpoint): StoreRejectedError | StoreUnavailableError {
  if (err instanceof HttpError && (err.statusCode === 400 || (endpoint === 'v3' && err.statusCode === 422))) {
    return new StoreRejectedError(`InfluxDB refused the batch: ${err.message}`, err);
  }
  return new StoreUnavailableError(`InfluxDB write failed: ${errorMessage(err)}`, err);
}

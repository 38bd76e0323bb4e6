import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBConnection, DuckDBInstance, DuckDBTimestampValue, type DuckDBAppender, type DuckDBValue } from '@duckdb/node-api';
import { errorMessage, StoreUnavailableError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { StoreHealth } from '../health.js';

export interface DuckDbOptions {
  /** A file (its parent directories are created), or ':memory:'. */
  path: string;
}

export type DuckDbRow = Record<string, DuckDBValue>;

export const toTimestamp = (ms: number): DuckDBTimestampValue => new DuckDBTimestampValue(BigInt(ms) * 1000n);
/** BIGINT/HUGEINT come back as bigint, DOUBLE as number. */
export const toNumber = (v: DuckDBValue | undefined): number => Number(v);

/**
 * The one connection every DuckDB resource store shares, on an embedded file (or ':memory:'). Each store
 * declares its tables; init() creates what is missing. A single connection is used, so every operation
 * runs through one promise-chain mutex (no interleaving with an open write transaction).
 */
export class DuckDbEngine {
  readonly engine = 'duckdb' as const;
  private instance: DuckDBInstance | undefined;
  private connection: DuckDBConnection | undefined;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();
  /** CREATE … IF NOT EXISTS statements the stores declared and init() has not run yet. */
  private pendingSchema: string[] = [];

  constructor(
    readonly options: DuckDbOptions,
    private readonly logger: Logger,
  ) {}

  /** Tables (and temp staging tables) a resource store needs; created by the next init(). */
  declare(statements: readonly string[]): void {
    this.pendingSchema.push(...statements);
  }

  async init(): Promise<void> {
    await this.exclusive(async () => {
      if (this.closed) throw new StoreUnavailableError('DuckDB store is closed');
      const { path } = this.options;
      const opening = !this.connection;
      try {
        if (!this.connection) {
          if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
          this.instance = await DuckDBInstance.create(path);
          this.connection = await this.instance.connect();
        }
        while (this.pendingSchema.length > 0) await this.connection.run(this.pendingSchema[0]!).then(() => this.pendingSchema.shift());
      } catch (err) {
        if (opening) this.release();
        throw new StoreUnavailableError(`DuckDB init failed for '${path}': ${errorMessage(err)}`, err);
      }
      if (opening) this.logger.info({ path }, 'duckdb store ready');
    });
  }

  /** One statement, its rows as objects; StoreUnavailableError naming `what` on failure. */
  async read(sql: string, params: DuckDBValue[], what: string): Promise<DuckDbRow[]> {
    return this.exclusive(async () => {
      const conn = this.requireConnection();
      try {
        return (await conn.runAndReadAll(sql, params)).getRowObjects();
      } catch (err) {
        throw new StoreUnavailableError(`DuckDB ${what} failed: ${errorMessage(err)}`, err);
      }
    });
  }

  /** `work` in one transaction on the connection, rolled back on failure (StoreUnavailableError naming `what`). */
  async transaction(what: string, work: (conn: DuckDBConnection) => Promise<void>): Promise<void> {
    await this.exclusive(async () => {
      const conn = this.requireConnection();
      try {
        await conn.run('BEGIN TRANSACTION');
        await work(conn);
        await conn.run('COMMIT');
      } catch (err) {
        await conn.run('ROLLBACK').catch(() => undefined);
        throw new StoreUnavailableError(`DuckDB write of ${what} failed: ${errorMessage(err)}`, err);
      }
    });
  }

  /**
   * The one bulk write path: rows appended to a temp staging table (values never enter the SQL text), then
   * one upsert into the real table, in a transaction; on failure nothing is kept and staging is emptied.
   */
  async upsertViaStaging<T>(staging: string, upsertSql: string, rows: readonly T[], what: string, append: (appender: DuckDBAppender, row: T) => void): Promise<void> {
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

  /** Runs `task` after every earlier task has settled: the one connection is never shared. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

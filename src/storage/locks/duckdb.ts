import type { DuckDbEngine } from '../engines/duckdb.js';
import { validateLockArgs } from './rules.js';
import type { LockStore } from './store.js';

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

export class DuckDbLockStore implements LockStore {
  constructor(private readonly db: DuckDbEngine) {
    db.declare([`CREATE TABLE IF NOT EXISTS ${LOCK_TABLE} (name VARCHAR PRIMARY KEY, holder VARCHAR NOT NULL, expires_at_ms BIGINT NOT NULL)`]);
  }

  async tryAcquireLock(name: string, holder: string, ttlMs: number): Promise<boolean> {
    validateLockArgs(name, holder, ttlMs);
    const now = Date.now();
    const rows = await this.db.read(LOCK_UPSERT_SQL, [name, holder, BigInt(now + ttlMs), BigInt(now)], 'tryAcquireLock');
    return rows.length === 1 && rows[0]!.holder === holder;
  }

  async releaseLock(name: string, holder: string): Promise<void> {
    validateLockArgs(name, holder);
    await this.db.read(`DELETE FROM ${LOCK_TABLE} WHERE name = $1 AND holder = $2`, [name, holder], 'releaseLock');
  }
}

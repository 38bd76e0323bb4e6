import type { InfluxEngine } from '../engines/influx/engine.js';
import { firstStatementSeries } from '../engines/influx/query.js';
import { buildLockSelect, toLease } from './influxql.js';
import { LOCK_MEASUREMENT, LOCK_TIME_MS, toLockLine } from './lineProtocol.js';
import { validateLockArgs } from './rules.js';
import type { LockStore } from './store.js';

export interface InfluxLockOptions {
  /**
   * How long tryAcquireLock waits between writing its lease and reading it back (default 1,000 ms):
   * longer than any competing write takes to land, so the read-back sees the last writer.
   */
  lockSettleMs?: number;
}

/**
 * A lease on InfluxDB, which has no compare-and-set: every lease of a lock is one point at one fixed
 * timestamp (last write wins). Read the lease; if someone else holds an unexpired one, fail. Else write
 * ours, wait `lockSettleMs` and read back: we hold it only if the stored holder is us. This narrows the
 * race but can't close it: two instances that both find the lock free and write within the settle
 * window of each other's read-back can both believe they hold it. That is acceptable for what it guards
 * ("one trainer at a time": a rare duplicate run wastes work, it doesn't corrupt data) and is
 * documented in docs/storage.md (Locks). Expiry uses each instance's own clock.
 */
export class InfluxLockStore implements LockStore {
  private readonly from: string;
  private readonly lockSettleMs: number;

  constructor(
    private readonly db: InfluxEngine,
    options: InfluxLockOptions = {},
  ) {
    this.from = db.from(LOCK_MEASUREMENT);
    this.lockSettleMs = options.lockSettleMs ?? 1000;
  }

  async tryAcquireLock(name: string, holder: string, ttlMs: number): Promise<boolean> {
    validateLockArgs(name, holder, ttlMs);
    const current = await this.readLease(name);
    if (current && current.holder !== holder && current.expiresAtMs > Date.now()) return false;
    await this.db.writeLines([toLockLine(name, holder, Date.now() + ttlMs)], (line) => line);
    await new Promise((r) => setTimeout(r, this.lockSettleMs));
    return (await this.readLease(name))?.holder === holder;
  }

  /** Overwrites our lease with an expired one (expires_at_ms 0); someone else's lease is left alone. */
  async releaseLock(name: string, holder: string): Promise<void> {
    validateLockArgs(name, holder);
    if ((await this.readLease(name))?.holder !== holder) return;
    await this.db.writeLines([toLockLine(name, holder, 0)], (line) => line);
  }

  private async readLease(name: string): Promise<{ holder: string; expiresAtMs: number } | undefined> {
    return toLease(firstStatementSeries(await this.db.query(buildLockSelect(name, this.from, LOCK_TIME_MS))));
  }
}

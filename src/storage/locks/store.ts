/**
 * A named lease so that one instance at a time does a job (training) when several share a store.
 * Leases expire, so a crashed holder can't block the job forever.
 */
export interface LockStore {
  /** True when `holder` now holds `name` until `nowMs + ttlMs` (re-acquiring your own lease extends it). */
  tryAcquireLock(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Releases the lease if `holder` holds it. */
  releaseLock(name: string, holder: string): Promise<void>;
}

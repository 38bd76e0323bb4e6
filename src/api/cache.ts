/** What a cached answer depends on: cleared when that kind of data is written. */
export type CacheResource = 'forecast' | 'dispatch';

export interface CachedResponse {
  status: number;
  contentType: string;
  body: string;
}

interface Entry extends CachedResponse {
  freshUntilMs: number;
  staleUntilMs: number;
}

/**
 * Serialised answers of hot read endpoints (latest forecast, latest plan), keyed by request. A write of
 * the resource in this process clears it at once (storage/writeObserver.ts); `ttlMs` bounds how stale an
 * answer can be after a write by another process sharing the store. Past its lifetime an answer may still
 * be served, as `stale`, while one request recomputes it (up to another lifetime): so an expiry under load
 * does not stall every request behind a store query.
 */
export class ResponseCache {
  private readonly entries = new Map<CacheResource, Map<string, Entry>>();
  private readonly generations = new Map<CacheResource, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntriesPerResource = 500,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  get(resource: CacheResource, key: string, nowMs = Date.now()): { answer: CachedResponse; stale: boolean } | undefined {
    const entry = this.entries.get(resource)?.get(key);
    if (!entry) return undefined;
    if (entry.staleUntilMs <= nowMs) {
      this.entries.get(resource)?.delete(key);
      return undefined;
    }
    return { answer: entry, stale: entry.freshUntilMs <= nowMs };
  }

  /** Take this before reading the store, and hand it to set(). */
  generation(resource: CacheResource): number {
    return this.generations.get(resource) ?? 0;
  }

  /** Keeps an answer unless the resource was written since `generation` (it may predate that write). */
  set(resource: CacheResource, key: string, value: CachedResponse, generation: number, nowMs = Date.now()): void {
    if (!this.enabled || generation !== this.generation(resource)) return;
    let map = this.entries.get(resource);
    if (!map) this.entries.set(resource, (map = new Map()));
    map.delete(key); // re-inserted at the end: insertion order is age order
    if (map.size >= this.maxEntriesPerResource) map.delete(map.keys().next().value!);
    map.set(key, { ...value, freshUntilMs: nowMs + this.ttlMs, staleUntilMs: nowMs + 2 * this.ttlMs });
  }

  invalidate(resource: CacheResource): void {
    this.generations.set(resource, this.generation(resource) + 1);
    this.entries.get(resource)?.clear();
  }
}

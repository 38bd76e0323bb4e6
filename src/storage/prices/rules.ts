import { InvalidQueryError, StoreRejectedError } from '../../common/errors.js';
import { ID_ALLOWED, ID_PATTERN, PRICE_RESOLUTION_MINUTES, storedNameProblem, type PricePoint } from '../../contract/index.js';
import type { PriceQuery } from './store.js';

/**
 * Price rules shared by both engines, pure: both accept, refuse and return exactly the same points (held to
 * test/integration/storage/contract/prices.ts).
 */

const CURRENCY = /^[A-Z]{3}$/;
const DURATIONS: ReadonlySet<number> = new Set(Object.values(PRICE_RESOLUTION_MINUTES).map((m) => m * 60_000));

/** Checks a batch before any store writes it: StoreRejectedError (retrying can't help) naming the first bad point. */
export function validatePricePoints(points: readonly PricePoint[]): void {
  points.forEach((p, i) => {
    const where = `price point ${i} (${String(p.site)}/${String(p.source)} at ${String(p.timeMs)})`;
    const siteProblem = storedNameProblem(p.site);
    if (siteProblem) throw new StoreRejectedError(`${where}: site ${siteProblem}`);
    if (typeof p.source !== 'string' || !ID_PATTERN.test(p.source)) throw new StoreRejectedError(`${where}: source must be ${ID_ALLOWED}`);
    if (typeof p.currency !== 'string' || !CURRENCY.test(p.currency)) throw new StoreRejectedError(`${where}: currency must be three capital letters (ISO 4217)`);
    if (!Number.isSafeInteger(p.timeMs) || !Number.isSafeInteger(p.receivedAtMs)) throw new StoreRejectedError(`${where}: timeMs and receivedAtMs must be integer epoch ms`);
    if (!DURATIONS.has(p.durationMs)) throw new StoreRejectedError(`${where}: durationMs must be 15, 30 or 60 minutes (got ${String(p.durationMs)})`);
    if (p.timeMs % p.durationMs !== 0) throw new StoreRejectedError(`${where}: timeMs must be a multiple of durationMs (UTC)`);
    if (typeof p.importPricePerMwh !== 'number' || !Number.isFinite(p.importPricePerMwh)) throw new StoreRejectedError(`${where}: importPricePerMwh is not a finite number`);
    if (p.exportPricePerMwh !== undefined && (typeof p.exportPricePerMwh !== 'number' || !Number.isFinite(p.exportPricePerMwh))) {
      throw new StoreRejectedError(`${where}: exportPricePerMwh is not a finite number`);
    }
  });
}

/** Checks a read before any store builds SQL/InfluxQL from it: InvalidQueryError otherwise. */
export function validatePriceQuery(q: PriceQuery): void {
  const siteProblem = storedNameProblem(q.site);
  if (siteProblem) throw new InvalidQueryError(`price query: site ${siteProblem}`);
  if (q.currency !== undefined && !CURRENCY.test(q.currency)) throw new InvalidQueryError('price query: currency must be three capital letters (ISO 4217)');
  if (!Number.isSafeInteger(q.fromMs) || !Number.isSafeInteger(q.toMs) || q.fromMs >= q.toMs) {
    throw new InvalidQueryError(`price query: time range must be integer epoch ms with fromMs < toMs (got ${q.fromMs}..${q.toMs})`);
  }
}

/** Later batches replace earlier ones per key; within a batch the last point of a key wins (what InfluxDB makes of it). */
export function pricePointKey(p: PricePoint): string {
  return JSON.stringify([p.site, p.source, p.currency, p.timeMs]);
}

/** The order every read returns: start, then received time, then source. */
export function comparePricePoints(a: PricePoint, b: PricePoint): number {
  return a.timeMs - b.timeMs || a.receivedAtMs - b.receivedAtMs || (a.source === b.source ? (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0) : a.source < b.source ? -1 : 1);
}

import type { PricesStore } from '../storage/index.js';
import { parsePriceMessage } from './prices.js';
import { storeOrDeadLetter, type UnspooledIngestDeps } from './storeOrDeadLetter.js';

export interface PriceIngestDeps extends UnspooledIngestDeps {
  store: PricesStore;
}

/**
 * One message of gridcast/v1/<site>/prices: stored whole, or dead-lettered whole. As weather forecasts (no
 * spool): resolves once stored or dead-lettered; rejects (StoreUnavailableError) when the store stays down
 * through the retries, leaving the message unacknowledged.
 */
export async function ingestPrices(topic: string, payload: Buffer, deps: PriceIngestDeps): Promise<void> {
  const stored = await storeOrDeadLetter(parsePriceMessage(topic, payload, { nowMs: deps.nowMs }), payload, (points) => deps.store.writePrices(points), deps);
  if (stored) deps.log.debug({ topic, intervals: stored.length }, 'electricity prices stored');
}

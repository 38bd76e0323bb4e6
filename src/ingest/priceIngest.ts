import { StoreRejectedError, StoreUnavailableError, errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { withRetry, type RetryOptions } from '../common/retry.js';
import type { PricesStore } from '../storage/index.js';
import type { Rejection } from './parse.js';
import { parsePriceMessage } from './prices.js';
import { WEATHER_FORECAST_WRITE_RETRY } from './weatherForecastIngest.js';

export interface PriceIngestDeps {
  store: PricesStore;
  nowMs: number;
  log: Logger;
  /** Publishes the dead letter; resolves once the broker has it. */
  deadLetter: (rejection: Rejection) => Promise<void>;
  retry?: RetryOptions;
}

/**
 * One message of gridcast/v1/<site>/prices: stored whole, or dead-lettered whole (its reason, or
 * `store_rejected`). As weather forecasts (no spool): resolves once stored or dead-lettered; rejects
 * (StoreUnavailableError) when the store stays down through the retries, leaving the message unacknowledged.
 */
export async function ingestPrices(topic: string, payload: Buffer, deps: PriceIngestDeps): Promise<void> {
  const parsed = parsePriceMessage(topic, payload, { nowMs: deps.nowMs });
  if (!parsed.ok) return deps.deadLetter(parsed.rejection);
  try {
    await withRetry(
      () => deps.store.writePrices(parsed.points),
      (err) => (err instanceof StoreRejectedError || err instanceof StoreUnavailableError ? err : new StoreUnavailableError(errorMessage(err), err)),
      deps.log,
      deps.retry ?? WEATHER_FORECAST_WRITE_RETRY,
    );
  } catch (err) {
    if (!(err instanceof StoreRejectedError)) throw err;
    return deps.deadLetter({ reason: 'store_rejected', detail: err.message, payload });
  }
  deps.log.debug({ topic, intervals: parsed.points.length }, 'electricity prices stored');
}

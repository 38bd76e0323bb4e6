import { StoreRejectedError, StoreUnavailableError, errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { withRetry, type RetryOptions } from '../common/retry.js';
import type { Rejection } from './parse.js';

/**
 * Longer than telemetry's burst: messages without a spool (weather forecasts, prices) get only these
 * retries before they are left unacknowledged (docs/telemetry.md: Weather forecasts).
 */
export const UNSPOOLED_WRITE_RETRY: RetryOptions = { attempts: 6, minDelayMs: 250, maxDelayMs: 4000, jitterMs: 250 };

export interface UnspooledIngestDeps {
  nowMs: number;
  log: Logger;
  /** Publishes the dead letter; resolves once the broker has it. */
  deadLetter: (rejection: Rejection) => Promise<void>;
  retry?: RetryOptions;
}

/**
 * A message stored whole or dead-lettered whole: its parse rejection, or `store_rejected` when the store
 * refuses the data. Resolves only once stored or dead-lettered, so the caller acknowledges after that;
 * rejects (StoreUnavailableError) when the store stays down through the retries, and the message is then
 * left unacknowledged for the broker to redeliver.
 */
export async function storeOrDeadLetter<P>(
  parsed: { ok: true; points: P[] } | { ok: false; rejection: Rejection },
  payload: Buffer,
  write: (points: P[]) => Promise<void>,
  deps: UnspooledIngestDeps,
): Promise<P[] | undefined> {
  if (!parsed.ok) {
    await deps.deadLetter(parsed.rejection);
    return undefined;
  }
  try {
    await withRetry(
      () => write(parsed.points),
      (err) => (err instanceof StoreRejectedError || err instanceof StoreUnavailableError ? err : new StoreUnavailableError(errorMessage(err), err)),
      deps.log,
      deps.retry ?? UNSPOOLED_WRITE_RETRY,
    );
  } catch (err) {
    if (!(err instanceof StoreRejectedError)) throw err;
    await deps.deadLetter({ reason: 'store_rejected', detail: err.message, payload });
    return undefined;
  }
  return parsed.points;
}

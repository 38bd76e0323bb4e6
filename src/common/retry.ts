import { StoreRejectedError } from './errors.js';
import type { Logger } from './logger.js';

export interface RetryOptions {
  attempts: number;
  minDelayMs: number;
  maxDelayMs: number;
  jitterMs: number;
}

/** A short burst of retries: long outages are the spool's job, not this loop's. */
export const DEFAULT_RETRY: RetryOptions = { attempts: 3, minDelayMs: 100, maxDelayMs: 1000, jitterMs: 100 };

/** Exponential backoff with jitter, nth retry (0-based). */
export function backoffDelayMs(n: number, o: Pick<RetryOptions, 'minDelayMs' | 'maxDelayMs' | 'jitterMs'>, random = Math.random): number {
  return Math.min(o.maxDelayMs, o.minDelayMs * 2 ** n) + Math.round(random() * o.jitterMs);
}

/**
 * Runs `fn`, retrying transient failures. `classify` turns a raw error into the error to throw;
 * StoreRejectedError is final at once.
 */
export async function withRetry<T>(fn: () => Promise<T>, classify: (err: unknown) => Error, log: Logger, opts: RetryOptions = DEFAULT_RETRY): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (raw) {
      const err = classify(raw);
      if (err instanceof StoreRejectedError || attempt + 1 >= opts.attempts) throw err;
      const delay = backoffDelayMs(attempt, opts);
      log.debug({ attempt: attempt + 1, delayMs: delay, err: err.message }, 'store write failed, retrying');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

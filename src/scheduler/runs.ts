import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { ForecastService, SeriesRef } from '../forecast/index.js';
import type { LockStore } from '../storage/index.js';

/**
 * The job loops, written once: the scheduled jobs (forecastJob.ts, retrainJob.ts) and the on-demand runs
 * (onDemand.ts) go through these. One series failing (say, too little data yet) never stops the others.
 */

export interface ForecastRunResult {
  issued: (SeriesRef & { model: string; steps: number; issuedAt: string })[];
  failed: (SeriesRef & { error: string })[];
}

/** Issues a forecast for each series with whatever serves it; says which were issued and which failed, and why. */
export async function forecastEach(service: ForecastService, series: readonly SeriesRef[], log: Logger): Promise<ForecastRunResult> {
  const result: ForecastRunResult = { issued: [], failed: [] };
  for (const s of series) {
    try {
      const points = await service.forecast(s);
      result.issued.push({ ...s, model: points[0]?.model ?? '', steps: points.length, issuedAt: new Date(points[0]?.issuedAtMs ?? Date.now()).toISOString() });
    } catch (err) {
      log.warn({ series: s, err: errorMessage(err) }, 'forecast failed for series');
      result.failed.push({ ...s, error: errorMessage(err) });
    }
  }
  return result;
}

/** Trains each series in turn until `signal` fires (training then stops at its next batch, keeping what it learned). */
export async function trainEach(service: ForecastService, series: readonly SeriesRef[], signal: AbortSignal, log: Logger, progressLevel: 'info' | 'debug'): Promise<void> {
  for (const s of series) {
    if (signal.aborted) break;
    await service
      .train(s, { signal, onEpoch: (p) => log[progressLevel]({ series: s, epoch: p.epoch, epochs: p.epochs, loss: p.loss }, `training ${s.target} model of ${s.site}/${s.feeder}: epoch ${p.epoch}/${p.epochs}`) })
      .catch((err: unknown) => log.warn({ series: s, err: errorMessage(err) }, 'training failed for series'));
  }
}

/** The trainer lease, so one instance at a time trains across every instance sharing the store. */
export const TRAINER_LOCK = 'trainer';
/** A lease outlives any retrain run; a crashed holder's lease expires after this. */
export const TRAINER_LEASE_MS = 6 * 3_600_000;

/**
 * Runs `work` holding the trainer lease and releases it after, whatever happens; false (and `work` not
 * run) when another holder has it.
 */
export async function whileHoldingTrainerLease(locks: LockStore, holder: string, ttlMs: number, log: Logger, work: () => Promise<void>): Promise<boolean> {
  if (!(await locks.tryAcquireLock(TRAINER_LOCK, holder, ttlMs))) return false;
  try {
    await work();
  } finally {
    await releaseTrainerLease(locks, holder, log);
  }
  return true;
}

/** Gives the trainer lease back; a failure is logged (the lease then expires by itself). */
export async function releaseTrainerLease(locks: LockStore, holder: string, log: Logger): Promise<void> {
  await locks.releaseLock(TRAINER_LOCK, holder).catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'could not release the trainer lock'));
}

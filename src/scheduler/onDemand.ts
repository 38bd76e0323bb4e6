import { hostname } from 'node:os';
import { ConflictError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { ForecastService, SeriesRef } from '../forecast/index.js';
import type { LockStore } from '../storage/index.js';
import { forecastEach, releaseTrainerLease, TRAINER_LEASE_MS, TRAINER_LOCK, trainEach, type ForecastRunResult } from './runs.js';
import type { TrainQueue } from './trainQueue.js';

export type { ForecastRunResult } from './runs.js';

export interface TrainingStarted {
  status: 'started';
  series: SeriesRef[];
}

/**
 * The forecast and retrain jobs run on request (the API's POST /forecasts/run and /models/train) rather
 * than on their schedule. Training answers at once and goes on in the background under the same trainer
 * lock as the retrain job, so it never runs twice across instances.
 */
export class OnDemandJobs {
  private training: Promise<void> | undefined;
  private readonly abort = new AbortController();
  // Not the retrain job's holder: re-acquiring one's own lease succeeds, and the two must exclude each other.
  private readonly holder = `${hostname()}:${process.pid}:on-demand`;

  constructor(
    private readonly service: ForecastService,
    private readonly locks: LockStore,
    private readonly log: Logger,
    private readonly lockTtlMs = TRAINER_LEASE_MS,
    /** With JOB_QUEUE_URL: training on request is queued for the instances' workers instead. */
    private readonly queue?: TrainQueue,
  ) {}

  /** The answer says which series were issued and which failed (too little data yet), and why. */
  async runForecasts(request: { site?: string }): Promise<ForecastRunResult> {
    return forecastEach(this.service, await this.series(request), this.log);
  }

  async startTraining(request: { site?: string; target?: SeriesRef['target'] }): Promise<TrainingStarted> {
    const series = await this.series(request);
    if (this.queue) {
      await this.queue.submit(series, 'api');
      return { status: 'started', series };
    }
    if (this.training) throw new ConflictError('A training run started on request is still going; wait for it (see the log or GET /api/v1/models).');
    if (!(await this.locks.tryAcquireLock(TRAINER_LOCK, this.holder, this.lockTtlMs))) {
      throw new ConflictError('Another training run holds the trainer lock (the retrain job, or another instance); try again when it is done.');
    }
    this.training = this.train(series).finally(() => {
      this.training = undefined;
    });
    return { status: 'started', series };
  }

  /** Runs under the lease startTraining took; gives it back when done. */
  private async train(series: SeriesRef[]): Promise<void> {
    try {
      await trainEach(this.service, series, this.abort.signal, this.log, 'debug');
      this.log.info({ series: series.length }, 'training on request done');
    } finally {
      await releaseTrainerLease(this.locks, this.holder, this.log);
    }
  }

  private async series(request: { site?: string; target?: SeriesRef['target'] }): Promise<SeriesRef[]> {
    return (await this.service.discoverSeries()).filter((s) => (!request.site || s.site === request.site) && (!request.target || s.target === request.target));
  }

  /** Stops a training run at its next batch (keeping what it learned) and waits for it. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.training;
  }
}

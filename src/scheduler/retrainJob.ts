import { hostname } from 'node:os';
import type { Logger } from '../common/logger.js';
import { errorMessage } from '../common/errors.js';
import type { ForecastService, SeriesRef } from '../forecast/index.js';
import type { LockStore } from '../storage/index.js';
import { CronJob } from './cronJob.js';
import { TRAINER_LEASE_MS, trainEach, whileHoldingTrainerLease } from './runs.js';
import type { TrainQueue } from './trainQueue.js';

/**
 * Retrains every series: one instance at a time under the trainer lock in the shared store, or, with a training
 * queue (JOB_QUEUE_URL), by queuing one job per series for every instance's worker.
 */
export class RetrainJob extends CronJob {
  readonly name = 'retrain';
  private readonly holder = `${hostname()}:${process.pid}`;
  private readonly abort = new AbortController();
  private driftRun: Promise<void> | undefined;

  constructor(
    expression: string,
    private readonly service: ForecastService,
    private readonly locks: LockStore,
    log: Logger,
    private readonly lockTtlMs = TRAINER_LEASE_MS,
    private readonly queue?: TrainQueue,
  ) {
    super(expression, log);
  }

  protected async run(): Promise<void> {
    if (this.queue) {
      await this.queue.submit(await this.service.discoverSeries(), 'retrain');
      return;
    }
    const trained = await whileHoldingTrainerLease(this.locks, this.holder, this.lockTtlMs, this.log, async () =>
      trainEach(this.service, await this.service.discoverSeries(), this.abort.signal, this.log, 'info'),
    );
    if (!trained) this.log.info({ job: this.name }, 'another instance holds the trainer lock: not training here');
  }

  /**
   * Retrains these series now, in the background, under the trainer lock (a drift found after scoring). One such
   * run at a time; while one runs, or another instance holds the lock, the next forecast run finds the drift again.
   */
  retrainSoon(series: readonly SeriesRef[]): void {
    if (this.driftRun || series.length === 0) return;
    if (this.queue) {
      this.driftRun = this.queue
        .submit(series, 'drift')
        .then(() => undefined)
        .catch((err: unknown) => this.log.warn({ series, err: errorMessage(err) }, 'drift retrain could not be queued'))
        .finally(() => {
          this.driftRun = undefined;
        });
      return;
    }
    this.driftRun = whileHoldingTrainerLease(this.locks, `${this.holder}:drift`, this.lockTtlMs, this.log, async () => trainEach(this.service, series, this.abort.signal, this.log, 'info'))
      .then((trained) => {
        if (!trained) this.log.info({ series }, 'drift: another instance holds the trainer lock; the next forecast run checks again');
      })
      .catch((err: unknown) => this.log.warn({ series, err: errorMessage(err) }, 'drift retrain failed'))
      .finally(() => {
        this.driftRun = undefined;
      });
  }

  /** The drift retrain under way, if any (tests wait on it). */
  get pendingDriftRetrain(): Promise<void> | undefined {
    return this.driftRun;
  }

  override async stop(): Promise<void> {
    this.abort.abort(); // training stops at the next batch, keeping what it learned
    await this.driftRun;
    await super.stop();
  }
}

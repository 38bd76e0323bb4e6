import { hostname } from 'node:os';
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { ForecastService } from '../forecast/index.js';
import type { LockStore } from '../storage/index.js';
import { CronJob } from './cronJob.js';

export const TRAINER_LOCK = 'trainer';

/** Retrains every series, one instance at a time: the trainer lock lives in the shared store. */
export class RetrainJob extends CronJob {
  readonly name = 'retrain';
  private readonly holder = `${hostname()}:${process.pid}`;
  private readonly abort = new AbortController();

  constructor(
    expression: string,
    private readonly service: ForecastService,
    private readonly locks: LockStore,
    log: Logger,
    private readonly lockTtlMs = 6 * 3_600_000,
  ) {
    super(expression, log);
  }

  protected async run(): Promise<void> {
    if (!(await this.locks.tryAcquireLock(TRAINER_LOCK, this.holder, this.lockTtlMs))) {
      this.log.info({ job: this.name }, 'another instance holds the trainer lock: not training here');
      return;
    }
    try {
      for (const series of await this.service.discoverSeries()) {
        if (this.abort.signal.aborted) break;
        await this.service
          .train(series, { signal: this.abort.signal, onEpoch: (p) => this.log.info({ series, epoch: p.epoch, epochs: p.epochs, loss: p.loss }, 'training') })
          .catch((err: unknown) => this.log.warn({ series, err: errorMessage(err) }, 'training failed for series'));
      }
    } finally {
      await this.locks.releaseLock(TRAINER_LOCK, this.holder);
    }
  }

  override async stop(): Promise<void> {
    this.abort.abort(); // training stops at the next batch, keeping what it learned
    await super.stop();
  }
}

import { hostname } from 'node:os';
import type { Logger } from '../common/logger.js';
import type { ForecastService } from '../forecast/index.js';
import type { LockStore } from '../storage/index.js';
import { CronJob } from './cronJob.js';
import { TRAINER_LEASE_MS, trainEach, whileHoldingTrainerLease } from './runs.js';

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
    private readonly lockTtlMs = TRAINER_LEASE_MS,
  ) {
    super(expression, log);
  }

  protected async run(): Promise<void> {
    const trained = await whileHoldingTrainerLease(this.locks, this.holder, this.lockTtlMs, this.log, async () =>
      trainEach(this.service, await this.service.discoverSeries(), this.abort.signal, this.log, 'info'),
    );
    if (!trained) this.log.info({ job: this.name }, 'another instance holds the trainer lock: not training here');
  }

  override async stop(): Promise<void> {
    this.abort.abort(); // training stops at the next batch, keeping what it learned
    await super.stop();
  }
}

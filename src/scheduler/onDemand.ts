import { hostname } from 'node:os';
import { ConflictError, errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { ForecastService, SeriesRef } from '../forecast/index.js';
import type { LockStore } from '../storage/index.js';
import { TRAINER_LOCK } from './retrainJob.js';

export interface ForecastRunResult {
  issued: (SeriesRef & { model: string; steps: number; issuedAt: string })[];
  failed: (SeriesRef & { error: string })[];
}

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
    private readonly lockTtlMs = 6 * 3_600_000,
  ) {}

  async runForecasts(request: { site?: string }): Promise<ForecastRunResult> {
    const result: ForecastRunResult = { issued: [], failed: [] };
    for (const series of await this.series(request)) {
      try {
        const points = await this.service.forecast(series);
        result.issued.push({ ...series, model: points[0]?.model ?? '', steps: points.length, issuedAt: new Date(points[0]?.issuedAtMs ?? Date.now()).toISOString() });
      } catch (err) {
        // One series failing (too little data yet) must not stop the others; the answer says which and why.
        result.failed.push({ ...series, error: errorMessage(err) });
      }
    }
    return result;
  }

  async startTraining(request: { site?: string; target?: SeriesRef['target'] }): Promise<TrainingStarted> {
    if (this.training) throw new ConflictError('A training run started on request is still going; wait for it (see the log or GET /api/v1/models).');
    const series = await this.series(request);
    if (!(await this.locks.tryAcquireLock(TRAINER_LOCK, this.holder, this.lockTtlMs))) {
      throw new ConflictError('Another training run holds the trainer lock (the retrain job, or another instance); try again when it is done.');
    }
    this.training = this.train(series).finally(() => {
      this.training = undefined;
    });
    return { status: 'started', series };
  }

  private async train(series: SeriesRef[]): Promise<void> {
    try {
      for (const s of series) {
        if (this.abort.signal.aborted) break;
        await this.service
          .train(s, { signal: this.abort.signal, onEpoch: (p) => this.log.debug({ series: s, epoch: p.epoch, epochs: p.epochs, loss: p.loss }, 'training') })
          .catch((err: unknown) => this.log.warn({ series: s, err: errorMessage(err) }, 'training failed for series'));
      }
      this.log.info({ series: series.length }, 'training on request done');
    } finally {
      await this.locks.releaseLock(TRAINER_LOCK, this.holder).catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, 'could not release the trainer lock'));
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

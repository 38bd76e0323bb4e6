import type { ForecastConfig } from '../config/index.js';
import type { Logger } from '../common/logger.js';
import type { ForecastService, SeriesRef } from '../forecast/index.js';
import type { LockStore } from '../storage/index.js';
import type { CronJob } from './cronJob.js';
import { ForecastJob } from './forecastJob.js';
import type { JobMetrics } from './metrics.js';
import { RetrainJob } from './retrainJob.js';
import { WeatherForecastJob, type WeatherForecastJobOptions } from './weatherForecastJob.js';
import type { TrainQueue } from './trainQueue.js';

export { CronJob } from './cronJob.js';
export { ForecastJob } from './forecastJob.js';
export { RetrainJob } from './retrainJob.js';
export { WeatherForecastJob, type WeatherFetchResult, type WeatherForecastJobOptions, type WeatherSite } from './weatherForecastJob.js';
export { forecastEach, trainEach, TRAINER_LOCK, TRAINER_LEASE_MS } from './runs.js';
export { JobMetrics } from './metrics.js';
export { OnDemandJobs, type ForecastRunResult, type TrainingStarted } from './onDemand.js';
export { TrainQueue, redisConnection, trainJobId, TRAIN_QUEUE_NAME, type TrainQueueOptions } from './trainQueue.js';

export interface Scheduler {
  jobs: readonly CronJob[];
  stop(): Promise<void>;
}

export interface SchedulerHooks {
  /**
   * Re-plans dispatch on the new forecasts after every forecast run; rejects when a site got no plan. In the
   * metrics it is a job of its own (`dispatch`), so a failing plan shows apart from the forecasts it follows.
   */
  dispatch?: () => Promise<void>;
  /** Fetch weather forecasts on their own schedule (given when WEATHER_FORECAST_SOURCE is not none). */
  weatherForecasts?: WeatherForecastJobOptions;
  /** Where each job's runs are timed and counted (/metrics). */
  metrics?: JobMetrics;
  /** JOB_QUEUE_URL: the retrain job queues its series there, and this instance's worker trains what is queued. */
  queue?: TrainQueue;
}

/** Every scheduled job, listed once. A new job is one file and one line here. */
export function startScheduler(config: ForecastConfig, service: ForecastService, locks: LockStore, logger: Logger, hooks: SchedulerHooks = {}): Scheduler {
  const log = logger.child({ component: 'scheduler' });
  const { dispatch, metrics } = hooks;
  if (dispatch) metrics?.track('dispatch');
  const afterForecast = dispatch && metrics ? () => metrics.observe('dispatch', dispatch) : dispatch;
  const { queue } = hooks;
  const retrain = new RetrainJob(config.retrainCron, service, locks, log, undefined, queue);
  const worker = queue?.work(async (series, signal) => {
    // A failure fails the job (logged by the queue), and the series is queued again at the next run.
    await service.train(series, { signal, onEpoch: (p) => log.debug({ series, epoch: p.epoch, epochs: p.epochs, loss: p.loss }, 'training epoch') });
  });
  const onDrift = config.drift.margin > 0 ? (series: SeriesRef[]) => retrain.retrainSoon(series) : undefined;
  const jobs: CronJob[] = [new ForecastJob(config.forecastCron, service, log, afterForecast, onDrift), retrain];
  if (hooks.weatherForecasts) jobs.push(new WeatherForecastJob(hooks.weatherForecasts, log));
  for (const job of jobs) {
    if (metrics) job.measureWith(metrics);
    job.start();
  }
  return {
    jobs,
    stop: async () => {
      for (const job of jobs) await job.stop();
      await worker?.stop();
    },
  };
}

import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { ForecastService } from '../forecast/index.js';
import { CronJob } from './cronJob.js';
import { forecastEach } from './runs.js';

/**
 * Issues forecasts for every series with telemetry, with whatever serves each, runs `afterForecast`
 * (dispatch re-plans on the fresh forecasts), then scores each series' stored forecasts of the last 48 h
 * against the actuals now in (`forecast_error`, the accuracy dashboard). Scoring comes last because
 * nothing waits on it, while a plan is only useful early.
 */
export class ForecastJob extends CronJob {
  readonly name = 'forecast';
  constructor(
    expression: string,
    private readonly service: ForecastService,
    log: Logger,
    private readonly afterForecast?: () => Promise<void>,
  ) {
    super(expression, log);
  }

  protected async run(): Promise<void> {
    const allSeries = await this.service.discoverSeries();
    await forecastEach(this.service, allSeries, this.log);
    await this.afterForecast?.().catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, 'step after the forecast run failed'));
    for (const series of allSeries) {
      // Each run re-scores the last 48 h and overwrites the same points, so the next run makes up for a failure.
      await this.service.scoreForecasts(series).catch((err: unknown) => this.log.warn({ series, err: errorMessage(err) }, 'scoring failed for series'));
    }
  }
}

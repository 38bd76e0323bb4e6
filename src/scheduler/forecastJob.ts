import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { ForecastService, SeriesRef } from '../forecast/index.js';
import { CronJob } from './cronJob.js';
import { forecastEach } from './runs.js';

/**
 * Issues forecasts for every series with telemetry, with whatever serves each, runs `afterForecast`
 * (dispatch re-plans on the fresh forecasts), then scores each series' stored forecasts of the last 48 h
 * against the actuals now in (`forecast_error`, the accuracy dashboard), and hands the series whose serving
 * model's scored error drifted past its validation error to `onDrift`. Scoring comes last because nothing
 * waits on it, while a plan is only useful early.
 */
export class ForecastJob extends CronJob {
  readonly name = 'forecast';
  constructor(
    expression: string,
    private readonly service: ForecastService,
    log: Logger,
    private readonly afterForecast?: () => Promise<void>,
    /** Series whose serving model drifted (checked after scoring): the retrain job trains them now. */
    private readonly onDrift?: (series: SeriesRef[]) => void,
  ) {
    super(expression, log);
  }

  protected async run(): Promise<void> {
    const allSeries = await this.service.discoverSeries();
    await forecastEach(this.service, allSeries, this.log);
    await this.afterForecast?.().catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, 'step after the forecast run failed'));
    const drifted: SeriesRef[] = [];
    for (const series of allSeries) {
      // Each run re-scores the last 48 h and overwrites the same points, so the next run makes up for a failure.
      await this.service.scoreForecasts(series).catch((err: unknown) => this.log.warn({ series, err: errorMessage(err) }, 'scoring failed for series'));
      if (!this.onDrift) continue;
      const verdict = await this.service.checkDrift(series).catch((err: unknown) => this.log.warn({ series, err: errorMessage(err) }, 'drift check failed for series'));
      if (verdict?.drifted) drifted.push(series);
    }
    if (drifted.length > 0) this.onDrift?.(drifted);
  }
}

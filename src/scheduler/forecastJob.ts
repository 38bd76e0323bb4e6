import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { ForecastService } from '../forecast/index.js';
import { CronJob } from './cronJob.js';

/** Issues forecasts for every series with telemetry, with whatever serves each. */
export class ForecastJob extends CronJob {
  readonly name = 'forecast';
  constructor(
    expression: string,
    private readonly service: ForecastService,
    log: Logger,
  ) {
    super(expression, log);
  }

  protected async run(): Promise<void> {
    for (const series of await this.service.discoverSeries()) {
      // One series failing (say, too little data yet) must not stop the others.
      await this.service.forecast(series).catch((err: unknown) => this.log.warn({ series, err: errorMessage(err) }, 'forecast failed for series'));
    }
  }
}

import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { WeatherForecastPoint } from '../contract/index.js';
import type { WeatherForecastStore } from '../storage/index.js';
import { CronJob } from './cronJob.js';

/** Where a site is, as a weather forecast source needs it (SITES_FILE entries have these). */
export interface WeatherSite {
  id: string;
  latitude: number;
  longitude: number;
}

export interface WeatherForecastJobOptions {
  /** WEATHER_FORECAST_CRON. */
  cron: string;
  sites: readonly WeatherSite[];
  /** One site's forecast, issued as of `nowMs` (e.g. fetchOpenMeteoForecast); throws when the source fails. */
  fetch: (site: WeatherSite, nowMs: number) => Promise<WeatherForecastPoint[]>;
  store: WeatherForecastStore;
  now?: () => number;
}

export interface WeatherFetchResult {
  stored: { site: string; hours: number }[];
  failed: { site: string; error: string }[];
}

/**
 * Fetches and stores a weather forecast for every site, one after the other (a handful of requests an
 * hour; no burst on a rate-limited API). One site failing (its request, its answer or its write) is
 * logged and the others go on; the run fails only when every site did.
 */
export class WeatherForecastJob extends CronJob {
  readonly name = 'weather-forecast';

  constructor(
    private readonly opts: WeatherForecastJobOptions,
    log: Logger,
  ) {
    super(opts.cron, log);
  }

  async fetchAll(): Promise<WeatherFetchResult> {
    const result: WeatherFetchResult = { stored: [], failed: [] };
    const nowMs = (this.opts.now ?? Date.now)();
    for (const site of this.opts.sites) {
      try {
        const points = await this.opts.fetch(site, nowMs);
        await this.opts.store.writeWeatherForecasts(points);
        result.stored.push({ site: site.id, hours: points.length });
      } catch (err) {
        this.log.warn({ job: this.name, site: site.id, err: errorMessage(err) }, 'weather forecast failed for site');
        result.failed.push({ site: site.id, error: errorMessage(err) });
      }
    }
    return result;
  }

  protected async run(): Promise<void> {
    const { stored, failed } = await this.fetchAll();
    if (stored.length === 0 && failed.length > 0) throw new Error(`weather forecast failed for every site (${failed.map((f) => f.site).join(', ')})`);
    this.log.info({ job: this.name, sites: stored.length, failed: failed.length }, 'weather forecasts stored');
  }
}

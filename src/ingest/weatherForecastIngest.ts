import { StoreRejectedError, StoreUnavailableError, errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { withRetry, type RetryOptions } from '../common/retry.js';
import type { WeatherForecastStore } from '../storage/index.js';
import type { Rejection } from './parse.js';
import { parseWeatherForecastMessage } from './weatherForecast.js';

/**
 * Longer than telemetry's burst: weather forecasts have no spool, so these retries are all they get
 * before the message is left unacknowledged (docs/telemetry.md: Weather forecasts).
 */
export const WEATHER_FORECAST_WRITE_RETRY: RetryOptions = { attempts: 6, minDelayMs: 250, maxDelayMs: 4000, jitterMs: 250 };

export interface WeatherForecastIngestDeps {
  store: WeatherForecastStore;
  nowMs: number;
  log: Logger;
  /** Publishes the dead letter; resolves once the broker has it. */
  deadLetter: (rejection: Rejection) => Promise<void>;
  retry?: RetryOptions;
}

/**
 * One message of gridcast/v1/<site>/weather-forecast: stored whole, or dead-lettered whole (its reason,
 * or `store_rejected`). Resolves only once the forecast is stored or its dead letter published, so the
 * caller acknowledges after that; rejects (StoreUnavailableError) when the store stays down through the
 * retries, and the message is then left unacknowledged for the broker to redeliver.
 */
export async function ingestWeatherForecast(topic: string, payload: Buffer, deps: WeatherForecastIngestDeps): Promise<void> {
  const parsed = parseWeatherForecastMessage(topic, payload, { nowMs: deps.nowMs });
  if (!parsed.ok) return deps.deadLetter(parsed.rejection);
  try {
    await withRetry(
      () => deps.store.writeWeatherForecasts(parsed.points),
      (err) => (err instanceof StoreRejectedError || err instanceof StoreUnavailableError ? err : new StoreUnavailableError(errorMessage(err), err)),
      deps.log,
      deps.retry ?? WEATHER_FORECAST_WRITE_RETRY,
    );
  } catch (err) {
    if (!(err instanceof StoreRejectedError)) throw err;
    return deps.deadLetter({ reason: 'store_rejected', detail: err.message, payload });
  }
  deps.log.debug({ topic, hours: parsed.points.length, issuedAtMs: parsed.points[0]?.issuedAtMs }, 'weather forecast stored');
}

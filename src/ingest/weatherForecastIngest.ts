import type { WeatherForecastStore } from '../storage/index.js';
import { storeOrDeadLetter, UNSPOOLED_WRITE_RETRY, type UnspooledIngestDeps } from './storeOrDeadLetter.js';
import { parseWeatherForecastMessage } from './weatherForecast.js';

/** Weather forecasts have no spool: these retries are all they get before the message is left unacknowledged. */
export const WEATHER_FORECAST_WRITE_RETRY = UNSPOOLED_WRITE_RETRY;

export interface WeatherForecastIngestDeps extends UnspooledIngestDeps {
  store: WeatherForecastStore;
}

/**
 * One message of gridcast/v1/<site>/weather-forecast: stored whole, or dead-lettered whole (its reason,
 * or `store_rejected`). Resolves only once the forecast is stored or its dead letter published, so the
 * caller acknowledges after that; rejects (StoreUnavailableError) when the store stays down through the
 * retries, and the message is then left unacknowledged for the broker to redeliver.
 */
export async function ingestWeatherForecast(topic: string, payload: Buffer, deps: WeatherForecastIngestDeps): Promise<void> {
  const stored = await storeOrDeadLetter(parseWeatherForecastMessage(topic, payload, { nowMs: deps.nowMs }), payload, (points) => deps.store.writeWeatherForecasts(points), deps);
  if (stored) deps.log.debug({ topic, hours: stored.length, issuedAtMs: stored[0]?.issuedAtMs }, 'weather forecast stored');
}

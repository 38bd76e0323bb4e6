/** MQTT topics (docs/telemetry.md). Simulators publish by them, the ingester and dispatch use them. */

export const TOPIC_PREFIX = 'gridcast/v1';
export const TELEMETRY_SUBSCRIPTION = `${TOPIC_PREFIX}/+/+/+/telemetry`;
export const DEADLETTER_TOPIC = `${TOPIC_PREFIX}/deadletter`;

export function telemetryTopic(site: string, feeder: string, meter: string): string {
  return `${TOPIC_PREFIX}/${site}/${feeder}/${meter}/telemetry`;
}

/** Where the latest dispatch plan of a site is published, retained (src/dispatch). */
export function dispatchTopic(site: string): string {
  return `${TOPIC_PREFIX}/${site}/dispatch`;
}

/** Where a site's own weather forecast provider publishes issued forecasts (docs/telemetry.md: Weather forecasts). */
export const WEATHER_FORECAST_SUBSCRIPTION = `${TOPIC_PREFIX}/+/weather-forecast`;

export function weatherForecastTopic(site: string): string {
  return `${TOPIC_PREFIX}/${site}/weather-forecast`;
}

/** MQTT topics (docs/telemetry.md). Simulators publish by them, the ingester and dispatch use them. */
import { ID_PATTERN } from './ids.js';

export const TOPIC_PREFIX = 'gridcast/v1';
export const TELEMETRY_SUBSCRIPTION = `${TOPIC_PREFIX}/+/+/+/telemetry`;
/** Every dead letter, for operators (docs/telemetry.md: Dead letters). */
export const DEADLETTER_TOPIC = `${TOPIC_PREFIX}/deadletter`;
/** Every meter's own dead-letter topic: what the ingester may write (deploy/mosquitto/acl). */
export const METER_DEADLETTER_SUBSCRIPTION = `${TOPIC_PREFIX}/+/+/+/deadletter`;

export function telemetryTopic(site: string, feeder: string, meter: string): string {
  return `${TOPIC_PREFIX}/${site}/${feeder}/${meter}/telemetry`;
}

/**
 * A meter's own copy of its dead letters. Next to its telemetry topic, so the broker's ACL grants it to the meter
 * by the same `%u` pattern (username `<site>/<feeder>/<meter>`) and to no other meter.
 */
export function meterDeadLetterTopic(site: string, feeder: string, meter: string): string {
  return `${TOPIC_PREFIX}/${site}/${feeder}/${meter}/deadletter`;
}

export interface MeterIds {
  site: string;
  feeder: string;
  meter: string;
}

/** The meter a telemetry topic belongs to, or undefined when the topic breaks the contract (shape or id rule). */
export function telemetryTopicMeter(topic: string): MeterIds | undefined {
  const parts = topic.split('/');
  if (parts.length !== 6 || `${parts[0]}/${parts[1]}` !== TOPIC_PREFIX || parts[5] !== 'telemetry') return undefined;
  const [site, feeder, meter] = [parts[2]!, parts[3]!, parts[4]!];
  return [site, feeder, meter].every((id) => ID_PATTERN.test(id)) ? { site, feeder, meter } : undefined;
}

/** Every site's dispatch plan: what the forecaster may publish and a site controller read (deploy/mosquitto/acl). */
export const DISPATCH_SUBSCRIPTION = `${TOPIC_PREFIX}/+/dispatch`;

/** Where the latest dispatch plan of a site is published, retained (src/dispatch). */
export function dispatchTopic(site: string): string {
  return `${TOPIC_PREFIX}/${site}/dispatch`;
}

/** Where a site's own weather forecast provider publishes issued forecasts (docs/telemetry.md: Weather forecasts). */
export const WEATHER_FORECAST_SUBSCRIPTION = `${TOPIC_PREFIX}/+/weather-forecast`;

export function weatherForecastTopic(site: string): string {
  return `${TOPIC_PREFIX}/${site}/weather-forecast`;
}

/** Where a site's electricity prices (day-ahead from a market feed) are published (docs/telemetry.md: Electricity prices). */
export const PRICE_SUBSCRIPTION = `${TOPIC_PREFIX}/+/prices`;

export function priceTopic(site: string): string {
  return `${TOPIC_PREFIX}/${site}/prices`;
}

/**
 * Where each member of an ingester share group says whether it is up (retained; the broker publishes `absent` as
 * its will when the connection drops). The survivors read it to take over an absent member's session
 * (src/ingest/shareCover.ts). Six levels ending in `presence`: no telemetry, dead-letter or site topic matches it.
 */
export function ingesterPresenceTopic(group: string, clientId: string): string {
  return `${TOPIC_PREFIX}/ingesters/${group}/${clientId}/presence`;
}

export function ingesterPresenceSubscription(group: string): string {
  return `${TOPIC_PREFIX}/ingesters/${group}/+/presence`;
}

/** The member a presence topic is about, or undefined when it isn't one of `group`'s. */
export function ingesterPresenceMember(topic: string, group: string): string | undefined {
  const parts = topic.split('/');
  if (parts.length !== 6 || `${parts[0]}/${parts[1]}` !== TOPIC_PREFIX || parts[2] !== 'ingesters' || parts[3] !== group || parts[5] !== 'presence') return undefined;
  return parts[4] || undefined;
}

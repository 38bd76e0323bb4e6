import { z } from 'zod';
import {
  DEADLETTER_TOPIC,
  meterDeadLetterTopic,
  ID_ALLOWED,
  MAX_PAYLOAD_BYTES,
  MAX_READINGS_PER_MESSAGE,
  MAX_WEATHER_FORECAST_HOURS,
  readingJsonSchema,
  telemetryTopic,
  TOPIC_PREFIX,
  weatherForecastMessageSchema,
  weatherForecastTopic,
  MAX_PRICE_STEPS,
  priceMessageSchema,
  priceTopic,
  dispatchTopic,
  ingesterPresenceTopic,
  ingesterPresenceSchema,
} from '../contract/index.js';
import { dispatchPlanSchema } from '../dispatch/plan.js';
import { deadLetterSchema } from '../ingest/deadletter.js';
import { PROJECT_LICENSE_SPDX } from './openapi.js';

/**
 * The MQTT contract as an AsyncAPI 3.0 document: every topic of src/contract/topics.ts, each payload's schema
 * generated from the zod schema that validates (or produced) it. Operations are from gridcast's side: it
 * receives telemetry and weather forecasts, and sends dead letters and dispatch plans.
 */

type JsonObject = Record<string, unknown>;

export interface AsyncApiDocument {
  asyncapi: '3.0.0';
  info: { title: string; version: string; description: string; license: { name: string; url: string } };
  defaultContentType: string;
  servers: Record<string, JsonObject>;
  channels: Record<string, { address: string; title: string; description: string; parameters?: Record<string, { description: string }>; messages: Record<string, { $ref: string }> }>;
  operations: Record<string, { action: 'send' | 'receive'; channel: { $ref: string }; summary: string; messages: { $ref: string }[]; bindings: { mqtt: JsonObject } }>;
  components: { messages: Record<string, JsonObject>; schemas: Record<string, JsonObject> };
}

/** A payload schema in AsyncAPI's default format (a superset of JSON Schema draft-07), inlined: no $schema, no $defs. */
function payloadSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io });
  return rest;
}

const id = (what: string) => ({ description: `${what} id: ${ID_ALLOWED}` });
const mqtt = (qos: 0 | 1 | 2, retain: boolean) => ({ mqtt: { qos, retain, bindingVersion: '0.2.0' } });

export function generateAsyncApi(): AsyncApiDocument {
  const { $schema: _, ...reading } = readingJsonSchema('draft-7');
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'gridcast MQTT contract',
      version: '1',
      description:
        `Topics below ${TOPIC_PREFIX}/ (the version is in the topic) and their JSON payloads (docs/telemetry.md). Publish with QoS 1; ` +
        `messages are at most ${MAX_PAYLOAD_BYTES / 1024} KiB. What breaks the contract is not stored: it goes to ${DEADLETTER_TOPIC}.`,
      license: { name: PROJECT_LICENSE_SPDX, url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    defaultContentType: 'application/json',
    servers: {
      broker: {
        host: '{host}',
        protocol: 'mqtt',
        description: "The installation's broker: MQTT_URL, or gridcast's embedded one (MQTT_BROKER_HOST, MQTT_BROKER_PORT).",
        variables: { host: { default: 'localhost:1883', description: 'host:port' } },
      },
    },
    channels: {
      telemetry: {
        address: telemetryTopic('{site}', '{feeder}', '{meter}'),
        title: 'Telemetry',
        description: `Readings of one meter: one reading or an array of up to ${MAX_READINGS_PER_MESSAGE}. In an array the valid readings are stored and each invalid one is dead-lettered.`,
        parameters: { site: id('Site'), feeder: id('Feeder'), meter: id('Meter') },
        messages: { telemetry: { $ref: '#/components/messages/telemetry' } },
      },
      weatherForecasts: {
        address: weatherForecastTopic('{site}'),
        title: 'Weather forecasts',
        description: `One issued weather forecast (NWP) for a site, from its own provider: up to ${MAX_WEATHER_FORECAST_HOURS} hourly values, taken or refused whole. Hours are on the hour, once each.`,
        parameters: { site: id('Site') },
        messages: { weatherForecast: { $ref: '#/components/messages/weatherForecast' } },
      },
      prices: {
        address: priceTopic('{site}'),
        title: 'Electricity prices',
        description: `A price series for a site (day-ahead prices from a market feed): up to ${MAX_PRICE_STEPS} intervals of one resolution, taken or refused whole. The same payload as POST /api/v1/sites/{site}/prices; the site's next dispatch plans use it where it covers their steps, in the site's currency only.`,
        parameters: { site: id('Site') },
        messages: { prices: { $ref: '#/components/messages/prices' } },
      },
      deadLetters: {
        address: DEADLETTER_TOPIC,
        title: 'Dead letters',
        description: 'A payload or reading that broke the contract: the original topic, the reason, and the payload cut to 4 KiB.',
        messages: { deadLetter: { $ref: '#/components/messages/deadLetter' } },
      },
      meterDeadLetters: {
        address: meterDeadLetterTopic('{site}', '{feeder}', '{meter}'),
        title: "A meter's own dead letters",
        description: "The same letter as on the global topic, for the meter that sent the refused payload or reading: the ACL lets each meter read its own (and nobody else's). Not sent where the topic names no meter.",
        parameters: { site: id('Site'), feeder: id('Feeder'), meter: id('Meter') },
        messages: { deadLetter: { $ref: '#/components/messages/deadLetter' } },
      },
      dispatchPlans: {
        address: dispatchTopic('{site}'),
        title: 'Dispatch plans',
        description: 'The latest dispatch plan of a site, retained: a new subscriber gets the current plan at once.',
        parameters: { site: id('Site') },
        messages: { dispatchPlan: { $ref: '#/components/messages/dispatchPlan' } },
      },
      ingesterPresence: {
        address: ingesterPresenceTopic('{group}', '{clientId}'),
        title: 'Ingester presence in a share group',
        description:
          "Each ingester of an MQTT_SHARE_GROUP says it is present, retained, with `absent` as its will; the survivors read it to take over an absent member's session and store its share (docs/scaling.md). Clearing a member's retained presence retires it.",
        parameters: { group: { description: `Share group (MQTT_SHARE_GROUP): ${ID_ALLOWED}` }, clientId: { description: "The ingester's MQTT_CLIENT_ID" } },
        messages: { ingesterPresence: { $ref: '#/components/messages/ingesterPresence' } },
      },
    },
    operations: {
      receiveTelemetry: {
        action: 'receive',
        channel: { $ref: '#/channels/telemetry' },
        summary: 'Meters publish readings; the ingester validates and stores them.',
        messages: [{ $ref: '#/channels/telemetry/messages/telemetry' }],
        bindings: mqtt(1, false),
      },
      receiveWeatherForecast: {
        action: 'receive',
        channel: { $ref: '#/channels/weatherForecasts' },
        summary: "A site's weather provider publishes each issued forecast; the ingester stores it.",
        messages: [{ $ref: '#/channels/weatherForecasts/messages/weatherForecast' }],
        bindings: mqtt(1, false),
      },
      receivePrices: {
        action: 'receive',
        channel: { $ref: '#/channels/prices' },
        summary: 'A market feed publishes price series (user gridcast-prices); the ingester stores them.',
        messages: [{ $ref: '#/channels/prices/messages/prices' }],
        bindings: mqtt(1, false),
      },
      sendDeadLetter: {
        action: 'send',
        channel: { $ref: '#/channels/deadLetters' },
        summary: 'The ingester publishes what it refused, one letter per refused payload or reading.',
        messages: [{ $ref: '#/channels/deadLetters/messages/deadLetter' }],
        bindings: mqtt(1, false),
      },
      sendMeterDeadLetter: {
        action: 'send',
        channel: { $ref: '#/channels/meterDeadLetters' },
        summary: "The ingester sends the meter its own copy of each dead letter it can attribute to it.",
        messages: [{ $ref: '#/channels/meterDeadLetters/messages/deadLetter' }],
        bindings: mqtt(1, false),
      },
      sendDispatchPlan: {
        action: 'send',
        channel: { $ref: '#/channels/dispatchPlans' },
        summary: 'Dispatch publishes each plan it computes, retained.',
        messages: [{ $ref: '#/channels/dispatchPlans/messages/dispatchPlan' }],
        bindings: mqtt(1, true),
      },
      sendIngesterPresence: {
        action: 'send',
        channel: { $ref: '#/channels/ingesterPresence' },
        summary: 'Each ingester of a share group announces itself (retained; its will says absent), and reads the others.',
        messages: [{ $ref: '#/channels/ingesterPresence/messages/ingesterPresence' }],
        bindings: mqtt(1, true),
      },
    },
    components: {
      messages: {
        telemetry: { name: 'telemetry', title: 'Readings', payload: { $ref: '#/components/schemas/TelemetryPayload' } },
        weatherForecast: { name: 'weatherForecast', title: 'Weather forecast', payload: { $ref: '#/components/schemas/WeatherForecastMessage' } },
        prices: { name: 'prices', title: 'Price series', payload: { $ref: '#/components/schemas/PriceMessage' } },
        deadLetter: { name: 'deadLetter', title: 'Dead letter', payload: { $ref: '#/components/schemas/DeadLetter' } },
        dispatchPlan: { name: 'dispatchPlan', title: 'Dispatch plan', payload: { $ref: '#/components/schemas/DispatchPlan' } },
        ingesterPresence: { name: 'ingesterPresence', title: 'Ingester presence', payload: { $ref: '#/components/schemas/IngesterPresence' } },
      },
      schemas: {
        Reading: reading,
        TelemetryPayload: {
          description: `One reading, or an array of 1–${MAX_READINGS_PER_MESSAGE}.`,
          oneOf: [{ $ref: '#/components/schemas/Reading' }, { type: 'array', minItems: 1, maxItems: MAX_READINGS_PER_MESSAGE, items: { $ref: '#/components/schemas/Reading' } }],
        },
        // As published: `source` may be left out (it defaults).
        WeatherForecastMessage: payloadSchema(weatherForecastMessageSchema, 'input'),
        PriceMessage: payloadSchema(priceMessageSchema, 'input'),
        DeadLetter: payloadSchema(deadLetterSchema, 'output'),
        DispatchPlan: payloadSchema(dispatchPlanSchema, 'output'),
        IngesterPresence: payloadSchema(ingesterPresenceSchema, 'output'),
      },
    },
  };
}

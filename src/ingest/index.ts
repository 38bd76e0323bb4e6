export { Ingester, type IngesterOptions } from './ingester.js';
export { INGEST_STATS_FIELDS, IngestStatsReporter, rejectedField } from './ingestStats.js';
export { startEmbeddedBroker, type EmbeddedBroker } from './embeddedBroker.js';
export {
  DEADLETTER_TOPIC,
  MAX_PAYLOAD_BYTES,
  MAX_READINGS_PER_MESSAGE,
  READING_FIELDS,
  TELEMETRY_SUBSCRIPTION,
  dispatchTopic,
  readingSchema,
  telemetryTopic,
  type Reading,
} from './contract.js';
export { REJECT_REASONS, parseTelemetryMessage, type RejectReason, type Rejection } from './parse.js';
export type { DeadLetter } from './deadletter.js';

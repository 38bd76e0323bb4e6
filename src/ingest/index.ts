export { Ingester, type IngesterOptions } from './ingester.js';
export { INGEST_STATS_FIELDS, IngestStatsReporter, rejectedField } from './ingestStats.js';
export { startEmbeddedBroker, type EmbeddedBroker } from './embeddedBroker.js';
export { REJECT_REASONS, parseTelemetryMessage, type RejectReason, type Rejection } from './parse.js';
export type { DeadLetter } from './deadletter.js';

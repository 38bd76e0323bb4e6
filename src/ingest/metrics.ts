import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { REJECT_REASONS } from './parse.js';

/** The ingester's Prometheus metrics (served on /metrics, charted on the ingestion-health dashboard). */
export class IngestMetrics {
  readonly messagesReceived: Counter;
  readonly readingsAccepted: Counter;
  readonly readingsRejected: Counter<'reason'>;
  readonly readingsSpooled: Counter;
  readonly readingsReplayed: Counter;
  readonly writeSeconds: Histogram;
  readonly spoolDepth: Gauge;
  readonly ingestLagSeconds: Histogram;
  readonly messagesUnacked: Gauge;
  readonly messagesStuck: Gauge;
  readonly readingHeld: Counter;
  readonly sessionsLost: Counter;
  readonly spoolCorruptRecords: Counter;
  readonly meterDeadLettersRefused: Counter;
  readonly sharesCovered: Gauge;
  readonly shareTakeovers: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.messagesReceived = new Counter({ name: 'gridcast_ingest_messages_received_total', help: 'MQTT telemetry messages received', registers });
    this.readingsAccepted = new Counter({ name: 'gridcast_ingest_readings_accepted_total', help: 'Readings that passed validation', registers });
    this.readingsRejected = new Counter({
      name: 'gridcast_ingest_readings_rejected_total',
      help: 'Readings or payloads dead-lettered, by reason',
      labelNames: ['reason'],
      registers,
    });
    // Every reason shows up at 0 from the start, so dashboards and alerts see the series before the first failure.
    for (const reason of REJECT_REASONS) this.readingsRejected.inc({ reason }, 0);
    this.meterDeadLettersRefused = new Counter({
      name: 'gridcast_ingest_meter_deadletters_refused_total',
      help: "Meter dead-letter copies the broker refused (an ACL without the ingester's write line); the global dead letter was sent",
      registers,
    });
    this.readingsSpooled = new Counter({ name: 'gridcast_ingest_readings_spooled_total', help: 'Readings written to the on-disk spool because the store was unavailable', registers });
    this.readingsReplayed = new Counter({ name: 'gridcast_ingest_readings_replayed_total', help: 'Spooled readings replayed into the store', registers });
    this.writeSeconds = new Histogram({
      name: 'gridcast_store_write_duration_seconds',
      help: 'Time to write one batch to the store',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.spoolDepth = new Gauge({ name: 'gridcast_spool_depth_readings', help: 'Readings waiting in the on-disk spool', registers });
    this.ingestLagSeconds = new Histogram({
      name: 'gridcast_ingest_lag_seconds',
      help: 'Reading timestamp to durable storage (store or spool)',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
      registers,
    });
    this.messagesUnacked = new Gauge({ name: 'gridcast_ingest_messages_unacked', help: 'Messages received and not yet acknowledged (being validated, stored or dead-lettered)', registers });
    this.readingHeld = new Counter({
      name: 'gridcast_ingest_mqtt_reads_held_total',
      help: 'Times the ingester stopped reading from the broker because MQTT_RECEIVE_MAXIMUM messages were waiting on the store (it reads on as they are stored)',
      registers,
    });
    this.messagesStuck = new Gauge({
      name: 'gridcast_ingest_messages_stuck',
      help: 'Messages received but neither acknowledged nor dead-lettered for longer than INGEST_STUCK_AFTER_SECONDS; while > 0, /ready answers 503',
      registers,
    });
    this.sessionsLost = new Counter({
      name: 'gridcast_ingest_mqtt_sessions_lost_total',
      help: 'Connections to the broker that found no persistent session where one was expected (messages queued for the ingester may be lost): another client used its client id, or the broker lost its state',
      registers,
    });
    this.sharesCovered = new Gauge({
      name: 'gridcast_ingest_share_sessions_covered',
      help: "Absent share-group members whose sessions this ingester holds now, storing their share until they are back (MQTT_SHARE_TAKEOVER_SECONDS)",
      registers,
    });
    this.shareTakeovers = new Counter({
      name: 'gridcast_ingest_share_takeovers_total',
      help: "Times this ingester took over an absent share-group member's session",
      registers,
    });
    this.spoolCorruptRecords = new Counter({
      name: 'gridcast_spool_corrupt_records_total',
      help: 'Spool records that failed their CRC and were set aside; replay resumed at the next intact record',
      registers,
    });
  }
}

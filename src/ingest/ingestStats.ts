import type { Counter, Gauge, Histogram } from 'prom-client';
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { IngestStatsStore } from '../storage/index.js';
import type { IngestMetrics } from './metrics.js';
import { REJECT_REASONS, type RejectReason } from './parse.js';
import type { IngestStatsPoint } from '../contract/index.js';

/** The field of `ingest_stats` counting one reject reason, e.g. `rejected_invalid_json_total`. */
export function rejectedField(reason: RejectReason): string {
  return `rejected_${reason}_total`;
}

/**
 * Every field an ingester writes to `ingest_stats` (the dashboards are generated from this list).
 * Counters count since the ingester started (a restart resets them: read them with non_negative_derivative).
 */
export const INGEST_STATS_FIELDS = [
  'messages_total',
  'readings_total',
  'rejected_total',
  ...REJECT_REASONS.map(rejectedField),
  'spooled_total',
  'replayed_total',
  'spool_depth',
  'lag_ms',
  'messages_stuck',
  'mqtt_sessions_lost_total',
] as const;

async function counterValue(metric: Counter | Gauge): Promise<number> {
  return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);
}

async function byReason(metric: Counter<'reason'>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const v of (await metric.get()).values) out.set(String(v.labels.reason), v.value);
  return out;
}

async function histogramSumCount(metric: Histogram): Promise<{ sum: number; count: number }> {
  let sum = 0;
  let count = 0;
  for (const v of (await metric.get()).values) {
    if (v.metricName?.endsWith('_sum')) sum += v.value;
    else if (v.metricName?.endsWith('_count')) count += v.value;
  }
  return { sum, count };
}

/**
 * Writes the ingester's own figures into the store every `intervalMs` (measurement `ingest_stats`, tag
 * `ingester` = MQTT client id), so the ingestion-health dashboard needs only the database. The figures are
 * read from the same Prometheus metrics /metrics serves, so the two always agree, and the durable write
 * path is left alone. A sample that can't be written is dropped (the next one carries the counters on).
 */
export class IngestStatsReporter {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private stopped = false;
  private failing = false;
  /** Lag histogram totals at the previous sample: lag_ms is the mean over the interval. */
  private lastLag = { sum: 0, count: 0 };

  constructor(
    private readonly store: IngestStatsStore,
    private readonly metrics: IngestMetrics,
    private readonly ingester: string,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.intervalMs <= 0 || this.timer || this.stopped) return;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.writing;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.writing = this.writeOnce().finally(() => {
        this.writing = undefined;
        if (!this.stopped) this.schedule();
      });
    }, this.intervalMs);
    // Never what keeps the process alive.
    this.timer.unref();
  }

  /** The current figures as one point. */
  async sample(nowMs = Date.now()): Promise<IngestStatsPoint> {
    const m = this.metrics;
    const rejected = await byReason(m.readingsRejected);
    const fields: Record<string, number> = {
      messages_total: await counterValue(m.messagesReceived),
      readings_total: await counterValue(m.readingsAccepted),
      rejected_total: [...rejected.values()].reduce((a, b) => a + b, 0),
      spooled_total: await counterValue(m.readingsSpooled),
      replayed_total: await counterValue(m.readingsReplayed),
      spool_depth: await counterValue(m.spoolDepth),
      messages_stuck: await counterValue(m.messagesStuck),
      mqtt_sessions_lost_total: await counterValue(m.sessionsLost),
    };
    for (const reason of REJECT_REASONS) fields[rejectedField(reason)] = rejected.get(reason) ?? 0;
    const lag = await histogramSumCount(m.ingestLagSeconds);
    const batches = lag.count - this.lastLag.count;
    // No batch made durable in the interval: no lag to report (rather than a misleading 0).
    if (batches > 0) fields.lag_ms = ((lag.sum - this.lastLag.sum) / batches) * 1000;
    this.lastLag = lag;
    return { ingester: this.ingester, timeMs: nowMs, fields };
  }

  private async writeOnce(): Promise<void> {
    try {
      await this.store.writeIngestStats([await this.sample()]);
      if (this.failing) this.log.info('ingest statistics written again');
      this.failing = false;
    } catch (err) {
      // Once per outage at warn: the store being down is already reported by the durable writer.
      this.log[this.failing ? 'debug' : 'warn']({ err: errorMessage(err) }, 'could not write ingest statistics; the next sample carries the counters on');
      this.failing = true;
    }
  }
}

import type { IngestStatsPoint } from '../contract/index.js';
import { REJECT_REASONS } from './parse.js';
import { rejectedField } from './ingestStats.js';

/** One `ingest_stats` sample with its counters turned into per-second rates since the ingester's previous sample. */
export interface IngestStatsSample {
  ingester: string;
  timeMs: number;
  /** Null on an ingester's first sample in the range and after a restart (a counter went down), as non_negative_derivative leaves them out. */
  readingsPerSecond: number | null;
  rejectedPerSecond: number | null;
  rejectedPerSecondByReason: Record<string, number | null>;
  sessionsLostPerSecond: number | null;
  spoolDepth: number | null;
  lagMs: number | null;
  messagesStuck: number | null;
}

const num = (f: Record<string, number>, k: string): number | null => (typeof f[k] === 'number' && Number.isFinite(f[k]) ? f[k] : null);

function rate(cur: Record<string, number>, prev: Record<string, number> | undefined, field: string, seconds: number): number | null {
  const a = num(cur, field);
  const b = prev ? num(prev, field) : null;
  if (a === null || b === null || seconds <= 0 || a < b) return null;
  return (a - b) / seconds;
}

/**
 * Samples (sorted by ingester, then time) → rates per sample. Counters count since each ingester started,
 * so a rate needs the previous sample of the same ingester; a drop means a restart and gives no rate.
 */
export function ingestStatsSamples(points: readonly IngestStatsPoint[]): IngestStatsSample[] {
  const out: IngestStatsSample[] = [];
  let prev: IngestStatsPoint | undefined;
  for (const p of points) {
    const before = prev && prev.ingester === p.ingester && prev.timeMs < p.timeMs ? prev : undefined;
    const seconds = before ? (p.timeMs - before.timeMs) / 1000 : 0;
    const r = (field: string) => rate(p.fields, before?.fields, field, seconds);
    out.push({
      ingester: p.ingester,
      timeMs: p.timeMs,
      readingsPerSecond: r('readings_total'),
      rejectedPerSecond: r('rejected_total'),
      rejectedPerSecondByReason: Object.fromEntries(REJECT_REASONS.map((reason) => [reason, r(rejectedField(reason))])),
      sessionsLostPerSecond: r('mqtt_sessions_lost_total'),
      spoolDepth: num(p.fields, 'spool_depth'),
      lagMs: num(p.fields, 'lag_ms'),
      messagesStuck: num(p.fields, 'messages_stuck'),
    });
    prev = p;
  }
  return out;
}

/** One ingester over a window: its last report and how its figures moved. */
export interface IngesterSummary {
  ingester: string;
  lastReportMs: number;
  spoolDepth: number | null;
  /** Last spool depth minus the first in the window: above zero, the spool is filling. */
  spoolDepthChange: number | null;
  /** Readings made durable per second over the window (first to last sample; null with one sample or a restart). */
  readingsPerSecond: number | null;
  rejectedPerSecond: number | null;
  lagMs: number | null;
  messagesStuck: number | null;
}

export function ingesterSummaries(points: readonly IngestStatsPoint[]): IngesterSummary[] {
  const byIngester = new Map<string, IngestStatsPoint[]>();
  for (const p of points) byIngester.set(p.ingester, [...(byIngester.get(p.ingester) ?? []), p]);
  return [...byIngester].map(([ingester, ps]) => {
    const first = ps[0]!;
    const last = ps.at(-1)!;
    const seconds = (last.timeMs - first.timeMs) / 1000;
    const depth = num(last.fields, 'spool_depth');
    const depth0 = num(first.fields, 'spool_depth');
    return {
      ingester,
      lastReportMs: last.timeMs,
      spoolDepth: depth,
      spoolDepthChange: depth !== null && depth0 !== null ? depth - depth0 : null,
      readingsPerSecond: rate(last.fields, ps.length > 1 ? first.fields : undefined, 'readings_total', seconds),
      rejectedPerSecond: rate(last.fields, ps.length > 1 ? first.fields : undefined, 'rejected_total', seconds),
      lagMs: [...ps].reverse().map((p) => num(p.fields, 'lag_ms')).find((v) => v !== null) ?? null,
      messagesStuck: num(last.fields, 'messages_stuck'),
    };
  });
}

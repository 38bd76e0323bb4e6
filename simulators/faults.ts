import type { RejectReason } from '../src/ingest/index.js';
import type { Reading } from '../src/contract/index.js';

/**
 * Fault injection: makes a clean simulated stream as messy as real meters are. Every fault is
 * counted, so a test can check the ingester stored or dead-lettered exactly what was sent.
 * Rates are probabilities in [0, 1]: per meter and tick (dropout, stuck), per reading (spike, late),
 * per message (duplicate, outOfOrder, malformed) or per meter for the whole run (skew).
 */
export const FAULT_KINDS = ['dropout', 'duplicate', 'outOfOrder', 'late', 'spike', 'stuck', 'skew', 'malformed'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type FaultRates = Record<FaultKind, number>;
export type FaultCounts = Record<FaultKind, number>;

export const NO_FAULTS: FaultRates = { dropout: 0, duplicate: 0, outOfOrder: 0, late: 0, spike: 0, stuck: 0, skew: 0, malformed: 0 };

/** The bad inputs injected, one of each in turn, with the reason the ingester must give. */
export const MALFORMED_KINDS = [
  'invalid_json',
  'missing_field',
  'invalid_field',
  'unknown_field',
  'non_finite_value',
  'timestamp_in_future',
  'timestamp_too_old',
  'invalid_payload_shape',
  'too_many_readings',
  'payload_too_large',
  'invalid_topic',
] as const satisfies readonly RejectReason[];
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

export interface MalformedMessage {
  topic: string;
  payload: string;
  reason: MalformedKind;
}

interface MeterState {
  silentUntilTick: number;
  stuckUntilTick: number;
  stuckReading: Reading | undefined;
  skewMs: number;
}

export class FaultInjector {
  readonly counts: FaultCounts = { dropout: 0, duplicate: 0, outOfOrder: 0, late: 0, spike: 0, stuck: 0, skew: 0, malformed: 0 };
  readonly malformedByReason: Partial<Record<MalformedKind, number>> = {};
  private readonly meters: MeterState[];
  private nextMalformed = 0;

  constructor(
    private readonly rates: FaultRates,
    private readonly random: () => number,
    meterCount: number,
  ) {
    this.meters = Array.from({ length: meterCount }, () => ({
      silentUntilTick: -1,
      stuckUntilTick: -1,
      stuckReading: undefined,
      // A skewed meter keeps its offset: 30 s to 4 min either way (within the ingester's 5-minute future bound).
      skewMs: this.chance(rates.skew) ? Math.round((30_000 + this.random() * 210_000) * (this.random() < 0.5 ? -1 : 1)) : 0,
    }));
  }

  get active(): boolean {
    return FAULT_KINDS.some((k) => this.rates[k] > 0);
  }

  /**
   * Reading-level faults for meter `i` at tick number `tick`. Returns the reading to send (maybe
   * altered), `undefined` when the meter is silent, or `{ lateByTicks }` when it arrives later.
   */
  apply(i: number, tick: number, reading: Reading): Reading | undefined | { late: Reading; lateByTicks: number } {
    const m = this.meters[i]!;
    if (tick > m.silentUntilTick && this.chance(this.rates.dropout)) m.silentUntilTick = tick + this.span();
    if (tick <= m.silentUntilTick) {
      this.counts.dropout++;
      return undefined;
    }
    let r = reading;
    if (tick <= m.stuckUntilTick || this.chance(this.rates.stuck)) {
      if (tick > m.stuckUntilTick) {
        m.stuckUntilTick = tick + this.span();
        m.stuckReading = r;
      } else if (m.stuckReading) {
        const { ts: _ts, ...values } = m.stuckReading;
        r = { ...values, ts: r.ts } as Reading;
        this.counts.stuck++;
      }
    }
    if (r.powerKw !== undefined && r.powerKw !== 0 && this.chance(this.rates.spike)) {
      r = { ...r, powerKw: round(r.powerKw * (4 + this.random() * 6)) };
      this.counts.spike++;
    }
    if (m.skewMs !== 0) {
      r = { ...r, ts: (r.ts as number) + m.skewMs };
      this.counts.skew++;
    }
    if (this.chance(this.rates.late)) {
      this.counts.late++;
      return { late: r, lateByTicks: 1 + Math.floor(this.random() * 10) };
    }
    return r;
  }

  /** Message-level: publish this message twice? */
  duplicate(): boolean {
    if (!this.chance(this.rates.duplicate)) return false;
    this.counts.duplicate++;
    return true;
  }

  /** Message-level: hold this message back until after the meter's next one? */
  reorder(): boolean {
    if (!this.chance(this.rates.outOfOrder)) return false;
    this.counts.outOfOrder++;
    return true;
  }

  /** Message-level: also publish a malformed message (kinds in turn) on `topic`? */
  malformed(topic: string, nowMs: number): MalformedMessage | undefined {
    if (!this.chance(this.rates.malformed)) return undefined;
    const reason = MALFORMED_KINDS[this.nextMalformed++ % MALFORMED_KINDS.length]!;
    this.counts.malformed++;
    this.malformedByReason[reason] = (this.malformedByReason[reason] ?? 0) + 1;
    return { reason, ...malformedPayload(reason, topic, nowMs) };
  }

  private chance(rate: number): boolean {
    return rate > 0 && this.random() < rate;
  }

  /** A silence or freeze lasts 5 to 30 ticks. */
  private span(): number {
    return 5 + Math.floor(this.random() * 26);
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** One bad input of the given kind; `nowMs` is the simulated time (what a good reading would carry). */
export function malformedPayload(reason: MalformedKind, topic: string, nowMs: number): { topic: string; payload: string } {
  const ok = { ts: nowMs, kind: 'load', powerKw: 1.5 };
  switch (reason) {
    case 'invalid_json':
      return { topic, payload: `{"ts":${nowMs},"kind":"load","powerKw":` };
    case 'missing_field':
      return { topic, payload: JSON.stringify({ ts: nowMs, kind: 'load' }) };
    case 'invalid_field':
      return { topic, payload: JSON.stringify({ ...ok, powerKw: '1.5' }) };
    case 'unknown_field':
      return { topic, payload: JSON.stringify({ ...ok, power_kw: 1.5 }) };
    case 'non_finite_value':
      return { topic, payload: `{"ts":${nowMs},"kind":"load","powerKw":NaN}` };
    case 'timestamp_in_future':
      return { topic, payload: JSON.stringify({ ...ok, ts: Date.now() + 3_600_000 }) };
    case 'timestamp_too_old':
      return { topic, payload: JSON.stringify({ ...ok, ts: Math.floor(nowMs / 1000) }) }; // seconds, not ms
    case 'invalid_payload_shape':
      return { topic, payload: '[]' };
    case 'too_many_readings':
      return { topic, payload: JSON.stringify(Array.from({ length: 1001 }, () => ok)) };
    case 'payload_too_large':
      return { topic, payload: JSON.stringify({ ...ok, note: 'x'.repeat(256 * 1024) }) };
    case 'invalid_topic':
      return { topic: topic.replace('/telemetry', '.bad/telemetry'), payload: JSON.stringify(ok) };
  }
}

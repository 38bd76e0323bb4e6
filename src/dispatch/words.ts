import { DateTime } from 'luxon';

/** Helpers that put plan numbers into operator words: spans of steps, kW/MW, prices, local times. */

export interface Span {
  /** First step index. */
  from: number;
  /** One past the last step index. */
  to: number;
}

/** Maximal runs of consecutive steps with the same non-undefined key. */
export function spansBy<K>(count: number, key: (t: number) => K | undefined): { key: K; span: Span }[] {
  const out: { key: K; span: Span }[] = [];
  let current: { key: K; span: Span } | undefined;
  for (let t = 0; t < count; t++) {
    const k = key(t);
    if (current && k === current.key) {
      current.span.to = t + 1;
      continue;
    }
    current = k === undefined ? undefined : { key: k, span: { from: t, to: t + 1 } };
    if (current) out.push(current);
  }
  return out;
}

export function formatKw(kw: number): string {
  const abs = Math.abs(kw);
  if (abs >= 1000) return `${(kw / 1000).toFixed(abs >= 10_000 ? 0 : 1)} MW`;
  return `${kw.toFixed(abs >= 100 ? 0 : 1)} kW`;
}

export function formatKwh(kwh: number): string {
  return Math.abs(kwh) >= 1000 ? `${(kwh / 1000).toFixed(1)} MWh` : `${kwh.toFixed(1)} kWh`;
}

export function formatPrice(perKwh: number, currency: string): string {
  return `${perKwh.toFixed(2)} ${currency}/kWh`;
}

/** "18:00–20:00" on a one-day horizon, "Mon 18:00–20:00" (or "Mon 22:00–Tue 02:00") beyond. */
export function formatSpan(span: Span, timesMs: readonly number[], stepMs: number, timeZone: string): string {
  const multiDay = timesMs.length > 0 && timesMs[timesMs.length - 1]! + stepMs - timesMs[0]! > 86_400_000;
  const from = DateTime.fromMillis(timesMs[span.from]!, { zone: timeZone });
  const to = DateTime.fromMillis(timesMs[span.to - 1]! + stepMs, { zone: timeZone });
  if (!multiDay) return `${from.toFormat('HH:mm')}–${to.toFormat('HH:mm')}`;
  const sameDay = from.toISODate() === to.minus({ milliseconds: 1 }).toISODate();
  return `${from.toFormat('ccc HH:mm')}–${sameDay ? to.toFormat('HH:mm') : to.toFormat('ccc HH:mm')}`;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

export function max(values: readonly number[]): number {
  return values.reduce((a, b) => Math.max(a, b), -Infinity);
}

export function slice<T>(values: readonly T[], span: Span): T[] {
  return values.slice(span.from, span.to);
}

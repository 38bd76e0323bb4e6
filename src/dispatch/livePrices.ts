import type { PricePoint } from '../contract/index.js';
import type { PlanPriceSpan } from './plan.js';

/**
 * Published prices → one price per plan step, pure. A step takes the published prices only where they
 * cover the whole step; at each instant the price received last applies (ties: the source that sorts
 * first), and a step spanning several price intervals (a 60-minute step over 15-minute prices) takes their
 * time-weighted mean. Where no published price covers a step, the dispatch file's price stays.
 */
export interface LivePriceStep {
  /** Per kWh, as the scenario holds prices; undefined: not covered. */
  importPerKwh?: number;
  exportPerKwh?: number;
  /** The publication behind the step's start (source tag and when it was received). */
  from?: { source: string; receivedAtMs: number };
  exportFrom?: { source: string; receivedAtMs: number };
}

const better = (a: PricePoint, b: PricePoint) => a.receivedAtMs > b.receivedAtMs || (a.receivedAtMs === b.receivedAtMs && a.source < b.source);

/** For each step start in `timesMs` (each `stepMs` long), the published price covering it, if any. */
export function livePriceSteps(points: readonly PricePoint[], timesMs: readonly number[], stepMs: number): LivePriceStep[] {
  return timesMs.map((startMs) => {
    const endMs = startMs + stepMs;
    const overlapping = points.filter((p) => p.timeMs < endMs && p.timeMs + p.durationMs > startMs);
    // The instants where the applying point can change: every start and end inside the step.
    const cuts = [...new Set([startMs, endMs, ...overlapping.flatMap((p) => [p.timeMs, p.timeMs + p.durationMs]).filter((t) => t > startMs && t < endMs)])].sort((a, b) => a - b);
    let importSum = 0;
    let exportSum = 0;
    let exportCovered = true;
    let first: PricePoint | undefined;
    for (let i = 0; i + 1 < cuts.length; i++) {
      const [a, b] = [cuts[i]!, cuts[i + 1]!];
      let best: PricePoint | undefined;
      for (const p of overlapping) if (p.timeMs <= a && p.timeMs + p.durationMs >= b && (!best || better(p, best))) best = p;
      if (!best) return {};
      first ??= best;
      importSum += best.importPricePerMwh * (b - a);
      if (best.exportPricePerMwh === undefined) exportCovered = false;
      else exportSum += best.exportPricePerMwh * (b - a);
    }
    const from = { source: first!.source, receivedAtMs: first!.receivedAtMs };
    return {
      importPerKwh: importSum / stepMs / 1000,
      from,
      ...(exportCovered ? { exportPerKwh: exportSum / stepMs / 1000, exportFrom: from } : {}),
    };
  });
}

/** The dispatch file's name in a plan's price spans. */
export const DISPATCH_FILE_PRICE_SOURCE = 'dispatch-file';

/** Runs of steps with the same price source, as the plan reports them. */
export function priceSpans(timesMs: readonly number[], stepMs: number, from: readonly ({ source: string; receivedAtMs: number } | undefined)[]): PlanPriceSpan[] {
  const spans: PlanPriceSpan[] = [];
  let last: string | undefined;
  timesMs.forEach((t, i) => {
    const f = from[i];
    const key = f ? `${f.source}\n${f.receivedAtMs}` : DISPATCH_FILE_PRICE_SOURCE;
    const span = spans[spans.length - 1];
    if (span && key === last) span.to = new Date(t + stepMs).toISOString();
    else spans.push({ from: new Date(t).toISOString(), to: new Date(t + stepMs).toISOString(), ...(f ? { source: 'published', publishedVia: f.source, receivedAt: new Date(f.receivedAtMs).toISOString() } : { source: DISPATCH_FILE_PRICE_SOURCE }) });
    last = key;
  });
  return spans;
}

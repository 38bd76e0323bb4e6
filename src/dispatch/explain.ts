import { TOLERANCE } from './extract.js';
import type { PlanStep, Recommendation } from './plan.js';
import type { Scenario } from './scenario.js';
import { formatKw, formatPrice, formatSpan, max, mean, slice, spansBy, type Span } from './words.js';

/**
 * One recommendation per run of steps with the same action, each with the reason an operator would
 * check first: prices against the horizon average, the net-load peak, a limit that binds, a surplus.
 */
export function explain(s: Scenario, steps: readonly PlanStep[], timesMs: readonly number[]): Recommendation[] {
  const stepMs = s.stepMinutes * 60_000;
  const n = steps.length;
  const when = (span: Span) => formatSpan(span, timesMs, stepMs, s.timeZone);
  const iso = (span: Span) => ({ from: new Date(timesMs[span.from]!).toISOString(), to: new Date(timesMs[span.to - 1]! + stepMs).toISOString() });
  const price = (p: number) => formatPrice(p, s.currency);
  const avgImport = mean(steps.map((p) => p.importPricePerKwh));
  const netLoads = steps.map((p) => p.netLoadKw);
  const peakThreshold = quantile(netLoads, 0.8);
  const out: Recommendation[] = [];
  const add = (asset: string, action: Recommendation['action'], span: Span, powerKw: number, reason: string) =>
    out.push({ asset, action, ...iso(span), powerKw, reason: `${action}${action === 'stop' ? '' : ` ${formatKw(powerKw)}`} ${when(span)}: ${reason}` });

  s.batteries.forEach((b, i) => {
    const power = steps.map((p) => p.batteries[i]?.powerKw ?? 0);
    for (const { key, span } of spansBy(n, (t) => (power[t]! > TOLERANCE ? 'discharge' : power[t]! < -TOLERANCE ? 'charge' : undefined))) {
      const spanSteps = slice(steps, span);
      const kw = mean(slice(power, span).map(Math.abs));
      const spanPrice = mean(spanSteps.map((p) => p.importPricePerKwh));
      const reasons: string[] = [];
      if (key === 'discharge') {
        const spanPeak = max(spanSteps.map((p) => p.netLoadKw));
        if (spanPeak > 0 && spanPeak >= peakThreshold && spanPeak > mean(netLoads) + 1e-6) reasons.push(`net-load peak of ${formatKw(spanPeak)}`);
        if (spanPrice > avgImport + 1e-9) reasons.push(`import price ${price(spanPrice)} (horizon average ${price(avgImport)})`);
        if (spanSteps.some((p) => p.importKw >= s.grid.importLimitKw - 1e-3)) reasons.push(`keeps import within its ${formatKw(s.grid.importLimitKw)} limit`);
        if (spanSteps.some((p) => p.exportKw > TOLERANCE)) reasons.push(`exports at ${price(mean(spanSteps.map((p) => p.exportPricePerKwh)))}`);
        if (reasons.length === 0) reasons.push(`covers load at ${price(spanPrice)} from stored energy`);
      } else {
        if (spanSteps.some((p) => p.netLoadKw < -TOLERANCE)) reasons.push(`stores a PV/wind surplus of up to ${formatKw(-Math.min(...spanSteps.map((p) => p.netLoadKw)))}`);
        if (spanPrice < avgImport - 1e-9) reasons.push(`import price ${price(spanPrice)} (horizon average ${price(avgImport)})`);
        if (span.to === n && (b.socEndTargetPct ?? b.socInitialPct) > (steps[span.from]?.batteries[i]?.socPct ?? 0)) reasons.push(`refills toward the ${(b.socEndTargetPct ?? b.socInitialPct).toFixed(0)} % end-of-horizon target`);
        if (reasons.length === 0) reasons.push(`stores energy at ${price(spanPrice)} for later use`);
      }
      add(b.id, key, span, kw, reasons.join('; '));
    }
  });

  s.generators.forEach((g, i) => {
    const on = steps.map((p) => p.generators[i]!.on);
    for (const { span } of spansBy(n, (t) => (on[t] ? true : undefined))) {
      const spanSteps = slice(steps, span);
      const kw = mean(spanSteps.map((p) => p.generators[i]!.powerKw));
      const spanPrice = mean(spanSteps.map((p) => p.importPricePerKwh));
      const reasons: string[] = [];
      if (g.marginalCostPerKwh < spanPrice) reasons.push(`marginal cost ${price(g.marginalCostPerKwh)} below import price ${price(spanPrice)}`);
      if (spanSteps.some((p) => p.importKw >= s.grid.importLimitKw - 1e-3 && p.netLoadKw > 0)) reasons.push(`import at its ${formatKw(s.grid.importLimitKw)} limit`);
      if (spanSteps.some((p) => p.reserveRequiredKw > 0 && p.reserveAvailableKw - (p.generators[i]!.on ? g.maxKw - p.generators[i]!.powerKw : 0) < p.reserveRequiredKw - 1e-3)) {
        reasons.push('its headroom covers the reserve');
      }
      const minUpHold = spanSteps.every((p) => p.generators[i]!.powerKw <= g.minKw + 1e-3) && g.marginalCostPerKwh >= spanPrice;
      if (minUpHold) reasons.push(`held at minimum output by its ${g.minUpSteps}-step minimum up time`);
      if (reasons.length === 0) reasons.push(`cheapest way to meet load (marginal cost ${price(g.marginalCostPerKwh)})`);
      const startsHere = spanSteps[0]!.generators[i]!.startedUp;
      add(g.id, startsHere ? 'start' : 'run', span, kw, `${startsHere ? `start-up cost ${g.startupCost.toFixed(2)} ${s.currency}; ` : ''}${reasons.join('; ')}`);
    }
    for (const { span } of spansBy(n, (t) => (!on[t] && (t > 0 ? on[t - 1] : g.initialOn) ? true : undefined))) {
      const offSpan = { from: span.from, to: nextOnOrEnd(on, span.from) };
      const spanPrice = mean(slice(steps, offSpan).map((p) => p.importPricePerKwh));
      add(g.id, 'stop', offSpan, 0, `not needed: import at ${price(spanPrice)} and storage cover the load at lower cost than ${price(g.marginalCostPerKwh)}`);
    }
  });

  const curtailed = steps.map((p) => p.pvCurtailedKw + p.windCurtailedKw);
  for (const { span } of spansBy(n, (t) => (curtailed[t]! > TOLERANCE ? true : undefined))) {
    const spanSteps = slice(steps, span);
    const reasons: string[] = [];
    if (spanSteps.some((p) => p.exportKw >= s.grid.exportLimitKw - 1e-3)) reasons.push(`export at its ${formatKw(s.grid.exportLimitKw)} limit`);
    if (spanSteps.some((p) => p.exportPricePerKwh < 0)) reasons.push(`export price negative (${price(Math.min(...spanSteps.map((p) => p.exportPricePerKwh)))})`);
    if (s.batteries.length > 0) reasons.push('batteries full or at their charge limit');
    const asset = spanSteps.some((p) => p.pvCurtailedKw > TOLERANCE) ? (spanSteps.some((p) => p.windCurtailedKw > TOLERANCE) ? 'pv+wind' : 'pv') : 'wind';
    add(asset, 'curtail', span, mean(slice(curtailed, span)), reasons.join('; ') || 'surplus with no use at a lower cost');
  }

  s.deferrableLoads.forEach((d, i) => {
    for (const { span } of spansBy(n, (t) => ((steps[t]!.deferrables[i]?.powerKw ?? 0) > TOLERANCE ? true : undefined))) {
      const spanSteps = slice(steps, span);
      const windowPrice = mean(steps.slice(d.fromStep, d.toStep).map((p) => p.importPricePerKwh));
      add(d.id, 'defer', span, mean(spanSteps.map((p) => p.deferrables[i]!.powerKw)), `runs here at ${price(mean(spanSteps.map((p) => p.importPricePerKwh)))} (its window averages ${price(windowPrice)})`);
    }
  });

  for (const { span } of spansBy(n, (t) => (steps[t]!.exportKw > TOLERANCE ? true : undefined))) {
    const spanSteps = slice(steps, span);
    add('grid', 'export', span, mean(spanSteps.map((p) => p.exportKw)), `surplus sold at ${price(mean(spanSteps.map((p) => p.exportPricePerKwh)))}`);
  }
  for (const { span } of spansBy(n, (t) => (steps[t]!.importKw >= s.grid.importLimitKw - 1e-3 && s.grid.importLimitKw > 0 ? true : undefined))) {
    add('grid', 'import', span, s.grid.importLimitKw, `import at its ${formatKw(s.grid.importLimitKw)} limit; no more can be drawn`);
  }
  for (const { span } of spansBy(n, (t) => (steps[t]!.unservedKw > TOLERANCE ? true : undefined))) {
    add('site', 'shed', span, max(slice(steps, span).map((p) => p.unservedKw)), 'supply is short of the load even with every asset at its limit (see diagnosis)');
  }
  return out.sort((a, b) => a.from.localeCompare(b.from) || a.asset.localeCompare(b.asset));
}

function nextOnOrEnd(on: readonly boolean[], from: number): number {
  for (let t = from; t < on.length; t++) if (on[t]) return t;
  return on.length;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

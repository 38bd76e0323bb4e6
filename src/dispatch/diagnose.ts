import type { ExtractedPlan } from './extract.js';
import { TOLERANCE } from './extract.js';
import type { DiagnosisIssue, PlanStep } from './plan.js';
import type { Scenario } from './scenario.js';
import { formatKw, formatKwh, formatSpan, max, slice, spansBy, type Span } from './words.js';

/**
 * Which limits gave way (a slack above zero), where, by how much, and what would fix it. Slacks are
 * priced far above any real cost (scenario penalties), so one is used only when no dispatch meets the
 * limit: each is a real conflict in the data, not a solver whim.
 */
export function diagnose(s: Scenario, plan: ExtractedPlan, timesMs: readonly number[]): DiagnosisIssue[] {
  const { steps } = plan;
  const stepMs = s.stepMinutes * 60_000;
  const iso = (t: number) => new Date(timesMs[t]!).toISOString();
  const when = (span: Span) => formatSpan(span, timesMs, stepMs, s.timeZone);
  const issues: DiagnosisIssue[] = [];
  const each = (value: (step: PlanStep) => number, build: (span: Span, peak: number) => Omit<DiagnosisIssue, 'from' | 'to' | 'maxShortfall' | 'unit'>) => {
    for (const { span } of spansBy(steps.length, (t) => (value(steps[t]!) > TOLERANCE ? true : undefined))) {
      const peak = max(slice(steps, span).map(value));
      issues.push({ ...build(span, peak), from: iso(span.from), to: new Date(timesMs[span.to - 1]! + stepMs).toISOString(), maxShortfall: peak, unit: 'kW' });
    }
  };

  each(
    (p) => p.unservedKw,
    (span, peak) => {
      const spanSteps = slice(steps, span);
      const headline = spanSteps.every((p) => p.importKw >= s.grid.importLimitKw - 1e-3)
        ? `import limit ${formatKw(s.grid.importLimitKw)} is ${formatKw(peak)} short`
        : `supply is ${formatKw(peak)} short of the load`;
      const causes: string[] = [];
      if (s.batteries.length > 0 && spanSteps.every((p) => p.batteries.every((b, i) => b.socPct <= s.batteries[i]!.socMinPct + 0.5 || b.powerKw >= s.batteries[i]!.maxDischargeKw - 1e-3))) {
        causes.push('batteries are empty or at full discharge');
      }
      if (s.generators.length > 0 && spanSteps.every((p) => p.generators.every((g, i) => g.powerKw >= s.generators[i]!.maxKw - 1e-3 || !g.on))) {
        causes.push('generators are at maximum or cannot be started in time');
      }
      return {
        constraint: 'power_balance_short',
        message: `${headline} at ${when(span)}${causes.length ? ` (${causes.join('; ')})` : ''}; load not served, reserve uncovered`,
        fix: `raise the import limit or add generation or storage of at least ${formatKw(peak)} in ${when(span)}, or plan load shedding`,
      };
    },
  );

  each(
    (p) => p.excessKw,
    (span, peak) => ({
      constraint: 'power_balance_excess',
      message: `${formatKw(peak)} of supply has nowhere to go at ${when(span)}: export limit ${formatKw(s.grid.exportLimitKw)} reached${!s.pv.curtailable || !s.wind.curtailable ? ', and PV or wind may not be curtailed' : ''}`,
      fix: `allow curtailment, raise the export limit or add storage or flexible load of at least ${formatKw(peak)} in ${when(span)}`,
    }),
  );

  each(
    (p) => p.reserveShortKw,
    (span, peak) => {
      const spanSteps = slice(steps, span);
      const worst = spanSteps.reduce((a, b) => (b.reserveShortKw > a.reserveShortKw ? b : a));
      return {
        constraint: 'reserve',
        message: `reserve uncovered by up to ${formatKw(peak)} at ${when(span)}: headroom of batteries, online generators and import is ${formatKw(worst.reserveAvailableKw)} against ${formatKw(worst.reserveRequiredKw)} required`,
        fix: `raise the import limit, keep a generator online or hold battery charge for ${formatKw(peak)} more in ${when(span)}, or relax the reserve policy`,
      };
    },
  );

  const last = steps[steps.length - 1];
  s.batteries.forEach((b) => {
    const short = plan.endSocShortKwh[b.id] ?? 0;
    if (short <= TOLERANCE || !last) return;
    const endPct = last.batteries.find((x) => x.id === b.id)?.socPct ?? 0;
    const target = b.socEndTargetPct ?? b.socInitialPct;
    issues.push({
      constraint: 'battery_end_soc',
      asset: b.id,
      from: new Date(timesMs[0]!).toISOString(),
      to: new Date(timesMs[timesMs.length - 1]! + stepMs).toISOString(),
      maxShortfall: short,
      unit: 'kWh',
      message: `battery ${b.id} ends at ${endPct.toFixed(0)} % against its ${target.toFixed(0)} % target (${formatKwh(short)} short)`,
      fix: `lower socEndTargetPct of ${b.id}, or give it more charging room (charge power, import limit, cheaper hours)`,
    });
  });

  s.deferrableLoads.forEach((d) => {
    const short = plan.deferrableShortKwh[d.id] ?? 0;
    if (short <= TOLERANCE) return;
    issues.push({
      constraint: 'deferrable_energy',
      asset: d.id,
      from: new Date(timesMs[d.fromStep]!).toISOString(),
      to: new Date(timesMs[d.toStep - 1]! + stepMs).toISOString(),
      maxShortfall: short,
      unit: 'kWh',
      message: `deferrable load ${d.id} gets ${formatKwh(d.energyKwh - short)} of ${formatKwh(d.energyKwh)} in its window ${when({ from: d.fromStep, to: d.toStep })}`,
      fix: `widen the window of ${d.id}, raise its maxKw, or free import capacity in that window`,
    });
  });
  return issues;
}

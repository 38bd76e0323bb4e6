import type { DispatchModel } from './formulation.js';
import type { PlanStep } from './plan.js';
import type { Scenario } from './scenario.js';

/** Below this a slack or a power is reported as unused (kW, kWh): solver tolerances are ~1e-7. */
export const TOLERANCE = 1e-6;

// Only float dust is zeroed, so the plan still prices to the solver's objective.
const clean = (v: number) => (Math.abs(v) < 1e-9 ? 0 : v);

export interface ExtractedPlan {
  steps: PlanStep[];
  endSocShortKwh: Record<string, number>;
  deferrableShortKwh: Record<string, number>;
}

/** The solver's vector read back as plan steps, in the plan's units and signs (see plan.ts). */
export function extractPlan(s: Scenario, m: DispatchModel, x: ArrayLike<number>): ExtractedPlan {
  const { inputs } = m;
  const dt = inputs.stepHours;
  const v = (i: number) => clean(x[i]!);
  const steps: PlanStep[] = [];
  for (let t = 0; t < inputs.steps; t++) {
    const importKw = v(m.importKw[t]!);
    const exportKw = v(m.exportKw[t]!);
    const batteries = s.batteries.flatMap((b, i) => {
      const vars = m.batteries[i];
      if (!vars) return [];
      const socKwh = v(vars.soc[t]!);
      return [{ id: b.id, powerKw: clean(v(vars.discharge[t]!) - v(vars.charge[t]!)), socKwh, socPct: (100 * socKwh) / b.capacityKwh }];
    });
    const generators = s.generators.map((g, i) => {
      const vars = m.generators[i]!;
      const on = x[vars.on[t]!]! > 0.5;
      const wasOn = t > 0 ? x[vars.on[t - 1]!]! > 0.5 : g.initialOn;
      return { id: g.id, powerKw: on ? v(vars.power[t]!) : 0, on, startedUp: on && !wasOn };
    });
    // Headroom that could be called within the step, whatever the solver chose to count.
    let reserveAvailableKw = s.grid.importLimitKw - importKw + exportKw;
    s.batteries.forEach((b, i) => {
      const vars = m.batteries[i];
      if (!vars) return;
      const powerHeadroom = b.maxDischargeKw - v(vars.discharge[t]!) + v(vars.charge[t]!);
      const energyHeadroom = ((v(vars.soc[t]!) - vars.socMinKwh) * b.dischargeEfficiency) / dt;
      reserveAvailableKw += Math.max(0, Math.min(powerHeadroom, energyHeadroom));
    });
    generators.forEach((g, i) => {
      const spec = s.generators[i]!;
      if (g.on) reserveAvailableKw += Math.min(spec.maxKw - g.powerKw, spec.rampKwPerStep ?? Infinity);
    });
    const loadKw = inputs.loadKw[t]!;
    const pvAvailableKw = inputs.pvKw[t]!;
    const windAvailableKw = inputs.windKw[t]!;
    steps.push({
      time: new Date(inputs.timesMs[t]!).toISOString(),
      loadKw,
      pvAvailableKw,
      windAvailableKw,
      netLoadKw: loadKw - pvAvailableKw - windAvailableKw,
      importKw,
      exportKw,
      pvCurtailedKw: v(m.pvCurtail[t]!),
      windCurtailedKw: v(m.windCurtail[t]!),
      deferrableKw: m.deferrables.reduce((sum, d) => sum + v(d.power[t]!), 0),
      deferrables: s.deferrableLoads.map((d, i) => ({ id: d.id, powerKw: v(m.deferrables[i]!.power[t]!) })),
      unservedKw: v(m.unserved[t]!),
      excessKw: v(m.excess[t]!),
      batteries,
      generators,
      reserveRequiredKw: inputs.reserveKw[t]!,
      reserveAvailableKw: clean(reserveAvailableKw),
      reserveShortKw: v(m.reserveShort[t]!),
      reserveMarginKw: clean(reserveAvailableKw) - inputs.reserveKw[t]!,
      importPricePerKwh: inputs.importPrice[t]!,
      exportPricePerKwh: inputs.exportPrice[t]!,
    });
  }
  const endSocShortKwh: Record<string, number> = {};
  s.batteries.forEach((b, i) => {
    const vars = m.batteries[i];
    if (vars) endSocShortKwh[b.id] = v(vars.endShort);
  });
  const deferrableShortKwh = Object.fromEntries(s.deferrableLoads.map((d, i) => [d.id, v(m.deferrables[i]!.short)]));
  return { steps, endSocShortKwh, deferrableShortKwh };
}

import type { CostBreakdown, PlanStep } from './plan.js';
import type { Scenario } from './scenario.js';

/**
 * The cost of a plan recomputed from its steps alone, with the formulation's prices and penalties.
 * Independent of the solver's objective on purpose: tests check that the two agree.
 */
export function planCost(s: Scenario, steps: readonly PlanStep[], endSocShortKwh: Record<string, number>, deferrableShortKwh: Record<string, number>): CostBreakdown {
  const dt = s.stepMinutes / 60;
  const p = s.penalties;
  const battery = new Map(s.batteries.map((b) => [b.id, b]));
  const generator = new Map(s.generators.map((g) => [g.id, g]));
  let importCost = 0;
  let exportRevenue = 0;
  let fuelCost = 0;
  let startupCost = 0;
  let batteryWearCost = 0;
  let curtailmentCost = 0;
  let penaltyCost = 0;
  for (const step of steps) {
    importCost += step.importKw * step.importPricePerKwh * dt;
    exportRevenue += step.exportKw * step.exportPricePerKwh * dt;
    for (const g of step.generators) {
      const spec = generator.get(g.id)!;
      fuelCost += g.powerKw * spec.marginalCostPerKwh * dt;
      if (g.startedUp) startupCost += spec.startupCost;
    }
    for (const b of step.batteries) batteryWearCost += Math.abs(b.powerKw) * battery.get(b.id)!.degradationCostPerKwh * dt;
    curtailmentCost += (step.pvCurtailedKw * s.pv.curtailmentCostPerKwh + step.windCurtailedKw * s.wind.curtailmentCostPerKwh) * dt;
    penaltyCost += (step.unservedKw * p.unservedPerKwh + step.excessKw * p.excessPerKwh + step.reserveShortKw * p.reserveShortPerKwh) * dt;
  }
  for (const kwh of Object.values(endSocShortKwh)) penaltyCost += kwh * p.endSocPerKwh;
  for (const kwh of Object.values(deferrableShortKwh)) penaltyCost += kwh * p.deferrableShortPerKwh;
  const total = importCost - exportRevenue + fuelCost + startupCost + batteryWearCost + curtailmentCost + penaltyCost;
  return { importCost, exportRevenue, fuelCost, startupCost, batteryWearCost, curtailmentCost, penaltyCost, total };
}

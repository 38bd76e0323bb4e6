import type { DispatchModel } from './formulation.js';
import type { Scenario } from './scenario.js';
import { solveLp, type LpSolution } from './solver.js';

/** A charge and a discharge (or an import and an export) both above this in one step break exclusivity. */
const OVERLAP_KW = 1e-6;
const MAX_ROUNDS = 4;

export interface DispatchSolution extends LpSolution {
  /** Solves it took: 1 when no step needed its exclusivity binary. */
  rounds: number;
  /** Exclusivity binaries left integer in the last solve. */
  binariesEnforced: number;
}

/**
 * Solves the MILP with the charge/discharge and import/export binaries added lazily. Those binaries are
 * most of the model's integers but rarely bind: charging and discharging at once only burns energy, which
 * pays only when energy is worth less than nothing (negative prices, a surplus with nowhere to go). So:
 * solve with them continuous (generator on/off stays integer); where a step still charges and discharges
 * (or imports and exports) at once, make that step's binary integer and solve again. The relaxed problem
 * bounds the full one from below, so a relaxed optimum without overlaps is optimal for the full MILP.
 * Measured on bench:dispatch (48 h, 15 min, 10 batteries, 5 generators): several times faster.
 */
export async function solveDispatch(model: DispatchModel, s: Scenario): Promise<DispatchSolution> {
  const { lp } = model;
  if (s.solver.relaxIntegrality) return { ...(await solveLp(lp, s.solver)), rounds: 1, binariesEnforced: 0 };
  const pairs: { binary: number; a: number; b: number }[] = [];
  model.importing.forEach((binary, t) => pairs.push({ binary, a: model.importKw[t]!, b: model.exportKw[t]! }));
  for (const battery of model.batteries) battery.charging.forEach((binary, t) => pairs.push({ binary, a: battery.charge[t]!, b: battery.discharge[t]! }));

  const deadline = performance.now() + s.solver.timeLimitSeconds * 1000;
  const started = performance.now();
  for (const p of pairs) lp.variables[p.binary]!.integer = false;
  let enforced = 0;
  try {
    for (let round = 1; ; round++) {
      const timeLimitSeconds = Math.max(0.1, (deadline - performance.now()) / 1000);
      const solution = await solveLp(lp, { timeLimitSeconds, mipGap: s.solver.mipGap });
      if (!solution.hasSolution) return { ...solution, solveMs: performance.now() - started, rounds: round, binariesEnforced: enforced };
      const overlapping = pairs.filter((p) => !lp.variables[p.binary]!.integer && Math.min(solution.x[p.a]!, solution.x[p.b]!) > OVERLAP_KW);
      if (overlapping.length === 0) {
        // Give each relaxed binary the integral value its step implies, so x is a point of the full MILP.
        for (const p of pairs) if (!lp.variables[p.binary]!.integer) solution.x[p.binary] = solution.x[p.a]! > OVERLAP_KW ? 1 : 0;
        return { ...solution, solveMs: performance.now() - started, rounds: round, binariesEnforced: enforced };
      }
      // After a few rounds, stop guessing and enforce every binary: the full MILP, as formulated.
      for (const p of round < MAX_ROUNDS ? overlapping : pairs) lp.variables[p.binary]!.integer = true;
      enforced = pairs.filter((p) => lp.variables[p.binary]!.integer).length;
    }
  } finally {
    for (const p of pairs) lp.variables[p.binary]!.integer = true;
  }
}

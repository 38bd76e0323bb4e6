import { DispatchError } from '../common/errors.js';
import { planCost } from './cost.js';
import { diagnose } from './diagnose.js';
import { explain } from './explain.js';
import { extractPlan } from './extract.js';
import { buildDispatchModel } from './formulation.js';
import { DISPATCH_PLAN_SCHEMA_VERSION, type DispatchPlan } from './plan.js';
import { scenarioSchema, type Scenario } from './scenario.js';
import { solveDispatch } from './solveDispatch.js';

export interface OptimizeOptions {
  /** When the plan is issued (default: now); the plan's `issuedAt`. */
  issuedAtMs?: number;
  /** Model name and issue time per target, when the forecasts came from the store. */
  forecasts?: DispatchPlan['forecasts'];
  /** Where each step's prices came from, when published prices were looked up. */
  prices?: DispatchPlan['prices'];
}

/**
 * Scenario → plan: solve the MILP, read the plan back, price it from its steps, diagnose every slack,
 * explain every action, and price the do-nothing plan (no battery, generators left as they are).
 * Throws DispatchError only when HiGHS returns no plan at all (time limit with no incumbent):
 * impossible data still yields a plan, with the diagnosis saying what gave way.
 */
export async function optimizeDispatch(s: Scenario, options: OptimizeOptions = {}): Promise<DispatchPlan> {
  const model = buildDispatchModel(s);
  const solution = await solveDispatch(model, s);
  if (!solution.hasSolution) {
    throw new DispatchError(
      'no_solution',
      s.site,
      `no dispatch plan for site ${s.site}: HiGHS stopped with status '${solution.status}' after ${Math.round(solution.solveMs)} ms without a solution; ` +
        `raise solver.timeLimitSeconds (now ${s.solver.timeLimitSeconds} s) or shorten the horizon`,
    );
  }
  const extracted = extractPlan(s, model, solution.x);
  const cost = planCost(s, extracted.steps, extracted.endSocShortKwh, extracted.deferrableShortKwh);
  const issues = diagnose(s, extracted, model.inputs.timesMs);

  const baseline = buildDispatchModel(s, { withoutBatteries: true, freezeCommitment: true });
  const baselineSolution = await solveDispatch(baseline, s);
  const baselineExtracted = baselineSolution.hasSolution ? extractPlan(s, baseline, baselineSolution.x) : undefined;
  const baselineCost = baselineExtracted ? planCost(s, baselineExtracted.steps, {}, baselineExtracted.deferrableShortKwh) : undefined;
  const doNothing =
    baselineExtracted && baselineCost
      ? {
          total: baselineCost.total,
          feasible: diagnose(s, baselineExtracted, model.inputs.timesMs).length === 0,
          penaltyCost: baselineCost.penaltyCost,
          unservedKwh: baselineExtracted.steps.reduce((sum, p) => sum + p.unservedKw, 0) * model.inputs.stepHours,
        }
      : { total: Number.NaN, feasible: false, penaltyCost: Number.NaN, unservedKwh: Number.NaN };

  return {
    schemaVersion: DISPATCH_PLAN_SCHEMA_VERSION,
    site: s.site,
    issuedAt: new Date(options.issuedAtMs ?? Date.now()).toISOString(),
    stepMinutes: s.stepMinutes,
    currency: s.currency,
    ...(options.forecasts ? { forecasts: options.forecasts } : {}),
    ...(options.prices ? { prices: options.prices } : {}),
    steps: extracted.steps,
    recommendations: explain(s, extracted.steps, model.inputs.timesMs),
    cost,
    doNothing,
    savings: doNothing.total - cost.total,
    diagnosis: { feasible: issues.length === 0, issues },
    shortfalls: { batteryEndSocKwh: extracted.endSocShortKwh, deferrableKwh: extracted.deferrableShortKwh },
    solver: {
      engine: 'highs',
      status: solution.status,
      objective: solution.objective,
      mipGap: solution.mipGap,
      solveMs: solution.solveMs,
      variables: model.lp.variables.length,
      constraints: model.lp.rows.length,
      rounds: solution.rounds,
      binariesEnforced: solution.binariesEnforced,
    },
  };
}

/**
 * Warm-up at start: loads HiGHS and solves a 48 h, 15-minute plan of typical size once. The first large
 * solve in a process also pays for growing the wasm heap and compiling hot paths (measured: 3.3 s, then
 * 0.7–1.4 s for the same model), so this runs before the first real plan is needed.
 */
export async function warmUpDispatch(): Promise<number> {
  const started = performance.now();
  const steps = 192;
  const wave = (t: number) => Math.sin((2 * Math.PI * t) / 96);
  const load = Array.from({ length: steps }, (_, t) => 5000 + 2000 * wave(t));
  const s = scenarioSchema.parse({
    site: 'warm-up',
    start: '2024-01-01T00:00:00Z',
    stepMinutes: 15,
    forecasts: { load: { p10Kw: load.map((v) => v * 0.95), p50Kw: load, p90Kw: load.map((v) => v * 1.05) } },
    batteries: Array.from({ length: 6 }, (_, i) => ({ id: `b${i}`, capacityKwh: 1000, maxChargeKw: 500, maxDischargeKw: 500, socInitialPct: 50 })),
    generators: Array.from({ length: 3 }, (_, i) => ({ id: `g${i}`, minKw: 300, maxKw: 1500, marginalCostPerKwh: 0.1 + 0.05 * i, startupCost: 20, minUpSteps: 4, minDownSteps: 4 })),
    grid: { importLimitKw: 6000, exportLimitKw: 2000, importPricePerKwh: { series: Array.from({ length: steps }, (_, t) => 0.2 + 0.1 * wave(t)) }, exportPricePerKwh: 0.04 },
  });
  await solveDispatch(buildDispatchModel(s), s);
  return performance.now() - started;
}

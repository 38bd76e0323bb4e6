import GLPK, { type LP } from 'glpk.js/node';
import type { LinearProgram } from '../../src/dispatch/lp.js';

/**
 * A second, independent MILP solver (GLPK compiled to wasm) for cross-checking HiGHS on the same
 * LinearProgram. Tests only: the platform solves with HiGHS (src/dispatch/solver.ts).
 */
type Glpk = Awaited<ReturnType<typeof GLPK>>;
let glpk: Promise<Glpk> | undefined;

export async function solveWithGlpk(lp: LinearProgram, mipGap = 0): Promise<{ status: 'optimal' | 'other'; objective: number; x: number[] }> {
  const g = await (glpk ??= GLPK());
  const bound = (lower: number, upper: number) => {
    const lo = Number.isFinite(lower);
    const up = Number.isFinite(upper);
    if (lo && up) return { type: lower === upper ? g.GLP_FX : g.GLP_DB, lb: lower, ub: upper };
    if (lo) return { type: g.GLP_LO, lb: lower, ub: 0 };
    if (up) return { type: g.GLP_UP, lb: 0, ub: upper };
    return { type: g.GLP_FR, lb: 0, ub: 0 };
  };
  const model: LP = {
    name: 'dispatch',
    objective: { direction: g.GLP_MIN, name: 'cost', vars: lp.variables.map((v) => ({ name: v.name, coef: v.cost })) },
    subjectTo: lp.rows.map((r) => ({ name: r.name, vars: r.columns.map((c, k) => ({ name: lp.variables[c]!.name, coef: r.coefficients[k]! })), bnds: bound(r.lower, r.upper) })),
    bounds: lp.variables.map((v) => ({ name: v.name, ...bound(v.lower, v.upper) })),
    generals: lp.variables.filter((v) => v.integer).map((v) => v.name),
  };
  const result = g.solve(model, { msglev: g.GLP_MSG_OFF, mipgap: mipGap, presol: true });
  const x = lp.variables.map((v) => result.result.vars[v.name] ?? 0);
  return { status: result.result.status === g.GLP_OPT ? 'optimal' : 'other', objective: result.result.z, x };
}

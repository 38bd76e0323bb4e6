import highsModule, { type Highs } from 'highs';
import type { LinearProgram } from './lp.js';

/** The one place that talks to HiGHS (WebAssembly, single-threaded, synchronous solves). */

// The package's types describe a CommonJS module (loader on `.default`) while Node's ESM import gets
// highs.mjs, whose default export is the loader itself: accept either.
type HighsLoader = () => Promise<Highs>;
const loadHighs: HighsLoader =
  typeof highsModule === 'function' ? (highsModule as unknown as HighsLoader) : (highsModule as unknown as { default: HighsLoader }).default;

let highsPromise: Promise<Highs> | undefined;

function highs(): Promise<Highs> {
  highsPromise ??= loadHighs();
  return highsPromise;
}

export interface SolveOptions {
  timeLimitSeconds: number;
  mipGap: number;
}

export interface LpSolution {
  /** HiGHS model status name (optimal, timeLimit, infeasible, …). */
  status: string;
  /** True when x holds a feasible point (optimal, or a limit reached with an incumbent). */
  hasSolution: boolean;
  objective: number;
  mipGap: number;
  solveMs: number;
  x: Float64Array;
}

export async function solveLp(lp: LinearProgram, options: SolveOptions): Promise<LpSolution> {
  const h = await highs();
  const n = lp.variables.length;
  const m = lp.rows.length;
  const starts = new Int32Array(m + 1);
  let nnz = 0;
  lp.rows.forEach((r, i) => {
    starts[i] = nnz;
    nnz += r.columns.length;
  });
  starts[m] = nnz;
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let k = 0;
  for (const r of lp.rows) {
    for (let j = 0; j < r.columns.length; j++, k++) {
      indices[k] = r.columns[j]!;
      values[k] = r.coefficients[j]!;
    }
  }
  const inf = h.infinity;
  const clamp = (v: number) => (v === Infinity ? inf : v === -Infinity ? -inf : v);
  const integrality = lp.integerCount > 0 ? Int32Array.from(lp.variables, (v) => (v.integer ? h.constants.variableType.integer : h.constants.variableType.continuous)) : undefined;
  const started = performance.now();
  return h.withModel(
    {
      numCols: n,
      numRows: m,
      colCost: Float64Array.from(lp.variables, (v) => v.cost),
      colLower: Float64Array.from(lp.variables, (v) => clamp(v.lower)),
      colUpper: Float64Array.from(lp.variables, (v) => clamp(v.upper)),
      rowLower: Float64Array.from(lp.rows, (r) => clamp(r.lower)),
      rowUpper: Float64Array.from(lp.rows, (r) => clamp(r.upper)),
      matrix: { format: 'csr', numRows: m, numCols: n, starts, indices, values },
      ...(integrality ? { integrality } : {}),
    },
    (model) => {
      model.options.set({ output_flag: false, time_limit: options.timeLimitSeconds, mip_rel_gap: options.mipGap });
      model.run();
      const code = model.getModelStatus();
      const status = statusName(h, code);
      const x = model.getSolution().colValue;
      const hasSolution = x.length === n && (status === 'optimal' || Number(model.info.get('primal_solution_status')) === 2);
      const gap = lp.integerCount > 0 ? Number(model.info.get('mip_gap')) : 0;
      return {
        status,
        hasSolution,
        objective: model.getObjectiveValue(),
        mipGap: Number.isFinite(gap) ? gap : 0,
        solveMs: performance.now() - started,
        x: Float64Array.from(x),
      };
    },
  );
}

function statusName(h: Highs, code: number): string {
  for (const [name, value] of Object.entries(h.constants.modelStatus)) if (value === code) return name;
  return `status-${code}`;
}

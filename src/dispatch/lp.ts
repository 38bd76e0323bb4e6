/**
 * A small linear-program builder: named variables with bounds, cost and integrality, and named rows
 * lower ≤ Σ coef·x ≤ upper. Pure data, so the formulation is unit-tested without a solver and the
 * same program can go to HiGHS (solver.ts) or to a second solver for cross-checks.
 */
export interface LpVariable {
  name: string;
  lower: number;
  upper: number;
  cost: number;
  integer: boolean;
}

export interface LpRow {
  name: string;
  /** Column indices and coefficients, each column at most once. */
  columns: number[];
  coefficients: number[];
  lower: number;
  upper: number;
}

export class LinearProgram {
  readonly variables: LpVariable[] = [];
  readonly rows: LpRow[] = [];
  private readonly names = new Set<string>();

  addVariable(name: string, lower: number, upper: number, cost = 0, integer = false): number {
    if (this.names.has(name)) throw new Error(`LP variable '${name}' defined twice`);
    if (!(lower <= upper)) throw new RangeError(`LP variable '${name}': lower bound ${lower} is above upper bound ${upper}`);
    this.names.add(name);
    this.variables.push({ name, lower, upper, cost, integer });
    return this.variables.length - 1;
  }

  /** Terms as [column, coefficient]; repeated columns are summed, zero coefficients dropped. */
  addRow(name: string, terms: readonly (readonly [number, number])[], lower: number, upper: number): number {
    const merged = new Map<number, number>();
    for (const [column, coefficient] of terms) merged.set(column, (merged.get(column) ?? 0) + coefficient);
    const row: LpRow = { name, columns: [], coefficients: [], lower, upper };
    for (const [column, coefficient] of merged) {
      if (coefficient === 0) continue;
      row.columns.push(column);
      row.coefficients.push(coefficient);
    }
    this.rows.push(row);
    return this.rows.length - 1;
  }

  get integerCount(): number {
    return this.variables.reduce((n, v) => n + (v.integer ? 1 : 0), 0);
  }

  /** Largest bound or row violation of a solution (0 when feasible): a check on any solver's answer. */
  maxViolation(x: ArrayLike<number>): number {
    let worst = 0;
    this.variables.forEach((v, i) => (worst = Math.max(worst, v.lower - x[i]!, x[i]! - v.upper)));
    for (const r of this.rows) {
      let activity = 0;
      r.columns.forEach((c, k) => (activity += r.coefficients[k]! * x[c]!));
      worst = Math.max(worst, r.lower - activity, activity - r.upper);
    }
    return worst;
  }
}

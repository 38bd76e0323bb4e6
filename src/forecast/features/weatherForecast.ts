import type { WeatherForecastVariable } from '../../contract/index.js';

/**
 * Weather forecasts as a model sees them: every vintage (issue) kept, looked up by "what was known at
 * this instant". Pure: the stores, the MQTT topic, Open-Meteo and CSV files all end up as a table.
 */

/** One issued forecast run on a regular grid. */
export interface WeatherForecastVintage {
  /** When it became available; −Infinity for a table that is known at any issue (the GEFCom convention). */
  issuedAtMs: number;
  startMs: number;
  stepMs: number;
  /** Value i is the forecast for [startMs + i·stepMs, +stepMs); NaN where the run has none. */
  values: Partial<Record<WeatherForecastVariable, Float64Array>>;
}

/** Vintages sorted by issue time; where they came from goes with them (shown with every forecast made from it). */
export interface WeatherForecastTable {
  source: string;
  vintages: readonly WeatherForecastVintage[];
}

/** How far back a lookup walks when the latest vintage has no value for the hour (it ends before it). */
const MAX_VINTAGES_BACK = 8;

/** Index of the latest vintage issued at or before `asOfMs`, or −1. */
export function vintageIndexAt(table: WeatherForecastTable, asOfMs: number): number {
  const v = table.vintages;
  let lo = 0;
  let hi = v.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (v[mid]!.issuedAtMs <= asOfMs) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * The forecast of `variable` for the step starting at `timeMs`, as known at the vintage `latest` (from
 * vintageIndexAt): that vintage's value, else the most recent earlier one that has one; NaN if none does.
 * Never a vintage issued after the one given, so never one issued after the issue time.
 */
export function forecastValue(table: WeatherForecastTable, latest: number, variable: WeatherForecastVariable, timeMs: number): number {
  for (let k = latest; k >= 0 && k > latest - MAX_VINTAGES_BACK; k--) {
    const vintage = table.vintages[k]!;
    const values = vintage.values[variable];
    if (!values) continue;
    const i = Math.floor((timeMs - vintage.startMs) / vintage.stepMs);
    if (i < 0 || i >= values.length) continue;
    const value = values[i]!;
    if (Number.isFinite(value)) return value;
  }
  return Number.NaN;
}

/** The variables some vintage of the table has. */
export function tableVariables(table: WeatherForecastTable | undefined): WeatherForecastVariable[] {
  const out = new Set<WeatherForecastVariable>();
  for (const v of table?.vintages ?? []) for (const [name, values] of Object.entries(v.values)) if (values?.some(Number.isFinite)) out.add(name as WeatherForecastVariable);
  return [...out];
}

/** A table known at every issue time (GEFCom's NWP columns: the value at t is a forecast for t available at the issue). */
export function staticForecastTable(source: string, startMs: number, stepMs: number, values: Partial<Record<WeatherForecastVariable, Float64Array>>): WeatherForecastTable {
  return { source, vintages: [{ issuedAtMs: Number.NEGATIVE_INFINITY, startMs, stepMs, values }] };
}

/** Rows of (issue, target time, variable values) → one vintage per issue time on a grid of `stepMs`. */
export function vintagedForecastTable(
  source: string,
  stepMs: number,
  rows: Iterable<{ issuedAtMs: number; timeMs: number; values: Partial<Record<WeatherForecastVariable, number>> }>,
): WeatherForecastTable {
  const byIssue = new Map<number, { timeMs: number; values: Partial<Record<WeatherForecastVariable, number>> }[]>();
  for (const r of rows) {
    const list = byIssue.get(r.issuedAtMs) ?? [];
    list.push(r);
    byIssue.set(r.issuedAtMs, list);
  }
  const vintages: WeatherForecastVintage[] = [];
  for (const [issuedAtMs, list] of [...byIssue].sort(([a], [b]) => a - b)) {
    const startMs = Math.floor(Math.min(...list.map((r) => r.timeMs)) / stepMs) * stepMs;
    const length = Math.floor((Math.max(...list.map((r) => r.timeMs)) - startMs) / stepMs) + 1;
    const values: Partial<Record<WeatherForecastVariable, Float64Array>> = {};
    for (const r of list) {
      const i = Math.floor((r.timeMs - startMs) / stepMs);
      for (const [name, value] of Object.entries(r.values) as [WeatherForecastVariable, number][]) {
        const arr = (values[name] ??= new Float64Array(length).fill(Number.NaN));
        arr[i] = value;
      }
    }
    vintages.push({ issuedAtMs, startMs, stepMs, values });
  }
  return { source, vintages };
}

/**
 * ECMWF's accumulated fields (surface solar radiation in J m⁻², summed from the start of each run) → the
 * mean over each step (W m⁻²): difference consecutive steps, restarting where the sum drops (a new run).
 */
export function deaccumulateJoules(accumulated: Float64Array, stepMs: number): Float64Array {
  const seconds = stepMs / 1000;
  const out = new Float64Array(accumulated.length).fill(Number.NaN);
  for (let i = 0; i < accumulated.length; i++) {
    const now = accumulated[i]!;
    const before = i > 0 ? accumulated[i - 1]! : Number.NaN;
    if (!Number.isFinite(now)) continue;
    // A drop (or the first value) starts a new run, whose first value is the first step's own sum.
    out[i] = Math.max(0, (Number.isFinite(before) && now >= before ? now - before : now) / seconds);
  }
  return out;
}

import type { ForecastInput, RegularSeries, WeatherInputs } from '../types.js';

/** Index of the step starting at `timeMs`, or -1 when outside the series or off its grid. */
export function stepIndex(s: RegularSeries, timeMs: number): number {
  const i = (timeMs - s.startMs) / s.stepMs;
  return Number.isInteger(i) && i >= 0 && i < s.values.length ? i : -1;
}

/** The value of the step starting at `timeMs`; NaN when unknown. */
export function valueAt(s: RegularSeries, timeMs: number): number {
  const i = stepIndex(s, timeMs);
  return i < 0 ? Number.NaN : s.values[i]!;
}

export function endMs(s: RegularSeries): number {
  return s.startMs + s.values.length * s.stepMs;
}

/**
 * What was observed before `untilMs`: steps that ended by then. This cut is the backtest's guarantee
 * of no look-ahead; forecasters never see the full series.
 */
export function cutInput(input: ForecastInput, untilMs: number): ForecastInput {
  const { series } = input;
  const keep = Math.max(0, Math.min(series.values.length, Math.floor((untilMs - series.startMs) / series.stepMs)));
  const weather: WeatherInputs = {};
  for (const [k, v] of Object.entries(input.weather) as [keyof WeatherInputs, Float64Array | undefined][]) {
    if (v) weather[k] = v.slice(0, keep);
  }
  return { series: { ...series, values: series.values.slice(0, keep) }, weather, ...(input.weatherForecast ? { weatherForecast: input.weatherForecast } : {}), context: input.context };
}

/**
 * The steps that start at or after `fromMs` and were observed before `untilMs` (cutInput's bound),
 * weather alike: the window a forecast issued at `untilMs` with that much history saw.
 */
export function sliceInput(input: ForecastInput, fromMs: number, untilMs: number): ForecastInput {
  const cut = cutInput(input, untilMs);
  const { series } = cut;
  const skip = Math.max(0, Math.min(series.values.length, Math.ceil((fromMs - series.startMs) / series.stepMs)));
  const weather: WeatherInputs = {};
  for (const [k, v] of Object.entries(cut.weather) as [keyof WeatherInputs, Float64Array | undefined][]) {
    if (v) weather[k] = v.slice(skip);
  }
  return { ...cut, series: { ...series, startMs: series.startMs + skip * series.stepMs, values: series.values.slice(skip) }, weather };
}

/** Irregular (time, value) points → a regular series of bucket means; empty buckets are NaN. */
export function toRegularSeries(points: readonly { timeMs: number; value: number | undefined }[], stepMs: number): RegularSeries {
  const valid = points.filter((p) => p.value !== undefined && Number.isFinite(p.value));
  if (valid.length === 0) return { startMs: 0, stepMs, values: new Float64Array(0) };
  const startMs = Math.floor(valid[0]!.timeMs / stepMs) * stepMs;
  const last = Math.floor(valid.at(-1)!.timeMs / stepMs) * stepMs;
  const n = (last - startMs) / stepMs + 1;
  const sum = new Float64Array(n);
  const count = new Float64Array(n);
  for (const p of valid) {
    const i = Math.floor((p.timeMs - startMs) / stepMs);
    sum[i]! += p.value!;
    count[i]! += 1;
  }
  return { startMs, stepMs, values: sum.map((v, i) => (count[i]! > 0 ? v / count[i]! : Number.NaN)) };
}

/** Quantile (linear interpolation) of the finite values; NaN when there are none. */
export function quantile(values: readonly number[] | Float64Array, q: number): number {
  const sorted = Array.from(values)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** The last finite value of the series; NaN when it has none. */
export function lastObserved(s: RegularSeries): number {
  for (let i = s.values.length - 1; i >= 0; i--) if (Number.isFinite(s.values[i]!)) return s.values[i]!;
  return Number.NaN;
}

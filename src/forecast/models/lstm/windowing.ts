/**
 * Pure helpers that cut a regular series into training samples. Indices are step indices into the
 * series; an origin is the last step of the input window (the last step observed at issue time).
 */

export interface FilledSeries {
  /** NaN replaced by the last observation (leading gaps by `leadingFill`). */
  filled: Float64Array;
  /** 1 where the original value was NaN: the model sees that the filled value is a guess. */
  missing: Uint8Array;
  /** Steps since the last real observation (0 when observed; index + 1 when none yet). */
  ageSteps: Int32Array;
}

/** Carry the last observation forward, never a silent zero: every filled step is flagged. */
export function forwardFill(values: ArrayLike<number>, leadingFill: number): FilledSeries {
  const n = values.length;
  const filled = new Float64Array(n);
  const missing = new Uint8Array(n);
  const ageSteps = new Int32Array(n);
  let last = leadingFill;
  let age = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      last = v;
      age = 0;
    } else {
      missing[i] = 1;
      age++;
    }
    filled[i] = last;
    ageSteps[i] = age;
  }
  return { filled, missing, ageSteps };
}

/**
 * The most recent step at or before `lastObservedIndex` that is a whole number of periods before
 * `targetIndex` (e.g. the same hour yesterday or last week). May be negative: no such step.
 */
export function seasonalLagIndex(targetIndex: number, lastObservedIndex: number, periodSteps: number): number {
  const periods = Math.max(1, Math.ceil((targetIndex - lastObservedIndex) / periodSteps));
  return targetIndex - periods * periodSteps;
}

export interface OriginRules {
  inputSteps: number;
  horizonSteps: number;
  /** Skip a sample when more than this fraction of its input window is missing. */
  maxMissingInputFraction: number;
}

/**
 * Origins usable for training: a full input window before, a full horizon after, the input window
 * mostly observed, and at least one observed target (the loss is masked on the others).
 */
export function trainingOrigins(missing: Uint8Array, rules: OriginRules): number[] {
  const { inputSteps, horizonSteps, maxMissingInputFraction } = rules;
  const n = missing.length;
  const origins: number[] = [];
  // Running counts over the sliding windows keep this O(n).
  let missingInWindow = 0;
  let missingInHorizon = 0;
  for (let i = 0; i < inputSteps && i < n; i++) missingInWindow += missing[i]!;
  for (let i = inputSteps; i < inputSteps + horizonSteps && i < n; i++) missingInHorizon += missing[i]!;
  for (let origin = inputSteps - 1; origin + horizonSteps < n; origin++) {
    if (origin > inputSteps - 1) {
      missingInWindow += missing[origin]! - missing[origin - inputSteps]!;
      missingInHorizon += missing[origin + horizonSteps]! - missing[origin]!;
    }
    if (missingInWindow > maxMissingInputFraction * inputSteps) continue;
    if (missingInHorizon >= horizonSteps) continue;
    origins.push(origin);
  }
  return origins;
}

/**
 * UTC offset (ms) of each step start [0, count), for lags on the local clock. Looked up once a day and
 * per step only on days whose offset changes (luxon per step is the costly part).
 */
export function utcOffsetsMs(startMs: number, stepMs: number, count: number, offsetAtMs: (ms: number) => number): Float64Array {
  const out = new Float64Array(count);
  const perDay = Math.max(1, Math.round(86_400_000 / stepMs));
  for (let day = 0; day < count; day += perDay) {
    const end = Math.min(count, day + perDay);
    const first = offsetAtMs(startMs + day * stepMs);
    const last = offsetAtMs(startMs + (end - 1) * stepMs);
    for (let i = day; i < end; i++) out[i] = first === last || i === day ? first : i === end - 1 ? last : offsetAtMs(startMs + i * stepMs);
  }
  return out;
}

/**
 * `utcIndex` (a whole number of periods before `targetIndex`) moved to the same local clock time as the
 * target: across a DST change, the same hour last week is one step earlier or later. Never later than
 * `lastObservedIndex` (one more period back instead). Without offsets, `utcIndex` itself.
 */
export function localClockIndex(targetIndex: number, utcIndex: number, lastObservedIndex: number, periodSteps: number, stepMs: number, offsetsMs: Float64Array | undefined): number {
  if (!offsetsMs || utcIndex < 0 || targetIndex >= offsetsMs.length) return utcIndex;
  const shifted = utcIndex + Math.round((offsetsMs[targetIndex]! - offsetsMs[utcIndex]!) / stepMs);
  if (shifted <= lastObservedIndex) return shifted;
  return localClockIndex(targetIndex, utcIndex - periodSteps, lastObservedIndex, periodSteps, stepMs, offsetsMs);
}

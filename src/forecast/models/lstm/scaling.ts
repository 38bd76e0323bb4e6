/**
 * Standard scaling (z-score). Fitted on training data only and saved with the model, so a forecast
 * is scaled exactly as the data the model learned from.
 */
export interface StandardScaler {
  mean: number;
  std: number;
}

/** Mean and population std over the finite values; NaN (gaps) is ignored. A flat or empty series gets std 1. */
export function fitStandardScaler(values: ArrayLike<number>): StandardScaler {
  let count = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      count++;
      sum += v;
    }
  }
  if (count === 0) return { mean: 0, std: 1 };
  const mean = sum / count;
  let squares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) squares += (v - mean) ** 2;
  }
  const std = Math.sqrt(squares / count);
  // A near-constant series would blow small noise up to huge scaled values.
  return { mean, std: std > 1e-9 * Math.max(1, Math.abs(mean)) ? std : 1 };
}

export function scaleValue(value: number, scaler: StandardScaler): number {
  return (value - scaler.mean) / scaler.std;
}

export function unscaleValue(scaled: number, scaler: StandardScaler): number {
  return scaled * scaler.std + scaler.mean;
}

/** Scales every value; NaN stays NaN (filling is the windowing's job, with a mask). */
export function scaleSeries(values: ArrayLike<number>, scaler: StandardScaler): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = scaleValue(values[i]!, scaler);
  return out;
}

/**
 * Split-conformal calibration of the P10–P90 band. Quantile heads trained with pinball loss come out
 * too narrow on unseen data (65 % coverage instead of 80 % on PJM), so the most recent windows are held
 * out of training, and per lead step the band edges are shifted until 10 % of held-out actuals fall
 * below P10 and 10 % above P90. Shifts are in scaled units and saved with the model.
 */
export interface BandCalibration {
  lowerShift: number[];
  upperShift: number[];
  windows: number;
}

/** Held-out share of the training windows, and the fewest windows worth calibrating on. */
export const CALIBRATION_FRACTION = 0.15;
export const MIN_CALIBRATION_WINDOWS = 60;

/**
 * Splits time-ordered window origins into training and calibration. Training windows whose targets
 * reach into the calibration period are dropped, so calibration only sees targets the model never saw.
 */
export function splitForCalibration(origins: readonly number[], horizonSteps: number): { train: number[]; calibration: number[] } {
  const calibrationCount = Math.round(origins.length * CALIBRATION_FRACTION);
  if (calibrationCount < MIN_CALIBRATION_WINDOWS) return { train: [...origins], calibration: [] };
  const calibration = origins.slice(origins.length - calibrationCount);
  const firstCalibrationOrigin = calibration[0]!;
  return { train: origins.filter((o) => o + horizonSteps < firstCalibrationOrigin), calibration };
}

/** The finite-sample conformal quantile: the ⌈(n+1)·level⌉-th smallest score. */
export function conformalQuantile(scores: readonly number[], level: number): number {
  if (scores.length === 0) return 0;
  const sorted = [...scores].sort((a, b) => a - b);
  const k = Math.min(sorted.length, Math.ceil((sorted.length + 1) * level)) - 1;
  return sorted[Math.max(0, k)]!;
}

/**
 * `quantiles`: n × horizon × 3 (p10, p50, p90), `targets`/`mask`: n × horizon, all scaled.
 * A shift may be negative (the band was too wide) but never moves an edge past P50 at use.
 */
export function fitBandCalibration(quantiles: Float32Array, targets: Float32Array, mask: Float32Array, windows: number, horizonSteps: number): BandCalibration {
  const lowerShift: number[] = [];
  const upperShift: number[] = [];
  for (let h = 0; h < horizonSteps; h++) {
    const lo: number[] = [];
    const hi: number[] = [];
    for (let w = 0; w < windows; w++) {
      const i = w * horizonSteps + h;
      if (mask[i] !== 1) continue;
      lo.push(quantiles[i * 3]! - targets[i]!);
      hi.push(targets[i]! - quantiles[i * 3 + 2]!);
    }
    lowerShift.push(conformalQuantile(lo, 0.9));
    upperShift.push(conformalQuantile(hi, 0.9));
  }
  return { lowerShift, upperShift, windows };
}

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
export function splitForCalibration(
  origins: readonly number[],
  horizonSteps: number,
  holdout: CalibrationHoldout = { kind: 'latest' },
): { train: number[]; calibration: number[] } {
  const calibrationCount = Math.round(origins.length * CALIBRATION_FRACTION);
  if (calibrationCount < MIN_CALIBRATION_WINDOWS) return { train: [...origins], calibration: [] };
  if (holdout.kind === 'interleaved') return interleavedSplit(origins, horizonSteps, holdout.blockSteps);
  const calibration = origins.slice(origins.length - calibrationCount);
  const firstCalibrationOrigin = calibration[0]!;
  return { train: origins.filter((o) => o + horizonSteps < firstCalibrationOrigin), calibration };
}

/**
 * Where the calibration windows come from: the latest ones ('latest', so the model never trains on its
 * most recent months), or one block of `blockSteps` (a week) in every INTERLEAVE_EVERY, counted back from the
 * last origin and skipping the latest ones, so training reaches the issue time and calibration spans the seasons.
 */
export type CalibrationHoldout = { kind: 'latest' } | { kind: 'interleaved'; blockSteps: number };

/** One block in this many is held out ('interleaved'), about CALIBRATION_FRACTION of the windows. */
export const INTERLEAVE_EVERY = 7;
/** Blocks counted from the last origin that are never held out ('interleaved'). */
const LATEST_BLOCKS_TRAINED = 3;

function interleavedSplit(origins: readonly number[], horizonSteps: number, blockSteps: number): { train: number[]; calibration: number[] } {
  const last = origins[origins.length - 1]!;
  const blockOf = (origin: number) => Math.floor((last - origin) / blockSteps);
  const held = (origin: number) => blockOf(origin) % INTERLEAVE_EVERY === LATEST_BLOCKS_TRAINED;
  const calibration = origins.filter(held);
  // A training window whose targets reach into a held-out block is dropped: calibration sees only targets never trained on.
  const heldStarts = [...new Set(calibration.map((o) => last - (blockOf(o) + 1) * blockSteps + 1))];
  const reaches = (origin: number) => heldStarts.some((start) => origin < start && origin + horizonSteps >= start);
  const train = origins.filter((o) => !held(o) && !reaches(o));
  return { train, calibration };
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

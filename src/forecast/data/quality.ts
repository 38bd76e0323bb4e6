import type { ForecastTarget } from '../../contract/index.js';
/**
 * Bad readings kept out of training (the shared datasets have real ones: metering dropouts to a few
 * percent of normal, flat-lined values). They are masked to NaN in a copy; the stored data is untouched.
 */
export interface QualityReport {
  values: Float64Array;
  outliers: number;
  stuck: number;
}

export interface QualityOptions {
  /** Values below this fraction of the series median are outliers (PJM's dropouts sit below 40 %). Off for PV/wind, whose zeros are real. */
  lowFractionOfMedian?: number;
  /** Values more than this many MADs from the median are outliers. */
  madLimit: number;
  /** A run of identical non-zero values longer than this many steps is a stuck meter. */
  stuckSteps: number;
}

export const DEFAULT_QUALITY: Record<ForecastTarget, QualityOptions> = {
  load: { lowFractionOfMedian: 0.4, madLimit: 12, stuckSteps: 6 },
  // PV is 0 half the time and wind piles up at 0 and at rated power: median/MAD say nothing about such
  // distributions (a PV median and MAD of 0 would mask every daylight value), so only long non-zero flat lines count.
  pv: { madLimit: Number.POSITIVE_INFINITY, stuckSteps: 8 },
  wind: { madLimit: Number.POSITIVE_INFINITY, stuckSteps: 12 },
};

export function maskBadValues(values: Float64Array, o: QualityOptions): QualityReport {
  const out = Float64Array.from(values);
  const finite = Array.from(values).filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return { values: out, outliers: 0, stuck: 0 };
  const median = finite[Math.floor(finite.length / 2)]!;
  const deviations = finite.map((v) => Math.abs(v - median)).sort((a, b) => a - b);
  // A flat series has a MAD of 0, which would make every wiggle an outlier: floor it at 1 % of the median.
  const mad = Math.max(deviations[Math.floor(deviations.length / 2)]!, 0.01 * Math.abs(median), 1e-9);
  let outliers = 0;
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!;
    if (!Number.isFinite(v)) continue;
    const low = o.lowFractionOfMedian !== undefined && v < o.lowFractionOfMedian * median;
    if (low || Math.abs(v - median) / mad > o.madLimit) {
      out[i] = Number.NaN;
      outliers++;
    }
  }
  let stuck = 0;
  for (let i = 0; i < out.length; ) {
    let j = i + 1;
    while (j < out.length && out[j] === out[i]) j++;
    if (j - i > o.stuckSteps && out[i] !== 0 && Number.isFinite(out[i]!)) {
      out.fill(Number.NaN, i, j);
      stuck += j - i;
    }
    i = j;
  }
  return { values: out, outliers, stuck };
}

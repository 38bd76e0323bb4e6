import { describe, expect, it } from 'vitest';
import { conformalQuantile, fitBandCalibration, splitForCalibration } from '../../../../../src/forecast/models/lstm/calibration.js';

describe('split-conformal band calibration', () => {
  it('takes the ⌈(n+1)·level⌉-th smallest score', () => {
    const scores = Array.from({ length: 19 }, (_, i) => i + 1); // 1..19
    expect(conformalQuantile(scores, 0.9)).toBe(18); // ⌈20·0.9⌉ = 18
    expect(conformalQuantile([5], 0.9)).toBe(5);
    expect(conformalQuantile([], 0.9)).toBe(0);
  });

  it('holds out the latest windows, and drops training windows whose targets reach into them', () => {
    const origins = Array.from({ length: 1000 }, (_, i) => i);
    const { train, calibration } = splitForCalibration(origins, 48);
    expect(calibration).toEqual(origins.slice(850));
    expect(train.at(-1)).toBe(850 - 48 - 1);
    expect(splitForCalibration(origins.slice(0, 100), 48).calibration).toEqual([]); // too few: no calibration
  });

  it('shifts each lead so that 10 % of held-out actuals fall below P10 and 10 % above P90', () => {
    // 19 windows, 1 lead: band [0, 0] around p50 0; actuals 1..19 → all above P90.
    const n = 19;
    const quantiles = new Float32Array(n * 3); // all zeros
    const targets = Float32Array.from({ length: n }, (_, i) => i + 1);
    const mask = new Float32Array(n).fill(1);
    const c = fitBandCalibration(quantiles, targets, mask, n, 1);
    expect(c.upperShift[0]).toBe(18); // y − p90 scores 1..19 → 18
    expect(c.lowerShift[0]).toBe(-2); // p10 − y scores −19..−1 → the 18th smallest is −2: P10 may move up, never past P50 at use
  });
});

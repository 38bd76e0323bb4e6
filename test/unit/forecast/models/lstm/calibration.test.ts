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

  it("'interleaved' holds out one block in seven counted back from the last origin; the latest three blocks train", () => {
    const origins = Array.from({ length: 2000 }, (_, i) => i);
    const { train, calibration } = splitForCalibration(origins, 48, { kind: 'interleaved', blockSteps: 100 });
    // Blocks back from origin 1999: block 3 is 1600–1699, block 10 900–999, block 17 200–299.
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    expect(calibration).toEqual([...range(200, 299), ...range(900, 999), ...range(1600, 1699)]);
    // Training reaches the last origin and skips the 48 windows before each held-out block.
    expect(train.at(-1)).toBe(1999);
    expect(train).toEqual(origins.filter((o) => !calibration.includes(o) && ![200, 900, 1600].some((start) => o < start && o + 48 >= start)));
    expect(train.includes(1551) && !train.includes(1552) && train.includes(1700)).toBe(true);
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

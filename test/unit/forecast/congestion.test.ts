import { describe, expect, it } from 'vitest';
import { congestionRisk, exceedanceProbability, netExport, standardNormalCdf } from '../../../src/forecast/index.js';

const Z90 = 1.2815515655446004;
/** A band with P50 `p50` and each side one `sigma` of a normal apart at the 10th and 90th percentiles. */
const band = (p50: number, lowerSigma: number, upperSigma = lowerSigma) => ({ p10Kw: p50 - Z90 * lowerSigma, p50Kw: p50, p90Kw: p50 + Z90 * upperSigma });

describe('standardNormalCdf', () => {
  it('matches the table: Φ(0) = 0.5, Φ(1.96) = 0.975, Φ(−2) = 0.02275', () => {
    expect(standardNormalCdf(0)).toBeCloseTo(0.5, 7);
    expect(standardNormalCdf(1.959963985)).toBeCloseTo(0.975, 6);
    expect(standardNormalCdf(-2)).toBeCloseTo(0.0227501319, 6);
  });
});

describe('exceedanceProbability (two-piece normal through P10, P50, P90)', () => {
  it('gives back the quantiles: 0.9 at P10, 0.5 at P50, 0.1 at P90, on a skewed band too', () => {
    const q = { p10Kw: 90, p50Kw: 100, p90Kw: 140 };
    expect(exceedanceProbability(q, 90)).toBeCloseTo(0.9, 6);
    expect(exceedanceProbability(q, 100)).toBeCloseTo(0.5, 6);
    expect(exceedanceProbability(q, 140)).toBeCloseTo(0.1, 6);
  });

  it("follows each side's normal beyond the band: two upper sigmas above P50 is 2.275 %", () => {
    // P90 − P50 = 12.8155 kW: upper sigma 10 kW; the lower side (sigma 50) does not matter above P50.
    expect(exceedanceProbability(band(100, 50, 10), 120)).toBeCloseTo(0.02275, 5);
    expect(exceedanceProbability(band(100, 50, 10), 100 - 2 * 50)).toBeCloseTo(1 - 0.02275, 5);
  });

  it('a zero-width band is a step at P50 (a PV night: certainly not above 0, certainly above −1)', () => {
    const night = { p10Kw: 0, p50Kw: 0, p90Kw: 0 };
    expect(exceedanceProbability(night, 0)).toBe(0);
    expect(exceedanceProbability(night, -1)).toBe(1);
  });
});

describe('netExport and congestionRisk', () => {
  it('adds medians and combines each side from what pushes it that way', () => {
    // PV 100 kW (upper sigma 10), load 50 kW (lower sigma 10, upper 20): export 50, upper sigma √(10² + 10²).
    const net = netExport(band(50, 10, 20), [band(100, 78, 10)]);
    expect(net.medianKw).toBeCloseTo(50, 9);
    expect(net.upperSigmaKw).toBeCloseTo(Math.SQRT2 * 10, 9);
    expect(net.lowerSigmaKw).toBeCloseTo(Math.hypot(78, 20), 9);
  });

  it("load alone: P(load > rating); PV and load: reverse flow past the reverse rating at 5 % where it is 1.645 sigmas above the median", () => {
    const [loadOnly] = congestionRisk([{ timeMs: 0, load: band(800, 100) }], { ratingKw: 1000 });
    expect(loadOnly!.overloadProbability).toBeCloseTo(0.02275, 5);
    expect(loadOnly!.reverseFlowProbability).toBe(0);

    const reverseRatingKw = 50 + 1.644853627 * Math.SQRT2 * 10;
    const [sunny] = congestionRisk([{ timeMs: 3_600_000, load: band(50, 10, 20), pv: band(100, 78, 10) }], { ratingKw: 1000, reverseRatingKw });
    expect(sunny!.timeMs).toBe(3_600_000);
    expect(sunny!.reverseFlowProbability).toBeCloseTo(0.05, 5);
    expect(sunny!.overloadProbability).toBeLessThan(1e-9);
  });

  it('takes the import rating for reverse flow when no reverse rating is given', () => {
    const [step] = congestionRisk([{ timeMs: 0, pv: band(500, 100) }], { ratingKw: 500 });
    expect(step!.reverseFlowProbability).toBeCloseTo(0.5, 6);
    expect(step!.overloadProbability).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { hubSpeed, powerFraction } from '../../../../src/forecast/features/wind.js';

describe('wind at the hub and the power curve', () => {
  it('shears the forecast speed to the hub height by the 1/7 law', () => {
    expect(hubSpeed(8, Number.NaN)).toBe(8);
    expect(hubSpeed(8, 5, 150)).toBeCloseTo(8 * 1.5 ** (1 / 7), 12); // 8.477 m/s
    expect(hubSpeed(Number.NaN, 5, 80)).toBeCloseTo(5 * 8 ** (1 / 7), 12); // 6.730 m/s
    expect(hubSpeed(Number.NaN, 10)).toBeCloseTo(10 * 10 ** (1 / 7), 12); // 13.89 m/s
  });

  it("uses the site's curve, linear between its points, with the cut-out it lists", () => {
    const curve = [
      { speedMs: 3, powerFraction: 0 },
      { speedMs: 13, powerFraction: 1 },
      { speedMs: 25, powerFraction: 1 },
      { speedMs: 25.01, powerFraction: 0 },
    ];
    expect(powerFraction(8, curve)).toBeCloseTo(0.5, 12);
    expect(powerFraction(2, curve)).toBe(0);
    expect(powerFraction(20, curve)).toBe(1);
    expect(powerFraction(30, curve)).toBe(0);
    expect(powerFraction(Number.NaN, curve)).toBeNaN();
    // Without one, the generic cube law (cut-in 3, rated 12).
    expect(powerFraction(7.5)).toBeCloseTo((7.5 ** 3 - 27) / (1728 - 27), 12);
    expect(powerFraction(30)).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { cellTemperatureC, erbsDiffuseFraction, planeOfArrayWm2, temperatureDerate, type SunGeometry } from '../../../../src/forecast/features/solar.js';

const T = Date.UTC(2024, 5, 21, 12);

/** The sun 30° from the zenith, due south. */
const SUN_30_SOUTH: SunGeometry = {
  altitudeDeg: 60,
  azimuthDeg: 180,
  cosZenith: Math.cos(Math.PI / 6),
  sinZenith: 0.5,
  cosAzimuth: -1,
  sinAzimuth: 0,
};

describe('irradiance on a PV array', () => {
  it('plane of array, hand-checked: beam straight onto a 30° south-facing array', () => {
    // cos(AOI) = cos30·cos30 + sin30·sin30 = 1; beam normal 600 / cos30 = 692.82; sky diffuse 200·(1 + cos30)/2 = 186.60;
    // ground 800·0.2·(1 − cos30)/2 = 10.72.
    expect(planeOfArrayWm2(800, 600, 200, SUN_30_SOUTH, T, { tiltDeg: 30, azimuthDeg: 180 })).toBeCloseTo(890.14, 1);
  });

  it('a flat array sees GHI; one facing away from the sun sees only diffuse and ground', () => {
    expect(planeOfArrayWm2(800, 600, 200, SUN_30_SOUTH, T, { tiltDeg: 0, azimuthDeg: 180 })).toBeCloseTo(800, 6);
    // Vertical, facing north: cos(AOI) = −sin30 → no beam; diffuse 200·0.5, ground 800·0.2·0.5.
    expect(planeOfArrayWm2(800, 600, 200, SUN_30_SOUTH, T, { tiltDeg: 90, azimuthDeg: 0 })).toBeCloseTo(100 + 80, 6);
    expect(planeOfArrayWm2(800, 600, 200, { ...SUN_30_SOUTH, cosZenith: -0.1 }, T, { tiltDeg: 30, azimuthDeg: 180 })).toBe(0);
    expect(planeOfArrayWm2(Number.NaN, 600, 200, SUN_30_SOUTH, T, { tiltDeg: 30, azimuthDeg: 180 })).toBeNaN();
  });

  it('splits GHI by Erbs where the forecast has no direct/diffuse, and still gives GHI on a flat array', () => {
    expect(erbsDiffuseFraction(0.1)).toBeCloseTo(0.991, 10);
    // 0.9511 − 0.1604·0.5 + 4.388·0.25 − 16.638·0.125 + 12.336·0.0625
    expect(erbsDiffuseFraction(0.5)).toBeCloseTo(0.65915, 5);
    expect(erbsDiffuseFraction(0.9)).toBe(0.165);
    expect(planeOfArrayWm2(700, Number.NaN, Number.NaN, SUN_30_SOUTH, T, { tiltDeg: 0, azimuthDeg: 180 })).toBeCloseTo(700, 6);
    // Tilted toward the sun it gains over GHI.
    expect(planeOfArrayWm2(700, Number.NaN, Number.NaN, SUN_30_SOUTH, T, { tiltDeg: 30, azimuthDeg: 180 })).toBeGreaterThan(700);
  });

  it('cell temperature and its derating, hand-checked (NOCT 45 °C, −0.4 %/K)', () => {
    expect(cellTemperatureC(25, 800)).toBe(50);
    expect(temperatureDerate(50)).toBeCloseTo(0.9, 12);
    expect(temperatureDerate(cellTemperatureC(0, 0))).toBeCloseTo(1.1, 12);
  });
});

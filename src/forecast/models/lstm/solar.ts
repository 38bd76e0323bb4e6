import SunCalc from 'suncalc';

/**
 * Clear-sky proxy per step: sine of the sun's elevation at the step's midpoint, 0 below the horizon.
 * Proportional to direct irradiance on a horizontal surface before atmospheric losses; enough for the
 * network to know when and how high the sun is without a full clear-sky model.
 */
export function solarElevationSine(startMs: number, stepMs: number, count: number, latitude: number, longitude: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const midMs = startMs + (i + 0.5) * stepMs;
    const { altitude } = SunCalc.getPosition(new Date(midMs), latitude, longitude);
    out[i] = Math.max(0, Math.sin(altitude));
  }
  return out;
}

import { clearSkyGhiAt } from '../../features/solar.js';

/** Reference irradiance that maps clear-sky GHI to roughly [0, 1.1] for the network. */
const REFERENCE_GHI_WM2 = 1000;

/**
 * Clear-sky GHI (Haurwitz, from suncalc's solar geometry) at each step's midpoint, divided by
 * 1000 W/m²: tells the network when and how high the sun is, which PV output scales with.
 */
export function solarClearSkyFraction(startMs: number, stepMs: number, count: number, latitude: number, longitude: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = clearSkyGhiAt(startMs + (i + 0.5) * stepMs, latitude, longitude) / REFERENCE_GHI_WM2;
  return out;
}

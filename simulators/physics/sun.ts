import { clearSkyGhiWm2 } from '../../src/forecast/index.js';

// Sun position and clear-sky irradiance are shared with forecasting (src/forecast/features/solar.ts).
export { clearSkyGhiWm2, sunGeometry, type SunGeometry } from '../../src/forecast/index.js';

/** Kasten–Czeplak: the fraction of clear-sky GHI that gets through a cloud cover in [0, 1]. */
export function cloudTransmittance(cloudCover: number): number {
  return 1 - 0.75 * Math.pow(cloudCover, 3.4);
}

export interface IrradianceSplit {
  ghiWm2: number;
  /** Beam on a plane normal to the sun. */
  dniWm2: number;
  /** Diffuse on the horizontal. */
  dhiWm2: number;
}

/**
 * GHI for a sun position and cloud cover, split into beam and diffuse: clear skies are ~12 %
 * diffuse, an overcast sky is all diffuse (a coarse stand-in for Erbs-type decompositions).
 */
export function irradiance(cosZenith: number, cloudCover: number): IrradianceSplit {
  const clear = clearSkyGhiWm2(cosZenith);
  if (clear === 0) return { ghiWm2: 0, dniWm2: 0, dhiWm2: 0 };
  const transmittance = cloudTransmittance(cloudCover);
  const ghiWm2 = clear * transmittance;
  const diffuseFraction = Math.min(1, 0.12 + 1.2 * (1 - transmittance));
  // Near the horizon beam/cosZ blows up; real DNI never exceeds ~1100 W/m² (the rest counts as diffuse).
  const dniWm2 = Math.min(1100, (ghiWm2 * (1 - diffuseFraction)) / cosZenith);
  return { ghiWm2, dniWm2, dhiWm2: ghiWm2 - dniWm2 * cosZenith };
}

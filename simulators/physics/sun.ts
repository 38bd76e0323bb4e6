import { getPosition } from 'suncalc';

/**
 * Sun geometry and irradiance. suncalc 2.x reports degrees and a north-based clockwise azimuth
 * (0 = N, 90 = E, 180 = S); every azimuth in the simulator uses that convention.
 */
export interface SunGeometry {
  altitudeDeg: number;
  azimuthDeg: number;
  /** cos of the zenith angle; ≤ 0 when the sun is below the horizon. */
  cosZenith: number;
  sinZenith: number;
  cosAzimuth: number;
  sinAzimuth: number;
}

const RAD = Math.PI / 180;

export function sunGeometry(timeMs: number, latitudeDeg: number, longitudeDeg: number): SunGeometry {
  const p = getPosition(new Date(timeMs), latitudeDeg, longitudeDeg);
  const alt = p.altitude * RAD;
  const az = p.azimuth * RAD;
  return {
    altitudeDeg: p.altitude,
    azimuthDeg: p.azimuth,
    cosZenith: Math.sin(alt),
    sinZenith: Math.cos(alt),
    cosAzimuth: Math.cos(az),
    sinAzimuth: Math.sin(az),
  };
}

/** Haurwitz clear-sky global horizontal irradiance, W/m²; 0 with the sun at or below the horizon. */
export function clearSkyGhiWm2(cosZenith: number): number {
  return cosZenith <= 0 ? 0 : 1098 * cosZenith * Math.exp(-0.057 / cosZenith);
}

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

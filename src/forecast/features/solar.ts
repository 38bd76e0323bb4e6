import { getPosition } from 'suncalc';

/**
 * Sun geometry and irradiance. suncalc 2.x reports degrees and a north-based clockwise azimuth
 * (0 = N, 90 = E, 180 = S); every azimuth in gridcast uses that convention.
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

/** Clear-sky GHI at a place and time, W/m². */
export function clearSkyGhiAt(timeMs: number, latitudeDeg: number, longitudeDeg: number): number {
  return clearSkyGhiWm2(sunGeometry(timeMs, latitudeDeg, longitudeDeg).cosZenith);
}

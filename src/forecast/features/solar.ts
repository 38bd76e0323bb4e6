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

/** A PV array's orientation: tilt from horizontal, azimuth north-based clockwise (180 = facing south). */
export interface PvArray {
  tiltDeg: number;
  azimuthDeg: number;
}

/** Solar constant (W/m²) and the ground's reflectance (grass, the usual default). */
const SOLAR_CONSTANT_WM2 = 1361;
const ALBEDO = 0.2;

/** Extraterrestrial irradiance on a horizontal plane, W/m² (0 at night). */
export function extraterrestrialHorizontalWm2(timeMs: number, cosZenith: number): number {
  if (cosZenith <= 0) return 0;
  const dayOfYear = (timeMs - Date.UTC(new Date(timeMs).getUTCFullYear(), 0, 1)) / 86_400_000;
  return SOLAR_CONSTANT_WM2 * (1 + 0.033 * Math.cos((2 * Math.PI * dayOfYear) / 365)) * cosZenith;
}

/**
 * Erbs et al. (1982): the diffuse share of GHI from the clearness index kt = GHI / extraterrestrial, for
 * forecasts that give only GHI (Open-Meteo gives direct and diffuse too; GEFCom's ECMWF set does not).
 */
export function erbsDiffuseFraction(clearnessIndex: number): number {
  const kt = Math.max(0, clearnessIndex);
  if (kt <= 0.22) return 1 - 0.09 * kt;
  if (kt <= 0.8) return 0.9511 - 0.1604 * kt + 4.388 * kt ** 2 - 16.638 * kt ** 3 + 12.336 * kt ** 4;
  return 0.165;
}

/**
 * Plane-of-array irradiance (W/m²), isotropic sky (Liu–Jordan): beam on the plane + sky diffuse seen by the
 * tilted plane + ground reflection. `directWm2`/`diffuseWm2` are horizontal; NaN for either splits GHI by Erbs.
 * Below 5° of sun elevation the beam is left out (its horizontal-to-normal ratio blows up there).
 */
export function planeOfArrayWm2(ghiWm2: number, directWm2: number, diffuseWm2: number, sun: SunGeometry, timeMs: number, array: PvArray): number {
  if (!Number.isFinite(ghiWm2)) return Number.NaN;
  const ghi = Math.max(0, ghiWm2);
  if (sun.cosZenith <= 0 || ghi === 0) return 0;
  let diffuse = diffuseWm2;
  let direct = directWm2;
  if (!Number.isFinite(diffuse) || !Number.isFinite(direct)) {
    const extra = extraterrestrialHorizontalWm2(timeMs, sun.cosZenith);
    diffuse = ghi * erbsDiffuseFraction(extra > 0 ? ghi / extra : 1);
    direct = ghi - diffuse;
  }
  const tilt = array.tiltDeg * RAD;
  const cosAoi = sun.cosZenith * Math.cos(tilt) + sun.sinZenith * Math.sin(tilt) * Math.cos((sun.azimuthDeg - array.azimuthDeg) * RAD);
  const beamNormal = sun.cosZenith > Math.sin(5 * RAD) ? Math.max(0, direct) / sun.cosZenith : 0;
  return beamNormal * Math.max(0, cosAoi) + Math.max(0, diffuse) * ((1 + Math.cos(tilt)) / 2) + ghi * ALBEDO * ((1 - Math.cos(tilt)) / 2);
}

/** NOCT cell temperature model (NOCT 45 °C: 20 °C air, 800 W/m²), °C. */
export function cellTemperatureC(airC: number, irradianceWm2: number): number {
  return airC + ((45 - 20) / 800) * Math.max(0, irradianceWm2);
}

/** Crystalline silicon loses about 0.4 % of its power per kelvin above 25 °C (and gains below). */
export function temperatureDerate(cellC: number): number {
  return 1 - 0.004 * (cellC - 25);
}

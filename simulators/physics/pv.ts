import type { MeterUnit, SiteStep } from './context.js';
import { clamp, HOUR_MS, MINUTE_MS, round4 } from './num.js';
import { ar1Advance, type Rng } from './rng.js';
import type { SunGeometry } from './sun.js';
import type { Reading } from '../../src/contract/index.js';

/** A PV system's orientation and rating. Azimuth north-based clockwise (180 = south). */
export interface PvParams {
  capacityKw: number;
  tiltDeg: number;
  azimuthDeg: number;
  /** Losses from DC nameplate to AC (inverter, wiring, soiling), typically 0.8–0.9. */
  performanceRatio: number;
}

export interface PvWeather {
  sun: SunGeometry;
  temperatureC: number;
  ghiWm2: number;
  dniWm2: number;
  dhiWm2: number;
}

const RAD = Math.PI / 180;
const GROUND_ALBEDO = 0.2;
const TEMP_COEFF_PER_K = -0.004;
// NOCT 45 °C: the cell runs (45 − 20)/800 K per W/m² above ambient.
const CELL_HEATING_K_PER_WM2 = 25 / 800;

/** A panel's orientation precomputed, so per-reading work is a handful of multiplies. */
export class PvArray {
  private readonly cosTilt: number;
  private readonly sinTilt: number;
  private readonly cosAz: number;
  private readonly sinAz: number;
  private readonly skyView: number;
  private readonly groundView: number;

  constructor(readonly params: PvParams) {
    this.cosTilt = Math.cos(params.tiltDeg * RAD);
    this.sinTilt = Math.sin(params.tiltDeg * RAD);
    this.cosAz = Math.cos(params.azimuthDeg * RAD);
    this.sinAz = Math.sin(params.azimuthDeg * RAD);
    this.skyView = (1 + this.cosTilt) / 2;
    this.groundView = (1 - this.cosTilt) / 2;
  }

  /** cos of the angle of incidence of the beam on the panel (negative: sun behind the panel). */
  cosIncidence(sun: SunGeometry): number {
    const cosAzDiff = sun.cosAzimuth * this.cosAz + sun.sinAzimuth * this.sinAz;
    return sun.cosZenith * this.cosTilt + sun.sinZenith * this.sinTilt * cosAzDiff;
  }

  /** Plane-of-array irradiance: beam × cos θ (clipped at 0) + isotropic sky diffuse + ground reflection. */
  planeOfArrayWm2(w: PvWeather): number {
    if (w.sun.cosZenith <= 0) return 0;
    const cosTheta = this.cosIncidence(w.sun);
    const beam = cosTheta > 0 ? w.dniWm2 * cosTheta : 0;
    return beam + w.dhiWm2 * this.skyView + w.ghiWm2 * GROUND_ALBEDO * this.groundView;
  }

  /** AC output, kW, in [0, capacity]; exactly 0 with the sun below the horizon. */
  powerKw(w: PvWeather): number {
    const poaWm2 = this.planeOfArrayWm2(w);
    if (poaWm2 <= 0) return 0;
    const cellC = w.temperatureC + CELL_HEATING_K_PER_WM2 * poaWm2;
    const derate = 1 + TEMP_COEFF_PER_K * (cellC - 25);
    return clamp(this.params.capacityKw * (poaWm2 / 1000) * this.params.performanceRatio * derate, 0, this.params.capacityKw);
  }
}

/** Orientation and size of a fleet PV system: mostly rooftops, some commercial roofs, a few fields. */
export function drawPvParams(rng: Rng, latitudeDeg: number): PvParams {
  const equatorFacingDeg = latitudeDeg >= 0 ? 180 : 0;
  const kind = rng.next();
  if (kind < 0.85) {
    return {
      capacityKw: round4(rng.uniform(3, 10)),
      tiltDeg: rng.uniform(15, 45),
      azimuthDeg: (equatorFacingDeg + clamp(rng.normal() * 35, -90, 90) + 360) % 360,
      performanceRatio: rng.uniform(0.78, 0.88),
    };
  }
  if (kind < 0.97) {
    return { capacityKw: round4(rng.uniform(20, 200)), tiltDeg: rng.uniform(5, 20), azimuthDeg: (equatorFacingDeg + rng.uniform(-30, 30) + 360) % 360, performanceRatio: rng.uniform(0.8, 0.88) };
  }
  return { capacityKw: round4(rng.uniform(500, 5000)), tiltDeg: rng.uniform(20, 35), azimuthDeg: equatorFacingDeg + rng.uniform(-5, 5), performanceRatio: rng.uniform(0.82, 0.9) };
}

const LOCAL_CLOUD_TAU_MS = 10 * MINUTE_MS;

export class PvMeter implements MeterUnit {
  readonly capacityKw: number;
  private readonly array: PvArray;
  /** The site's cloud field is shared; this is the system's own patch of it (a few % under broken clouds). */
  private localCloud: number;
  /** Last time localCloud moved; it rests at night, then catches up over the whole gap. */
  private localCloudMs = Number.NaN;
  private energyKwh: number;
  private lastPowerKw = -1;

  constructor(
    params: PvParams,
    private readonly rng: Rng,
  ) {
    this.array = new PvArray(params);
    this.capacityKw = params.capacityKw;
    this.localCloud = rng.normal();
    this.energyKwh = Math.round(params.capacityKw * rng.uniform(0, 8000));
  }

  read(step: SiteStep): Reading {
    const w = step.weather;
    let powerKw = 0;
    if (w.sun.cosZenith > 0) {
      if (!Number.isNaN(this.localCloudMs)) this.localCloud = ar1Advance(this.localCloud, step.timeMs - this.localCloudMs, LOCAL_CLOUD_TAU_MS, this.rng);
      this.localCloudMs = step.timeMs;
      const patch = 1 + 0.08 * w.cloudCover * (1 - w.cloudCover) * 4 * this.localCloud;
      powerKw = clamp(this.array.powerKw(w) * patch, 0, this.capacityKw);
    }
    if (this.lastPowerKw >= 0) this.energyKwh += ((this.lastPowerKw + powerKw) / 2) * (step.dtMs / HOUR_MS);
    this.lastPowerKw = powerKw;
    return { ts: step.timeMs, kind: 'pv', powerKw: round4(powerKw), energyKwh: round4(this.energyKwh) };
  }
}

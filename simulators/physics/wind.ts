import type { MeterUnit, SiteStep } from './context.js';
import { clamp, HOUR_MS, MINUTE_MS, round4 } from './num.js';
import { ar1Advance, type Rng } from './rng.js';
import type { Reading } from '../../src/contract/index.js';

export const CUT_IN_MS = 3;
export const RATED_MS = 12;
export const CUT_OUT_MS = 25;
/** Power-law wind shear exponent over open, flat terrain. */
export const SHEAR_EXPONENT = 0.14;

/** Hub-height wind from the 10 m wind by the power law. */
export function hubWindSpeedMs(windSpeed10mMs: number, hubHeightM: number): number {
  return windSpeed10mMs * Math.pow(hubHeightM / 10, SHEAR_EXPONENT);
}

/**
 * Fraction of rated power at a hub-height wind speed: 0 below cut-in, cubic from cut-in to rated,
 * 1 from rated up to cut-out, 0 at and beyond cut-out (the turbine feathers to protect itself).
 */
export function windPowerFraction(hubSpeedMs: number): number {
  if (!(hubSpeedMs > CUT_IN_MS) || hubSpeedMs >= CUT_OUT_MS) return 0;
  if (hubSpeedMs >= RATED_MS) return 1;
  const x = (hubSpeedMs - CUT_IN_MS) / (RATED_MS - CUT_IN_MS);
  return x * x * x;
}

export function windPowerKw(hubSpeedMs: number, ratedKw: number): number {
  return ratedKw * windPowerFraction(hubSpeedMs);
}

const TURBULENCE_TAU_MS = 5 * MINUTE_MS;
const TURBULENCE_SD = 0.06;

export class WindTurbine implements MeterUnit {
  readonly capacityKw: number;
  readonly hubHeightM: number;
  private readonly shearFactor: number;
  /** The turbine's own turbulence around the site wind, so neighbouring turbines differ a little. */
  private turbulence: number;
  private energyKwh: number;
  private lastPowerKw = -1;

  constructor(private readonly rng: Rng) {
    this.capacityKw = round4(500 * Math.exp(rng.next() * Math.log(9))); // 0.5–4.5 MW, log-uniform
    this.hubHeightM = rng.uniform(80, 120);
    this.shearFactor = Math.pow(this.hubHeightM / 10, SHEAR_EXPONENT);
    this.turbulence = rng.normal();
    this.energyKwh = Math.round(this.capacityKw * rng.uniform(0, 20_000));
  }

  read(step: SiteStep): Reading {
    this.turbulence = ar1Advance(this.turbulence, step.dtMs, TURBULENCE_TAU_MS, this.rng);
    const hubMs = clamp(step.weather.windSpeed10mMs * this.shearFactor * (1 + TURBULENCE_SD * this.turbulence), 0, 100);
    const powerKw = clamp(this.capacityKw * windPowerFraction(hubMs), 0, this.capacityKw);
    if (this.lastPowerKw >= 0) this.energyKwh += ((this.lastPowerKw + powerKw) / 2) * (step.dtMs / HOUR_MS);
    this.lastPowerKw = powerKw;
    return { ts: step.timeMs, kind: 'wind', powerKw: round4(powerKw), energyKwh: round4(this.energyKwh), windSpeedMs: round4(hubMs) };
  }
}

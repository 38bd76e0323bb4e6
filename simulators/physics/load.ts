import type { MeterUnit, SiteStep } from './context.js';
import type { DayType } from './localTime.js';
import { clamp, HOUR_MS, hourlyInterp, MINUTE_MS, round4 } from './num.js';
import { ar1AdvancePhi, type Rng } from './rng.js';
import type { Reading } from '../../src/contract/index.js';

export type LoadProfile = 'residential' | 'commercial' | 'industrial';

type DayShapes = Record<DayType, readonly number[]>;

/**
 * Normalised daily shapes (1 = the profile's typical peak), one value per local hour h:00,
 * interpolated in between. Shaped after typical European distribution-grid standard profiles.
 */
export const LOAD_SHAPES: Record<LoadProfile, DayShapes> = {
  residential: {
    // morning peak ~7–8h, evening peak ~19h
    weekday: [0.42, 0.36, 0.33, 0.32, 0.32, 0.36, 0.5, 0.68, 0.66, 0.55, 0.5, 0.5, 0.52, 0.5, 0.48, 0.5, 0.58, 0.75, 0.92, 1, 0.95, 0.85, 0.7, 0.55],
    saturday: [0.48, 0.4, 0.36, 0.34, 0.33, 0.34, 0.38, 0.46, 0.58, 0.68, 0.7, 0.7, 0.72, 0.68, 0.64, 0.64, 0.68, 0.8, 0.94, 1, 0.95, 0.86, 0.74, 0.6],
    sunday: [0.5, 0.42, 0.37, 0.34, 0.33, 0.33, 0.35, 0.42, 0.55, 0.68, 0.74, 0.76, 0.78, 0.72, 0.66, 0.65, 0.7, 0.84, 0.98, 1, 0.93, 0.82, 0.68, 0.56],
  },
  commercial: {
    // office hours plateau 8–18h on weekdays; shops half open on Saturday; closed on Sunday
    weekday: [0.25, 0.24, 0.24, 0.24, 0.24, 0.26, 0.35, 0.55, 0.8, 0.95, 1, 1, 0.97, 0.98, 1, 0.99, 0.95, 0.85, 0.62, 0.45, 0.36, 0.3, 0.27, 0.26],
    saturday: [0.25, 0.24, 0.24, 0.24, 0.24, 0.24, 0.26, 0.3, 0.38, 0.45, 0.48, 0.5, 0.5, 0.5, 0.48, 0.46, 0.42, 0.36, 0.3, 0.27, 0.26, 0.25, 0.25, 0.25],
    sunday: [0.24, 0.24, 0.24, 0.24, 0.24, 0.24, 0.24, 0.25, 0.26, 0.27, 0.28, 0.28, 0.28, 0.28, 0.28, 0.27, 0.26, 0.25, 0.25, 0.24, 0.24, 0.24, 0.24, 0.24],
  },
  industrial: {
    // two day shifts (6–14, 14–22) at full load with dips at the changeovers, a lighter night shift
    weekday: [0.72, 0.72, 0.72, 0.72, 0.72, 0.74, 0.9, 0.98, 0.99, 1, 1, 0.99, 0.93, 0.98, 0.9, 0.97, 0.99, 1, 1, 0.99, 0.97, 0.95, 0.78, 0.72],
    saturday: [0.5, 0.45, 0.45, 0.45, 0.45, 0.46, 0.55, 0.6, 0.62, 0.62, 0.62, 0.62, 0.6, 0.6, 0.5, 0.46, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45],
    sunday: [0.36, 0.35, 0.35, 0.35, 0.35, 0.35, 0.35, 0.35, 0.35, 0.36, 0.36, 0.36, 0.36, 0.36, 0.36, 0.36, 0.35, 0.35, 0.35, 0.35, 0.35, 0.35, 0.35, 0.36],
  },
};

/** Normalised demand at a local hour in [0, 24). */
export function loadShape(profile: LoadProfile, dayType: DayType, localHour: number): number {
  return hourlyInterp(LOAD_SHAPES[profile][dayType], localHour);
}

interface ProfileTraits {
  /** Range of capacityKw drawn per meter (log-uniform). */
  capacityKw: [number, number];
  /** Share of capacity drawn at shape = 1, before weather. */
  baseShare: number;
  /** Seasonal swing of the shape (lighting, longer evenings): × (1 + amp·winterness). */
  seasonalAmp: number;
  /** Electric heating/cooling, fraction of capacity per kelvin below/above the thresholds. */
  heatingPerK: number;
  coolingPerK: number;
  /** Per-meter noise: relative sd and AR(1) time constant range. */
  noiseSd: number;
  noiseTauMin: [number, number];
  /** Per-meter shift of the daily shape (households don't all cook at 18:00). */
  shiftH: number;
}

const TRAITS: Record<LoadProfile, ProfileTraits> = {
  residential: { capacityKw: [3, 10], baseShare: 0.4, seasonalAmp: 0.1, heatingPerK: 0.012, coolingPerK: 0.015, noiseSd: 0.15, noiseTauMin: [10, 40], shiftH: 0.5 },
  commercial: { capacityKw: [30, 300], baseShare: 0.65, seasonalAmp: 0.03, heatingPerK: 0.008, coolingPerK: 0.025, noiseSd: 0.06, noiseTauMin: [30, 90], shiftH: 0.5 },
  industrial: { capacityKw: [300, 3000], baseShare: 0.7, seasonalAmp: 0, heatingPerK: 0.004, coolingPerK: 0.008, noiseSd: 0.05, noiseTauMin: [60, 180], shiftH: 0.25 },
};

export const HEATING_THRESHOLD_C = 15;
export const COOLING_THRESHOLD_C = 22;

/** Weather-driven demand as a fraction of capacity: degrees below/above the comfort band × sensitivity. */
export function temperatureResponse(temperatureC: number, heatingPerK: number, coolingPerK: number): number {
  if (temperatureC < HEATING_THRESHOLD_C) return (HEATING_THRESHOLD_C - temperatureC) * heatingPerK;
  if (temperatureC > COOLING_THRESHOLD_C) return (temperatureC - COOLING_THRESHOLD_C) * coolingPerK;
  return 0;
}

function logUniform(rng: Rng, [min, max]: [number, number]): number {
  return min * Math.exp(rng.next() * Math.log(max / min));
}

export class LoadMeter implements MeterUnit {
  readonly capacityKw: number;
  private readonly traits: ProfileTraits;
  private readonly heatingPerK: number;
  private readonly coolingPerK: number;
  private readonly noiseTauMs: number;
  private readonly shiftH: number;
  private readonly voltageOffsetV: number;
  private noise: number;
  private energyKwh: number;
  private lastPowerKw = -1;

  constructor(
    readonly profile: LoadProfile,
    private readonly rng: Rng,
  ) {
    const t = TRAITS[profile];
    this.traits = t;
    this.capacityKw = round4(logUniform(rng, t.capacityKw));
    // Spread in heating/cooling: some have heat pumps or air-con, some heat with gas.
    this.heatingPerK = t.heatingPerK * rng.uniform(0.3, 1.7);
    this.coolingPerK = t.coolingPerK * rng.uniform(0.2, 1.8);
    this.noiseTauMs = rng.uniform(t.noiseTauMin[0], t.noiseTauMin[1]) * MINUTE_MS;
    this.shiftH = rng.uniform(-t.shiftH, t.shiftH);
    this.voltageOffsetV = rng.uniform(-3, 4);
    this.noise = rng.normal();
    this.energyKwh = Math.round(this.capacityKw * rng.uniform(500, 5000));
  }

  read(step: SiteStep): Reading {
    const { local, dtMs } = step;
    if (dtMs > 0) {
      const phi = Math.exp(-dtMs / this.noiseTauMs);
      this.noise = ar1AdvancePhi(this.noise, phi, Math.sqrt(1 - phi * phi), this.rng);
    }
    const t = this.traits;
    const hour = (local.hour + this.shiftH + 24) % 24;
    const shape = hourlyInterp(LOAD_SHAPES[this.profile][local.dayType], hour);
    let weatherShare = temperatureResponse(step.weather.temperatureC, this.heatingPerK, this.coolingPerK);
    // Offices heat and cool mostly while occupied.
    if (this.profile === 'commercial') weatherShare *= 0.4 + 0.6 * shape;
    const share = (t.baseShare * shape * (1 + t.seasonalAmp * step.winterness) + weatherShare) * (1 + t.noiseSd * this.noise);
    const powerKw = this.capacityKw * clamp(share, 0.02, 1);
    // Register: trapezoid over the elapsed interval.
    if (this.lastPowerKw >= 0) this.energyKwh += ((this.lastPowerKw + powerKw) / 2) * (dtMs / HOUR_MS);
    this.lastPowerKw = powerKw;
    // Voltage sags with the meter's own load (feeder impedance) around its connection point's level.
    const voltageV = 231.5 + this.voltageOffsetV - 6 * (powerKw / this.capacityKw) + 0.6 * this.noise;
    return { ts: step.timeMs, kind: 'load', powerKw: round4(powerKw), energyKwh: round4(this.energyKwh), voltageV: round4(voltageV) };
  }
}

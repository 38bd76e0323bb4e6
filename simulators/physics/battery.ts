import type { MeterUnit, SiteStep } from './context.js';
import { clamp, HOUR_MS, round4 } from './num.js';
import type { Rng } from './rng.js';
import type { Reading } from '../../src/contract/index.js';

export interface BatteryParams {
  capacityKwh: number;
  maxKw: number;
  socMinPct: number;
  socMaxPct: number;
  /** One-way efficiencies (round trip = product). */
  chargeEfficiency: number;
  dischargeEfficiency: number;
  /** Local-hour windows: soak up the midday PV surplus, serve the evening peak. */
  chargeFromH: number;
  chargeToH: number;
  dischargeFromH: number;
  dischargeToH: number;
}

// Below this step the energy limit uses 1 minute, so a power reported after a tiny (or the first, 0-length)
// interval is still one the battery could sustain.
const MIN_LIMIT_H = 1 / 60;
// Plan to finish a window no later than this close to its end, so the requested rate stays finite.
const MIN_REMAINING_H = 0.25;

/**
 * What the controller asks for at a local hour, kW (+ discharge, − charge): a rate that would reach
 * the SoC target by the end of the window, capped at the inverter rating; 0 outside the windows.
 */
export function requestedBatteryKw(p: BatteryParams, socPct: number, localHour: number): number {
  if (localHour >= p.chargeFromH && localHour < p.chargeToH) {
    const needKwh = ((p.socMaxPct - socPct) / 100) * p.capacityKwh / p.chargeEfficiency;
    return -Math.min(p.maxKw, Math.max(0, needKwh) / Math.max(p.chargeToH - localHour, MIN_REMAINING_H));
  }
  if (localHour >= p.dischargeFromH && localHour < p.dischargeToH) {
    const availableKwh = ((socPct - p.socMinPct) / 100) * p.capacityKwh * p.dischargeEfficiency;
    return Math.min(p.maxKw, Math.max(0, availableKwh) / Math.max(p.dischargeToH - localHour, MIN_REMAINING_H));
  }
  return 0;
}

/**
 * Applies a requested power over dtH hours, limited by the inverter rating and by the energy between
 * the SoC and its bounds, so the SoC stays within [min, max] for any step size.
 */
export function applyBatteryPower(p: BatteryParams, socPct: number, requestedKw: number, dtH: number): { powerKw: number; socPct: number } {
  const limitH = Math.max(dtH, MIN_LIMIT_H);
  let powerKw = clamp(requestedKw, -p.maxKw, p.maxKw);
  let nextSocPct = socPct;
  if (powerKw > 0) {
    const maxKw = (Math.max(0, socPct - p.socMinPct) / 100) * p.capacityKwh * p.dischargeEfficiency / limitH;
    powerKw = Math.min(powerKw, maxKw);
    nextSocPct = socPct - ((powerKw * dtH) / p.dischargeEfficiency / p.capacityKwh) * 100;
  } else if (powerKw < 0) {
    const maxKw = ((Math.max(0, p.socMaxPct - socPct) / 100) * p.capacityKwh) / p.chargeEfficiency / limitH;
    powerKw = -Math.min(-powerKw, maxKw);
    nextSocPct = socPct - ((powerKw * dtH * p.chargeEfficiency) / p.capacityKwh) * 100;
  }
  // Float round-off only: the limits above already keep the SoC inside.
  return { powerKw, socPct: clamp(nextSocPct, p.socMinPct, p.socMaxPct) };
}

/** Home batteries mostly, some community/commercial ones. */
export function drawBatteryParams(rng: Rng): BatteryParams {
  const home = rng.next() < 0.8;
  const capacityKwh = home ? rng.uniform(5, 15) : rng.uniform(100, 1000);
  const maxKw = round4(capacityKwh * (home ? rng.uniform(0.35, 0.6) : rng.uniform(0.25, 0.5)));
  const shiftH = rng.uniform(-0.75, 0.75);
  return {
    capacityKwh,
    maxKw,
    socMinPct: 10,
    socMaxPct: 95,
    chargeEfficiency: 0.95,
    dischargeEfficiency: 0.95,
    chargeFromH: 10 + shiftH,
    chargeToH: 15 + shiftH,
    dischargeFromH: 17 + shiftH,
    dischargeToH: 21 + shiftH,
  };
}

export class BatteryMeter implements MeterUnit {
  readonly capacityKw: number;
  private socPct: number;

  constructor(
    readonly params: BatteryParams,
    private readonly rng: Rng,
  ) {
    this.capacityKw = params.maxKw;
    this.socPct = rng.uniform(30, 60);
  }

  read(step: SiteStep): Reading {
    // Households differ in how hard they push the battery at a given moment.
    const requestedKw = requestedBatteryKw(this.params, this.socPct, step.local.hour) * (1 + 0.1 * (this.rng.next() - 0.5));
    const r = applyBatteryPower(this.params, this.socPct, requestedKw, step.dtMs / HOUR_MS);
    this.socPct = r.socPct;
    return { ts: step.timeMs, kind: 'battery', powerKw: round4(r.powerKw), socPct: round4(r.socPct) };
  }
}

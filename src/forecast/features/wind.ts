/**
 * Wind physics for turbine output: speed at hub height and the power curve. Pure.
 */

/** A site's turbines: hub height and, when the operator has one, the power curve (fraction of rated per speed). */
export interface Turbine {
  hubHeightM?: number;
  /** Points by increasing speed; linear between them, the end values beyond them (list a 0 after cut-out). */
  powerCurve?: readonly { speedMs: number; powerFraction: number }[];
}

/** Hub height assumed without a site's own: the height of the 100 m forecast level. */
export const DEFAULT_HUB_HEIGHT_M = 100;
/** Wind shear exponent of the 1/7 power law (neutral air over open land). */
const SHEAR_EXPONENT = 1 / 7;
/** Generic turbines: cut-in 3 m/s, rated 12 m/s, no cut-out. */
const CUT_IN_MS = 3;
const RATED_MS = 12;

/** Speed at hub height: from the 100 m forecast when there is one, else from the 10 m one, by the power law. */
export function hubSpeed(speed100m: number, speed10m: number, hubHeightM = DEFAULT_HUB_HEIGHT_M): number {
  if (Number.isFinite(speed100m)) return speed100m * (hubHeightM / 100) ** SHEAR_EXPONENT;
  return speed10m * (hubHeightM / 10) ** SHEAR_EXPONENT;
}

/** The cube law between cut-in and rated speed, 1 above it (a generic power curve, no cut-out). */
export function genericPowerFraction(speedMs: number): number {
  if (!Number.isFinite(speedMs)) return Number.NaN;
  if (speedMs <= CUT_IN_MS) return 0;
  if (speedMs >= RATED_MS) return 1;
  return (speedMs ** 3 - CUT_IN_MS ** 3) / (RATED_MS ** 3 - CUT_IN_MS ** 3);
}

/** Fraction of rated power at a speed: the site's curve where it has one, else the generic cube law. */
export function powerFraction(speedMs: number, curve?: Turbine['powerCurve']): number {
  if (!curve || curve.length === 0) return genericPowerFraction(speedMs);
  if (!Number.isFinite(speedMs)) return Number.NaN;
  if (speedMs <= curve[0]!.speedMs) return curve[0]!.powerFraction;
  for (let i = 1; i < curve.length; i++) {
    const a = curve[i - 1]!;
    const b = curve[i]!;
    if (speedMs <= b.speedMs) return a.powerFraction + ((b.powerFraction - a.powerFraction) * (speedMs - a.speedMs)) / (b.speedMs - a.speedMs);
  }
  return curve[curve.length - 1]!.powerFraction;
}

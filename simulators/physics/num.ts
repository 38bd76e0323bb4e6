/** Small numeric helpers shared by the simulator physics. */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export function clamp(x: number, min: number, max: number): number {
  return x < min ? min : x > max ? max : x;
}

/** Rounds to 4 decimals (the contract's precision) and turns −0 into 0 so JSON never carries "-0". */
export function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000 + 0;
}

/** Linear interpolation in a 24-entry hourly table, wrapping at midnight; hour in [0, 24). */
export function hourlyInterp(table: readonly number[], hour: number): number {
  const i = Math.floor(hour);
  const f = hour - i;
  const a = table[i % 24] ?? 0;
  const b = table[(i + 1) % 24] ?? 0;
  return a + (b - a) * f;
}

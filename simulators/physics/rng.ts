/**
 * Seeded, deterministic randomness. Every site and meter gets its own stream derived from
 * (seed, id), so adding a meter never shifts the numbers any other meter draws.
 */

/** 32-bit FNV-1a of a string, finished with a murmur3 avalanche so close ids give unrelated seeds. */
export function hashString(text: string, basis = 0x811c9dc5): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return fmix32(h);
}

function fmix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The seed of the stream named `id` under the fleet seed. */
export function deriveSeed(seed: number, id: string): number {
  return hashString(id, fmix32((seed >>> 0) ^ 0x9e3779b9 ^ Math.floor(seed / 2 ** 32)));
}

const TWO_POW_32 = 4_294_967_296;

/** splitmix32: tiny state, good enough statistics for a simulator, and fast. */
export class Rng {
  private state: number;
  private spareNormal = NaN;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return ((z ^ (z >>> 15)) >>> 0) / TWO_POW_32;
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const z = this.spareNormal;
      this.spareNormal = NaN;
      return z;
    }
    const u = 1 - this.next(); // (0, 1]: log stays finite
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * this.next();
    this.spareNormal = r * Math.sin(a);
    return r * Math.cos(a);
  }
}

/**
 * One step of a unit-variance AR(1) (the exact discretisation of an Ornstein–Uhlenbeck process):
 * correlation exp(−dt/τ) over any elapsed time, so 1-min and 1-h steps give the same statistics.
 */
export function ar1Advance(x: number, dtMs: number, tauMs: number, rng: Rng): number {
  if (dtMs <= 0) return x;
  const phi = Math.exp(-dtMs / tauMs);
  return phi * x + Math.sqrt(1 - phi * phi) * rng.normal();
}

/** As ar1Advance with the decay precomputed (one exp per step for a whole group of meters). */
export function ar1AdvancePhi(x: number, phi: number, innovationSd: number, rng: Rng): number {
  return innovationSd === 0 ? x : phi * x + innovationSd * rng.normal();
}

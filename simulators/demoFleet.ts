import type { Reading } from '../src/ingest/index.js';

/**
 * A small deterministic meter fleet for standalone demos: plausible shapes, not physics.
 * Issue #3 (simulators) replaces this with the full fleet simulator; this keeps `gridcast start
 * --simulate N` useful on a bare machine meanwhile. Pure: same meter and time → same reading.
 */
export interface DemoMeter {
  site: string;
  feeder: string;
  meter: string;
  kind: 'load' | 'pv' | 'wind' | 'weather';
  /** Size: peak load, PV or wind capacity in kW. */
  capacityKw: number;
}

export function demoFleet(meters: number): DemoMeter[] {
  const kinds: DemoMeter['kind'][] = ['load', 'load', 'load', 'pv', 'wind', 'load', 'pv', 'load'];
  const fleet: DemoMeter[] = [{ site: 'demo-site', feeder: 'feeder-0', meter: 'weather-0', kind: 'weather', capacityKw: 0 }];
  for (let i = 0; i < meters; i++) {
    const kind = kinds[i % kinds.length]!;
    fleet.push({ site: 'demo-site', feeder: `feeder-${i % 3}`, meter: `${kind}-${i}`, kind, capacityKw: kind === 'wind' ? 2000 : kind === 'pv' ? 50 + (i % 5) * 20 : 5 + (i % 7) * 3 });
  }
  return fleet;
}

// Deterministic noise in [-1, 1] from a meter name and a time step.
function noise(seed: string, step: number): number {
  let h = 2166136261 ^ step;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  h = Math.imul(h ^ (h >>> 15), 2246822507);
  return ((h >>> 0) / 4294967295) * 2 - 1;
}

const HOUR_MS = 3_600_000;

/** Hour of day in [0, 24) at the demo site (UTC+1, a central-European feeder). */
function localHour(timeMs: number): number {
  return (((timeMs + HOUR_MS) % (24 * HOUR_MS)) + 24 * HOUR_MS) % (24 * HOUR_MS) / HOUR_MS;
}

/** Clear-sky fraction of peak irradiance: a half-sine between 07:00 and 19:00 local time. */
function daylight(timeMs: number): number {
  const h = localHour(timeMs);
  return h > 7 && h < 19 ? Math.sin(((h - 7) / 12) * Math.PI) : 0;
}

function windSpeedMs(timeMs: number): number {
  const slow = Math.sin(timeMs / (9 * HOUR_MS)) * 3 + Math.sin(timeMs / (31 * HOUR_MS)) * 2;
  return Math.max(0, 7 + slow + noise('wind', Math.floor(timeMs / 60_000)) * 1.5);
}

/** A turbine power curve: cut-in 3 m/s, rated 12 m/s, cut-out 25 m/s. */
function windPowerFraction(speedMs: number): number {
  if (speedMs < 3 || speedMs >= 25) return 0;
  if (speedMs >= 12) return 1;
  return ((speedMs - 3) / 9) ** 3;
}

export function demoReading(m: DemoMeter, timeMs: number): Reading {
  const step = Math.floor(timeMs / 1000);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  switch (m.kind) {
    case 'weather':
      return {
        ts: timeMs,
        kind: 'weather',
        temperatureC: round(8 + 6 * Math.sin(((localHour(timeMs) - 9) / 24) * 2 * Math.PI)),
        irradianceWm2: round(850 * daylight(timeMs)),
        windSpeedMs: round(windSpeedMs(timeMs)),
      };
    case 'pv':
      return { ts: timeMs, kind: 'pv', powerKw: round(m.capacityKw * daylight(timeMs) * (0.85 + 0.15 * noise(m.meter, Math.floor(step / 300)))) };
    case 'wind':
      return { ts: timeMs, kind: 'wind', powerKw: round(m.capacityKw * windPowerFraction(windSpeedMs(timeMs))) };
    case 'load': {
      const h = localHour(timeMs);
      // Morning and evening peaks over a night base.
      const shape = 0.35 + 0.3 * Math.exp(-(((h - 8) / 1.5) ** 2)) + 0.55 * Math.exp(-(((h - 19) / 2) ** 2));
      return { ts: timeMs, kind: 'load', powerKw: round(Math.max(0, m.capacityKw * shape * (1 + 0.08 * noise(m.meter, step)))), voltageV: round(230 + 3 * noise(`${m.meter}v`, step)) };
    }
  }
}

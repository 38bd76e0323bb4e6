import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { siteInfoSchema } from '../src/forecast/index.js';
import { idSchema } from '../src/contract/index.js';

/**
 * A simulated fleet, described by a small YAML/JSON file (simulators/fleet.example.yaml).
 * The simulator, its tests and `gridcast simulate --config` share this schema.
 */
const id = idSchema('it becomes an MQTT topic segment');
const count = z.number().int().min(0).max(100_000);

export const loadMixSchema = z.strictObject({
  residential: count.default(0),
  commercial: count.default(0),
  industrial: count.default(0),
});

export const feederSchema = z.strictObject({
  id,
  load: loadMixSchema.default({ residential: 0, commercial: 0, industrial: 0 }),
  pv: count.default(0).describe('rooftop/field PV systems'),
  wind: count.default(0).describe('wind turbines'),
  battery: count.default(0).describe('batteries'),
});

export const siteSchema = siteInfoSchema.extend({
  /** One weather station per site unless turned off: temperature, irradiance, wind speed. */
  weatherStation: z.boolean().default(true),
  feeders: z.array(feederSchema).min(1),
}).strict();

export const fleetConfigSchema = z.strictObject({
  sites: z.array(siteSchema).min(1),
});

export type LoadMix = z.output<typeof loadMixSchema>;
export type FeederConfig = z.output<typeof feederSchema>;
export type SiteConfig = z.output<typeof siteSchema>;
export type FleetConfig = z.output<typeof fleetConfigSchema>;

/** `--meters N`: N meters over one default site (a Dutch town: mixed load, PV, a few turbines and batteries). */
export function defaultFleet(meters: number): FleetConfig {
  const feeders = Math.max(1, Math.ceil(meters / 50));
  const share = (fraction: number, i: number) => Math.floor((meters * fraction) / feeders + (i < (meters * fraction) % feeders ? 1 : 0));
  return fleetConfigSchema.parse({
    sites: [
      {
        id: 'demo-site',
        latitude: 52.09,
        longitude: 5.12,
        timeZone: 'Europe/Amsterdam',
        // The Dutch public (and bank) holidays of every year, from date-holidays.
        holidays: ['NL'],
        feeders: Array.from({ length: feeders }, (_, i) => ({
          id: `feeder-${i + 1}`,
          load: { residential: share(0.55, i), commercial: share(0.12, i), industrial: share(0.03, i) },
          pv: share(0.2, i),
          wind: share(0.03, i),
          battery: share(0.07, i),
        })),
      },
    ],
  });
}

export class FleetConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FleetConfigError';
  }
}

export function loadFleetConfig(path: string): FleetConfig {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new FleetConfigError(`fleet file '${path}' can't be read as YAML/JSON: ${(err as Error).message}`);
  }
  const parsed = fleetConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new FleetConfigError(`fleet file '${path}' is invalid:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

import type { FleetConfig, SiteConfig } from './fleetConfig.js';
import { BatteryMeter, drawBatteryParams } from './physics/battery.js';
import type { MeterUnit, SiteStep } from './physics/context.js';
import { LoadMeter, type LoadProfile } from './physics/load.js';
import { SiteClock } from './physics/localTime.js';
import { round4 } from './physics/num.js';
import { drawPvParams, PvMeter } from './physics/pv.js';
import { deriveSeed, Rng } from './physics/rng.js';
import { SiteWeather, winterness } from './physics/weather.js';
import { WindTurbine } from './physics/wind.js';
import type { Reading, ReadingKind } from '../src/contract/index.js';

export interface SimMeter {
  site: string;
  feeder: string;
  meter: string;
  kind: ReadingKind;
  /** e.g. 'residential' | 'commercial' | 'industrial' for load */
  profile?: string;
  /** rated/peak kW (0 for weather) */
  capacityKw: number;
}

/** The site's weather station: it reads the shared site weather, nothing of its own. */
class WeatherStation implements MeterUnit {
  readonly capacityKw = 0;
  read(step: SiteStep): Reading {
    const w = step.weather;
    return { ts: step.timeMs, kind: 'weather', temperatureC: round4(w.temperatureC), irradianceWm2: round4(w.ghiWm2), windSpeedMs: round4(w.windSpeed10mMs) };
  }
}

interface SimSite {
  config: SiteConfig;
  clock: SiteClock;
  weather: SiteWeather;
}

const LOAD_PREFIX: Record<LoadProfile, string> = { residential: 'res', commercial: 'com', industrial: 'ind' };

function meterId(prefix: string, n: number): string {
  return `${prefix}-${String(n).padStart(4, '0')}`;
}

/**
 * The meter fleet of a FleetConfig: site weather plus per-meter physics, all deterministic under
 * `seed`. Each site and meter draws from its own stream (seed + its id), so adding or removing a
 * meter leaves every other meter's output unchanged.
 */
export class FleetModel {
  readonly meters: readonly SimMeter[];
  private readonly sites: SimSite[] = [];
  private readonly units: MeterUnit[] = [];
  /** Index into `sites` of each meter. */
  private readonly siteOf: number[] = [];
  private readonly siteSteps: SiteStep[] = [];
  private lastTimeMs = Number.NaN;

  constructor(config: FleetConfig, seed: number) {
    const meters: SimMeter[] = [];
    const add = (siteIndex: number, m: SimMeter, unit: MeterUnit) => {
      meters.push(m);
      this.units.push(unit);
      this.siteOf.push(siteIndex);
    };
    config.sites.forEach((site, siteIndex) => {
      const clock = new SiteClock(site.timeZone, site.holidays);
      this.sites.push({ config: site, clock, weather: new SiteWeather(site.latitude, site.longitude, clock, new Rng(deriveSeed(seed, `site:${site.id}`))) });
      const stream = (feeder: string, meter: string) => new Rng(deriveSeed(seed, `meter:${site.id}/${feeder}/${meter}`));
      const firstFeeder = site.feeders[0]?.id ?? site.id;
      // A weather station belongs to the site, not a feeder; it rides on the first feeder so its topic is valid.
      if (site.weatherStation) add(siteIndex, { site: site.id, feeder: firstFeeder, meter: 'weather', kind: 'weather', capacityKw: 0 }, new WeatherStation());
      for (const feeder of site.feeders) {
        for (const profile of ['residential', 'commercial', 'industrial'] as const) {
          for (let i = 1; i <= feeder.load[profile]; i++) {
            const meter = meterId(LOAD_PREFIX[profile], i);
            const unit = new LoadMeter(profile, stream(feeder.id, meter));
            add(siteIndex, { site: site.id, feeder: feeder.id, meter, kind: 'load', profile, capacityKw: unit.capacityKw }, unit);
          }
        }
        for (let i = 1; i <= feeder.pv; i++) {
          const meter = meterId('pv', i);
          const rng = stream(feeder.id, meter);
          const unit = new PvMeter(drawPvParams(rng, site.latitude), rng);
          add(siteIndex, { site: site.id, feeder: feeder.id, meter, kind: 'pv', capacityKw: unit.capacityKw }, unit);
        }
        for (let i = 1; i <= feeder.wind; i++) {
          const meter = meterId('wind', i);
          const unit = new WindTurbine(stream(feeder.id, meter));
          add(siteIndex, { site: site.id, feeder: feeder.id, meter, kind: 'wind', capacityKw: unit.capacityKw }, unit);
        }
        for (let i = 1; i <= feeder.battery; i++) {
          const meter = meterId('bat', i);
          const rng = stream(feeder.id, meter);
          const unit = new BatteryMeter(drawBatteryParams(rng), rng);
          add(siteIndex, { site: site.id, feeder: feeder.id, meter, kind: 'battery', capacityKw: unit.capacityKw }, unit);
        }
      }
    });
    this.meters = meters;
  }

  /**
   * Readings of all meters at timeMs (epoch ms, integer), index-aligned with `meters`. Times must not
   * decrease; every process advances by the time elapsed since the previous call.
   */
  step(timeMs: number): Reading[] {
    if (!Number.isSafeInteger(timeMs)) throw new RangeError(`timeMs must be an integer epoch-ms time, got ${timeMs}`);
    if (timeMs < this.lastTimeMs) throw new RangeError(`timeMs went backwards: ${timeMs} < ${this.lastTimeMs}`);
    const dtMs = Number.isNaN(this.lastTimeMs) ? 0 : timeMs - this.lastTimeMs;
    this.lastTimeMs = timeMs;

    for (let s = 0; s < this.sites.length; s++) {
      const site = this.sites[s]!;
      const local = site.clock.at(timeMs);
      this.siteSteps[s] = {
        timeMs,
        dtMs,
        local,
        weather: site.weather.advance(timeMs, dtMs, local),
        winterness: winterness(site.config.latitude, local.dayOfYear),
      };
    }

    const n = this.units.length;
    const readings = new Array<Reading>(n);
    for (let i = 0; i < n; i++) readings[i] = this.units[i]!.read(this.siteSteps[this.siteOf[i]!]!);
    return readings;
  }
}

import type { LocalTime } from './localTime.js';
import type { SiteWeatherState } from './weather.js';
import type { Reading } from '../../src/contract/index.js';

/** What every meter of a site needs at one step, computed once per site per step. */
export interface SiteStep {
  timeMs: number;
  /** Time since the previous step (0 on the first). */
  dtMs: number;
  local: LocalTime;
  weather: SiteWeatherState;
  /** cos of the season phase: +1 at the site's coldest time of year, −1 at the warmest. */
  winterness: number;
}

/** One simulated meter: advances its own state by step.dtMs and returns its reading. */
export interface MeterUnit {
  readonly capacityKw: number;
  read(step: SiteStep): Reading;
}

import { getTimes } from 'suncalc';
import type { LocalTime, SiteClock } from './localTime.js';
import { clamp, DAY_MS, HOUR_MS, MINUTE_MS } from './num.js';
import { ar1Advance, type Rng } from './rng.js';
import { irradiance, sunGeometry, type SunGeometry } from './sun.js';

/**
 * Weather of one site, shared by everything there (station, PV, wind, load), so a cloudy cold
 * afternoon shows up consistently in irradiance, PV output and heating load.
 */
export interface SiteWeatherState {
  sun: SunGeometry;
  temperatureC: number;
  /** Cloud cover fraction in [0, 1]. */
  cloudCover: number;
  /** Wind speed at 10 m. */
  windSpeed10mMs: number;
  ghiWm2: number;
  dniWm2: number;
  dhiWm2: number;
}

// Time constants and spreads: chosen for a temperate climate; weather "fronts" last days,
// cloud fields hours, gusts minutes.
const TEMP_ANOMALY_TAU_MS = 3 * DAY_MS;
const TEMP_ANOMALY_SD_C = 2.5;
const TEMP_JITTER_TAU_MS = HOUR_MS;
const TEMP_JITTER_SD_C = 0.3;
const CLOUD_SLOW_TAU_MS = 8 * HOUR_MS;
const CLOUD_FAST_TAU_MS = 45 * MINUTE_MS;
const WIND_SLOW_TAU_MS = 18 * HOUR_MS;
const WIND_GUST_TAU_MS = 10 * MINUTE_MS;
const WIND_LOG_SD = 0.5;
const WIND_GUST_LOG_SD = 0.08;
const WIND_MEAN_MS = 5.5;
// exp(μ + σ²/2) = mean for a log-normal, so the long-run mean is WIND_MEAN_MS before the diurnal factor.
const WIND_LOG_MU = Math.log(WIND_MEAN_MS) - (WIND_LOG_SD ** 2 + WIND_GUST_LOG_SD ** 2) / 2;
const TEMP_PEAK_HOUR = 15;

/** Season phase: +1 at the coldest time of year (~20 Jan north, ~21 Jul south), −1 at the warmest. */
export function winterness(latitudeDeg: number, dayOfYear: number): number {
  const coldestDay = latitudeDeg >= 0 ? 20 : 202;
  return Math.cos((2 * Math.PI * (dayOfYear - coldestDay)) / 365.25);
}

/** Seasonal daily-mean temperature: colder and more seasonal towards the poles; hemisphere from latitude. */
export function seasonalTemperatureC(latitudeDeg: number, dayOfYear: number): number {
  const absLat = Math.abs(latitudeDeg);
  const annualMeanC = 28 - 0.35 * absLat;
  const amplitudeC = 0.15 * absLat;
  return annualMeanC - amplitudeC * winterness(latitudeDeg, dayOfYear);
}

/**
 * Diurnal temperature shape in [−1, 1]: −1 at sunrise, +1 at 15:00 local, a half-cosine rise and a
 * slower half-cosine decay through the night (continuous at both ends).
 */
export function diurnalTemperatureShape(hour: number, sunriseHour: number, peakHour = TEMP_PEAK_HOUR): number {
  const riseH = peakHour - sunriseHour;
  if (hour >= sunriseHour && hour <= peakHour) return -Math.cos((Math.PI * (hour - sunriseHour)) / riseH);
  const sincePeakH = (hour - peakHour + 24) % 24;
  return Math.cos((Math.PI * sincePeakH) / (24 - riseH));
}

/** Mild diurnal wind factor: daytime mixing makes afternoons windier near the ground. */
export function diurnalWindFactor(hour: number): number {
  return 1 + 0.12 * Math.cos((2 * Math.PI * (hour - 14)) / 24);
}

export class SiteWeather {
  private started = false;
  private tempAnomaly = 0;
  private tempJitter = 0;
  private cloudSlow = 0;
  private cloudFast = 0;
  private windSlow = 0;
  private windGust = 0;
  private sunriseDate = '';
  private sunriseHour = 6;

  constructor(
    private readonly latitudeDeg: number,
    private readonly longitudeDeg: number,
    private readonly clock: SiteClock,
    private readonly rng: Rng,
  ) {}

  /** Advances the weather by dtMs (0 on the first call) and returns it at timeMs. */
  advance(timeMs: number, dtMs: number, local: LocalTime): SiteWeatherState {
    const rng = this.rng;
    if (!this.started) {
      // Start from the stationary distribution, so the first hours look like any others.
      this.started = true;
      this.tempAnomaly = rng.normal();
      this.tempJitter = rng.normal();
      this.cloudSlow = rng.normal();
      this.cloudFast = rng.normal();
      this.windSlow = rng.normal();
      this.windGust = rng.normal();
    } else if (dtMs > 0) {
      this.tempAnomaly = ar1Advance(this.tempAnomaly, dtMs, TEMP_ANOMALY_TAU_MS, rng);
      this.tempJitter = ar1Advance(this.tempJitter, dtMs, TEMP_JITTER_TAU_MS, rng);
      this.cloudSlow = ar1Advance(this.cloudSlow, dtMs, CLOUD_SLOW_TAU_MS, rng);
      this.cloudFast = ar1Advance(this.cloudFast, dtMs, CLOUD_FAST_TAU_MS, rng);
      this.windSlow = ar1Advance(this.windSlow, dtMs, WIND_SLOW_TAU_MS, rng);
      this.windGust = ar1Advance(this.windGust, dtMs, WIND_GUST_TAU_MS, rng);
    }

    const sun = sunGeometry(timeMs, this.latitudeDeg, this.longitudeDeg);
    // Gaussian latent field clipped to [0, 1]: gives clear spells and overcast spells, mean ~0.55.
    const cloudCover = clamp(0.55 + 0.33 * (this.cloudSlow + 0.35 * this.cloudFast), 0, 1);
    const { ghiWm2, dniWm2, dhiWm2 } = irradiance(sun.cosZenith, cloudCover);

    // Clouds damp the daily temperature swing (less daytime heating and night-time radiative cooling).
    const diurnalHalfRangeC = 4 * (1 - 0.5 * cloudCover);
    const temperatureC = clamp(
      seasonalTemperatureC(this.latitudeDeg, local.dayOfYear) +
        diurnalHalfRangeC * diurnalTemperatureShape(local.hour, this.sunriseLocalHour(timeMs, local)) +
        TEMP_ANOMALY_SD_C * this.tempAnomaly +
        TEMP_JITTER_SD_C * this.tempJitter,
      -89,
      69,
    );

    const logWind = WIND_LOG_MU + WIND_LOG_SD * this.windSlow + WIND_GUST_LOG_SD * this.windGust;
    const windSpeed10mMs = clamp(Math.exp(logWind) * diurnalWindFactor(local.hour), 0, 60);

    return { sun, temperatureC, cloudCover, windSpeed10mMs, ghiWm2, dniWm2, dhiWm2 };
  }

  /** Local sunrise hour of the current local day, computed once per day (polar day/night: 6:00). */
  private sunriseLocalHour(timeMs: number, local: LocalTime): number {
    if (local.isoDate !== this.sunriseDate) {
      this.sunriseDate = local.isoDate;
      // getTimes picks the solar day whose noon is nearest the instant: ask at local noon.
      const localNoonMs = timeMs + (12 - local.hour) * HOUR_MS;
      const sunrise = getTimes(new Date(localNoonMs), this.latitudeDeg, this.longitudeDeg).sunrise;
      // The clock at the sunrise instant itself, so a DST change during the night is accounted for.
      const hour = sunrise === null ? 6 : this.clock.at(sunrise.getTime()).hour;
      this.sunriseHour = clamp(hour, 3, 10);
    }
    return this.sunriseHour;
  }
}

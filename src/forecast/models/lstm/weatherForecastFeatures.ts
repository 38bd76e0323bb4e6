import type { ForecastTarget, WeatherForecastVariable } from '../../../contract/index.js';
import { cellTemperatureC, clearSkyGhiWm2, planeOfArrayWm2, sunGeometry, temperatureDerate, type PvArray } from '../../features/solar.js';
import { hubSpeed, powerFraction, type Turbine } from '../../features/wind.js';
import { forecastValue, tableVariables, vintageIndexAt, type WeatherForecastTable } from '../../features/weatherForecast.js';

/**
 * What the decoder sees of a weather forecast at each target step, next to the calendar: physically
 * meaningful inputs per target, each scaled by a fixed physical constant (not fitted: nothing to leak and
 * nothing to refit), plus one flag for a step the forecast doesn't cover.
 */
export const FORECAST_FEATURES = [
  // load: buildings answer to temperature, to how far it is from comfort, and with a lag.
  'temperature',
  'heating_degrees',
  'cooling_degrees',
  'temperature_24h',
  // pv: irradiance, and irradiance relative to a clear sky (the cloudiness the clear-sky shape doesn't know);
  // on the array's plane when its tilt and azimuth are known; derated for the cell's temperature.
  'ghi',
  'clear_sky_index',
  'cloud_cover',
  'poa',
  'derated_irradiance',
  // wind: speed at hub height, the power curve (the site's, else the cube law up to rated), direction.
  'hub_speed',
  'hub_power_fraction',
  'direction_sin',
  'direction_cos',
] as const;
export type ForecastFeature = (typeof FORECAST_FEATURES)[number];

/** Comfort band (°C): below it heating, above it cooling (the usual degree-day base temperatures). */
const HEATING_BASE_C = 15.5;
const COOLING_BASE_C = 22;

/** What each feature needs of the forecast (any one of the alternatives). */
const NEEDS: Record<ForecastFeature, WeatherForecastVariable[][]> = {
  temperature: [['temperature_c']],
  heating_degrees: [['temperature_c']],
  cooling_degrees: [['temperature_c']],
  temperature_24h: [['temperature_c']],
  ghi: [['ghi_wm2']],
  clear_sky_index: [['ghi_wm2']],
  cloud_cover: [['cloud_cover_pct']],
  poa: [['ghi_wm2']],
  derated_irradiance: [['ghi_wm2', 'temperature_c']],
  hub_speed: [['wind_speed_100m_ms'], ['wind_speed_10m_ms']],
  hub_power_fraction: [['wind_speed_100m_ms'], ['wind_speed_10m_ms']],
  direction_sin: [['wind_direction_100m_deg']],
  direction_cos: [['wind_direction_100m_deg']],
};

const FOR_TARGET: Record<ForecastTarget, ForecastFeature[]> = {
  load: ['temperature', 'heating_degrees', 'cooling_degrees', 'temperature_24h'],
  pv: ['ghi', 'clear_sky_index', 'cloud_cover', 'temperature', 'poa', 'derated_irradiance'],
  wind: ['hub_speed', 'hub_power_fraction', 'direction_sin', 'direction_cos'],
};

/** What the site tells the features beyond the forecast itself. */
export interface ForecastFeatureSite {
  position: boolean;
  pvArray?: boolean;
  /** Features left out (ablation: bench:forecast measures what each adds). */
  exclude?: readonly ForecastFeature[];
}

/**
 * The features a target gets from a table: those whose variables the table has; the clear-sky index only
 * with a position, plane-of-array irradiance only with an array too.
 */
export function forecastFeaturesFor(target: ForecastTarget, table: WeatherForecastTable | undefined, site: ForecastFeatureSite): ForecastFeature[] {
  const have = new Set(tableVariables(table));
  const needsPosition = new Set<ForecastFeature>(['clear_sky_index', 'poa']);
  return FOR_TARGET[target].filter(
    (f) =>
      (!needsPosition.has(f) || site.position) &&
      (f !== 'poa' || site.pvArray === true) &&
      !(site.exclude ?? []).includes(f) &&
      NEEDS[f].some((alt) => alt.every((v) => have.has(v))),
  );
}

/** Decoder inputs per target step: one value per feature and one "not covered" flag. */
export function forecastFeatureCount(features: readonly ForecastFeature[]): number {
  return features.length === 0 ? 0 : features.length + 1;
}

export interface ForecastFeatureContext {
  table: WeatherForecastTable;
  features: readonly ForecastFeature[];
  position: { latitude: number; longitude: number } | undefined;
  pvArray?: PvArray;
  turbine?: Turbine;
}

/**
 * Writes the features of `steps` consecutive target steps starting at `firstMs` (each `stepMs` long), as
 * known at `asOfMs`, into `out` at `at`, `stride` floats apart. Returns how many steps the forecast didn't
 * cover (those get zeros and the flag).
 */
export function writeForecastFeatures(ctx: ForecastFeatureContext, asOfMs: number, firstMs: number, stepMs: number, steps: number, out: Float32Array, at: number, stride: number): number {
  const latest = vintageIndexAt(ctx.table, asOfMs);
  const value = (variable: WeatherForecastVariable, timeMs: number) => (latest < 0 ? Number.NaN : forecastValue(ctx.table, latest, variable, timeMs));
  const needsTrailing = ctx.features.includes('temperature_24h');
  const needsSun = ctx.position !== undefined && ctx.features.some((f) => f === 'clear_sky_index' || f === 'poa' || (f === 'derated_irradiance' && ctx.pvArray !== undefined));
  let missing = 0;
  for (let h = 0; h < steps; h++) {
    const timeMs = firstMs + h * stepMs;
    const t = value('temperature_c', timeMs);
    const ghi = value('ghi_wm2', timeMs);
    const hub = hubSpeed(value('wind_speed_100m_ms', timeMs), value('wind_speed_10m_ms', timeMs), ctx.turbine?.hubHeightM);
    const dir = (value('wind_direction_100m_deg', timeMs) * Math.PI) / 180;
    // Solar geometry at mid-step (the forecast is the step's mean), once per step.
    const midMs = timeMs + stepMs / 2;
    const sun = needsSun ? sunGeometry(midMs, ctx.position!.latitude, ctx.position!.longitude) : undefined;
    const poa = sun && ctx.pvArray ? planeOfArrayWm2(ghi, value('direct_wm2', timeMs), value('diffuse_wm2', timeMs), sun, midMs, ctx.pvArray) : ghi;
    const row: Record<ForecastFeature, number> = {
      temperature: (t - 15) / 10,
      heating_degrees: Math.max(0, HEATING_BASE_C - t) / 10,
      cooling_degrees: Math.max(0, t - COOLING_BASE_C) / 10,
      temperature_24h: needsTrailing ? (trailingMean(value, 'temperature_c', timeMs, stepMs) - 15) / 10 : 0,
      ghi: ghi / 1000,
      clear_sky_index: sun ? clearSkyIndex(ghi, clearSkyGhiWm2(sun.cosZenith)) : 0,
      cloud_cover: value('cloud_cover_pct', timeMs) / 100,
      poa: poa / 1000,
      derated_irradiance: (Math.max(0, poa) * temperatureDerate(cellTemperatureC(t, poa))) / 1000,
      hub_speed: hub / 15,
      hub_power_fraction: powerFraction(hub, ctx.turbine?.powerCurve),
      direction_sin: Math.sin(dir),
      direction_cos: Math.cos(dir),
    };
    const o = at + h * stride;
    let covered = true;
    ctx.features.forEach((f, k) => {
      const v = row[f];
      if (Number.isFinite(v)) out[o + k] = v;
      else {
        out[o + k] = 0;
        covered = false;
      }
    });
    out[o + ctx.features.length] = covered ? 0 : 1;
    if (!covered) missing++;
  }
  return missing;
}

export { hubSpeed, powerFraction };

/** Forecast over clear-sky irradiance, 0 at night (clear sky under 20 W/m²), capped at 1.5 (cloud enhancement). */
export function clearSkyIndex(ghiWm2: number, clearSkyWm2: number): number {
  if (!Number.isFinite(ghiWm2)) return Number.NaN;
  if (clearSkyWm2 < 20) return 0;
  return Math.min(1.5, Math.max(0, ghiWm2 / clearSkyWm2));
}

/** Mean of the last 24 h of forecast values up to `timeMs` (buildings lag the air); NaN if half are missing. */
function trailingMean(value: (v: WeatherForecastVariable, t: number) => number, variable: WeatherForecastVariable, timeMs: number, stepMs: number): number {
  const steps = Math.max(1, Math.round(86_400_000 / stepMs));
  let sum = 0;
  let n = 0;
  for (let k = 0; k < steps; k++) {
    const v = value(variable, timeMs - k * stepMs);
    if (Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  return n * 2 >= steps ? sum / n : Number.NaN;
}

import { z } from 'zod';
import { ID_ALLOWED, ID_PATTERN } from './ids.js';
import { timestampSchema } from './reading.js';
import { MAX_FORECAST_LEAD_HOURS } from './forecasts.js';
import type { WeatherForecastVariable } from './weatherForecasts.js';

/**
 * The weather forecast contract, wire side (docs/telemetry.md: Weather forecasts): one issued forecast
 * for one site, published on gridcast/v1/<site>/weather-forecast by a utility's own NWP provider. Names in
 * the payload are camelCase with units, as readings are; stored names are the contract's (weatherForecasts.ts).
 */

/** Hours 0–168 after the issue: the most one message may carry (7 days and the issue hour). */
export const MAX_WEATHER_FORECAST_HOURS = MAX_FORECAST_LEAD_HOURS + 1;
/** The source tag of a forecast sent without `source`. */
export const DEFAULT_MQTT_WEATHER_SOURCE = 'mqtt';

/** Payload name → stored variable. */
export const WEATHER_FORECAST_FIELDS = {
  temperatureC: 'temperature_c',
  ghiWm2: 'ghi_wm2',
  directWm2: 'direct_wm2',
  diffuseWm2: 'diffuse_wm2',
  cloudCoverPct: 'cloud_cover_pct',
  windSpeed10mMs: 'wind_speed_10m_ms',
  windSpeed100mMs: 'wind_speed_100m_ms',
  windDirection100mDeg: 'wind_direction_100m_deg',
} as const satisfies Record<string, WeatherForecastVariable>;

// Plausible ranges, as for readings: wider than any real forecast, narrow enough to catch a wrong unit
// (Kelvin for °C, km/h for m/s at hurricane strength, a 0–1 fraction is fine but 0–100 % is what is asked).
const irradiance = z.number().min(0).max(2000);
const windSpeed = z.number().min(0).max(120);

export const weatherForecastHourSchema = z.strictObject({
  ts: timestampSchema,
  temperatureC: z.number().min(-90).max(70).optional(),
  ghiWm2: irradiance.optional(),
  directWm2: irradiance.optional(),
  diffuseWm2: irradiance.optional(),
  cloudCoverPct: z.number().min(0).max(100).optional(),
  windSpeed10mMs: windSpeed.optional(),
  windSpeed100mMs: windSpeed.optional(),
  windDirection100mDeg: z.number().min(0).max(360).optional(),
});

export const weatherForecastMessageSchema = z.strictObject({
  /** When the forecast run was issued (available): what as-of reads compare against. */
  issuedAt: timestampSchema,
  source: z.string().regex(ID_PATTERN, `must be ${ID_ALLOWED}`).default(DEFAULT_MQTT_WEATHER_SOURCE),
  hours: z.array(weatherForecastHourSchema).min(1, 'must hold at least one hour'),
});

/** A weather forecast as published. */
export type WeatherForecastMessage = z.input<typeof weatherForecastMessageSchema>;

/**
 * Weather forecasts (NWP), as stored: measurement `weather_forecast`, tags `site`, `source` (`open-meteo`,
 * `mqtt`, …) and `lead` (whole hours from issue to the hour forecast, 0–168, as for forecasts), one float
 * field per variable below plus `issued_at_ms`; time = the hour forecast. Every vintage (issue) is kept, so
 * "what did the forecast for 18:00 say, as issued before 10:00 yesterday" has an answer.
 */
export const WEATHER_FORECAST_MEASUREMENT = 'weather_forecast';

/**
 * The variables, in stored names and units. They follow Open-Meteo's hourly variables (temperature_2m,
 * shortwave_radiation, direct_radiation, diffuse_radiation, cloud_cover, wind_speed_10m, wind_speed_100m,
 * wind_direction_100m), converted to SI units.
 */
export const WEATHER_FORECAST_VARIABLES = [
  'temperature_c',
  'ghi_wm2',
  'direct_wm2',
  'diffuse_wm2',
  'cloud_cover_pct',
  'wind_speed_10m_ms',
  'wind_speed_100m_ms',
  'wind_direction_100m_deg',
] as const;
export type WeatherForecastVariable = (typeof WEATHER_FORECAST_VARIABLES)[number];

/** Where a weather forecast came from: a source name (the `source` tag), 1–64 characters of the id rule. */
export type WeatherForecastSource = string;

/** One hour of one issued weather forecast for a site. */
export interface WeatherForecastPoint {
  site: string;
  source: WeatherForecastSource;
  /** When the forecast run was issued (available), epoch ms. */
  issuedAtMs: number;
  /** Start of the hour forecast. */
  timeMs: number;
  /** At least one variable; each a finite number in the variable's unit. */
  values: Partial<Record<WeatherForecastVariable, number>>;
}

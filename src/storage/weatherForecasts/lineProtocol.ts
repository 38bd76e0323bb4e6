import { escape } from '@influxdata/influxdb-client';
import { WEATHER_FORECAST_MEASUREMENT, WEATHER_FORECAST_VARIABLES, type WeatherForecastPoint } from '../../contract/index.js';

const MEASUREMENT = escape.measurement(WEATHER_FORECAST_MEASUREMENT);

/**
 * One weather forecast point as a line (precision=ms): tags lead, site, source (sorted), float fields
 * issued_at_ms and the variables given, in name order. A variable left out keeps whatever is stored for
 * the same series and hour (InfluxDB's per-field rule, mirrored by DuckDB's COALESCE). `lead` is
 * forecastLeadHours(p), checked by validateWeatherForecastPoints.
 */
export function toWeatherForecastLine(p: WeatherForecastPoint, lead: number): string {
  const fields = [`issued_at_ms=${p.issuedAtMs}`];
  for (const v of WEATHER_FORECAST_VARIABLES) {
    const value = p.values[v];
    if (value !== undefined) fields.push(`${v}=${value}`);
  }
  fields.sort();
  return `${MEASUREMENT},lead=${lead},site=${escape.tag(p.site)},source=${escape.tag(p.source)} ${fields.join(',')} ${p.timeMs}`;
}

import { WEATHER_FORECAST_VARIABLES, type WeatherForecastPoint } from '../../contract/index.js';
import { identifier, stringLiteral, type InfluxSeries } from '../engines/influx/query.js';
import { valuesOf } from './rules.js';
import type { WeatherForecastQuery } from './store.js';

/** Weather forecasts' InfluxQL statement and result parsing, pure. */

/**
 * Every stored point of one site (and source, when given) with an hour in [fromMs, toMs), issued at or
 * before asOfMs (a numeric comparison on the issued_at_ms field), one result series per source and
 * lead. Picking the latest issue per hour is left to latestWeatherPerHour(). Assumes the query passed
 * validateWeatherForecastQuery.
 */
export function buildWeatherForecastSelect(q: WeatherForecastQuery, from: string): string {
  const conditions = [
    `${identifier('site')} = ${stringLiteral(q.site)}`,
    ...(q.source === undefined ? [] : [`${identifier('source')} = ${stringLiteral(q.source)}`]),
    `time >= ${q.fromMs}ms`,
    `time < ${q.toMs}ms`,
    ...(q.asOfMs === undefined ? [] : [`${identifier('issued_at_ms')} <= ${q.asOfMs}`]),
  ];
  return (
    `SELECT ${['issued_at_ms', ...WEATHER_FORECAST_VARIABLES].map(identifier).join(', ')} FROM ${from} ` +
    `WHERE ${conditions.join(' AND ')} GROUP BY ${identifier('source')}, ${identifier('lead')}`
  );
}

/** The rows of buildWeatherForecastSelect as points (site from the query, source from the series tag). */
export function toWeatherForecastPoints(series: InfluxSeries[], site: string): WeatherForecastPoint[] {
  const points: WeatherForecastPoint[] = [];
  for (const s of series) {
    const col = new Map(s.columns.map((name, i) => [name, i]));
    const [t, issued] = [col.get('time'), col.get('issued_at_ms')];
    if (t === undefined || issued === undefined) continue;
    for (const row of s.values ?? []) {
      if (row[t] === null || row[issued] === null || row[issued] === undefined) continue;
      const values = valuesOf((v) => {
        const i = col.get(v);
        return i === undefined ? undefined : row[i];
      });
      if (Object.keys(values).length === 0) continue;
      points.push({ site, source: s.tags?.source ?? '', issuedAtMs: Number(row[issued]), timeMs: Number(row[t]), values });
    }
  }
  return points;
}

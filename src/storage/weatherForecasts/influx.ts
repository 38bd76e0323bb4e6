import { WEATHER_FORECAST_MEASUREMENT, type WeatherForecastPoint } from '../../contract/index.js';
import type { InfluxEngine } from '../engines/influx/engine.js';
import { firstStatementSeries } from '../engines/influx/query.js';
import { buildWeatherForecastSelect, toWeatherForecastPoints } from './influxql.js';
import { toWeatherForecastLine } from './lineProtocol.js';
import { latestWeatherPerHour, validateWeatherForecastPoints, validateWeatherForecastQuery } from './rules.js';
import type { WeatherForecastQuery, WeatherForecastStore } from './store.js';

/** Weather forecasts on InfluxDB, the same rules as DuckDB (rules.ts). */
export class InfluxWeatherForecastStore implements WeatherForecastStore {
  private readonly from: string;

  constructor(private readonly db: InfluxEngine) {
    this.from = db.from(WEATHER_FORECAST_MEASUREMENT);
  }

  /** Same path as forecasts (WriteApi, retries, 20k lines a request). Source and lead are tags: every vintage is its own series. */
  async writeWeatherForecasts(points: readonly WeatherForecastPoint[]): Promise<void> {
    if (points.length === 0) return;
    const leads = validateWeatherForecastPoints(points);
    await this.db.writeLines(points, (p, i) => toWeatherForecastLine(p, leads[i]!));
  }

  /** Raw points of every source and lead in the range (issued_at_ms ≤ asOfMs in the WHERE), then latestWeatherPerHour(). */
  async readWeatherForecasts(q: WeatherForecastQuery): Promise<WeatherForecastPoint[]> {
    validateWeatherForecastQuery(q);
    const body = await this.db.query(buildWeatherForecastSelect(q, this.from));
    return latestWeatherPerHour(toWeatherForecastPoints(firstStatementSeries(body), q.site), q.asOfMs);
  }

  /** The same raw select (issue bound in the WHERE), every vintage, sorted by time, issue time, source. */
  async readWeatherForecastHistory(q: WeatherForecastQuery): Promise<WeatherForecastPoint[]> {
    validateWeatherForecastQuery(q);
    const body = await this.db.query(buildWeatherForecastSelect(q, this.from));
    return toWeatherForecastPoints(firstStatementSeries(body), q.site).sort(
      (a, b) => a.timeMs - b.timeMs || a.issuedAtMs - b.issuedAtMs || (a.source === b.source ? 0 : a.source < b.source ? -1 : 1),
    );
  }
}

import type { WeatherForecastPoint } from '../../contract/index.js';

export interface WeatherForecastQuery {
  site: string;
  /** Only this source; undefined: any source (the latest issue wins, across sources). */
  source?: string;
  /** Inclusive start of the hours forecast, epoch ms. */
  fromMs: number;
  /** Exclusive end. */
  toMs: number;
  /**
   * The vintage rule: for each hour, the forecast from the latest issue at or before `asOfMs` (what was
   * known then). Undefined: the latest issued, whatever its time.
   */
  asOfMs?: number;
}

/** Weather forecasts (`weather_forecast`), every vintage kept, in InfluxDB and DuckDB alike. */
export interface WeatherForecastStore {
  /** Same site, source, lead and hour overwrites. StoreRejectedError on a bad point (whole batch). */
  writeWeatherForecasts(points: readonly WeatherForecastPoint[]): Promise<void>;
  /** One point per hour (sorted by time): the latest issue at or before `asOfMs`. InvalidQueryError on bad input. */
  readWeatherForecasts(query: WeatherForecastQuery): Promise<WeatherForecastPoint[]>;
  /**
   * Every stored vintage of the hours in the range (issued at or before `asOfMs` when given), sorted by time,
   * then issue time: what training and backtests on the platform's own data need, each window reading the
   * vintage it would have had.
   */
  readWeatherForecastHistory(query: WeatherForecastQuery): Promise<WeatherForecastPoint[]>;
}

import type { ForecastErrorPoint, ForecastPoint, ForecastTarget } from '../../contract/index.js';

export interface ForecastQuery {
  site: string;
  feeder: string;
  target: ForecastTarget;
  /** Inclusive start of the target times, epoch ms. */
  fromMs: number;
  /** Exclusive end. */
  toMs: number;
  /**
   * "What did we forecast as of this instant?": for each target time, the forecast with the latest
   * issue time at or before `asOfMs`. Undefined: the latest issued, whatever its time.
   */
  asOfMs?: number;
}

/** Every stored point of one site/feeder/target in a range of target times: no as-of, no reduction. */
export type ForecastHistoryQuery = Omit<ForecastQuery, 'asOfMs'>;

/** Forecasts (`forecast`) and their scores (`forecast_error`), in InfluxDB (influx.ts) and DuckDB (duckdb.ts) alike. */
export interface ForecastStore {
  writeForecasts(points: readonly ForecastPoint[]): Promise<void>;
  /** One point per target time (sorted by time), as of `asOfMs`. Throws InvalidQueryError on bad input. */
  readForecasts(query: ForecastQuery): Promise<ForecastPoint[]>;
  /**
   * Every stored point in the range, of every model and lead (what scoring needs: each issued forecast,
   * not the latest per time), sorted by time, then issue time, then model. Throws InvalidQueryError.
   */
  readForecastHistory(query: ForecastHistoryQuery): Promise<ForecastPoint[]>;
  /**
   * Writes scores to `forecast_error`. Same site, feeder, target, model, lead and time overwrites the
   * fields given (so re-scoring a window is idempotent). StoreRejectedError on a bad point, whole batch.
   */
  writeForecastErrors(points: readonly ForecastErrorPoint[]): Promise<void>;
  /** The scores in a range of step times, every model and lead, sorted like readForecastHistory. */
  readForecastErrors(query: ForecastHistoryQuery): Promise<ForecastErrorPoint[]>;
}

import { FORECAST_ERROR_MEASUREMENT, FORECAST_MEASUREMENT, type ForecastErrorPoint, type ForecastPoint } from '../../contract/index.js';
import type { InfluxEngine } from '../engines/influx/engine.js';
import { firstStatementSeries } from '../engines/influx/query.js';
import { buildForecastErrorSelect, buildForecastSelect, toForecastErrorPoints, toForecastPoints } from './influxql.js';
import { toForecastErrorLine, toForecastLine } from './lineProtocol.js';
import { compareByTimeIssueModel, latestPerTime, validateForecastErrorPoints, validateForecastPoints, validateForecastQuery } from './rules.js';
import type { ForecastHistoryQuery, ForecastQuery, ForecastStore } from './store.js';

/** Forecasts and their scores on InfluxDB, the same rules as DuckDB (rules.ts). */
export class InfluxForecastStore implements ForecastStore {
  private readonly forecastFrom: string;
  private readonly forecastErrorFrom: string;

  constructor(private readonly db: InfluxEngine) {
    this.forecastFrom = db.from(FORECAST_MEASUREMENT);
    this.forecastErrorFrom = db.from(FORECAST_ERROR_MEASUREMENT);
  }

  /**
   * Forecasts go the same way as telemetry (WriteApi, retries). Each model is its own series (model is a
   * tag), so two models issued for the same time both stay; readForecasts resolves that by taking the
   * latest issued_at_ms across models. The same model re-issued with the same lead overwrites.
   */
  async writeForecasts(points: readonly ForecastPoint[]): Promise<void> {
    if (points.length === 0) return;
    const leads = validateForecastPoints(points);
    await this.db.writeLines(points, (p, i) => toForecastLine(p, leads[i]!));
  }

  /** Raw points of every model and lead in the range (issued_at_ms ≤ asOfMs in the WHERE), then latestPerTime(). */
  async readForecasts(q: ForecastQuery): Promise<ForecastPoint[]> {
    validateForecastQuery(q);
    const body = await this.db.query(buildForecastSelect(q, this.forecastFrom));
    return latestPerTime(toForecastPoints(firstStatementSeries(body), q), q.asOfMs);
  }

  /** The same raw select as readForecasts without the issue bound, and no reduction: every model and lead. */
  async readForecastHistory(q: ForecastHistoryQuery): Promise<ForecastPoint[]> {
    validateForecastQuery(q);
    // Rebuilt without asOfMs: a ForecastQuery passed in here must not bring its issue bound along.
    const range = { site: q.site, feeder: q.feeder, target: q.target, fromMs: q.fromMs, toMs: q.toMs };
    const body = await this.db.query(buildForecastSelect(range, this.forecastFrom));
    return toForecastPoints(firstStatementSeries(body), range).sort(compareByTimeIssueModel);
  }

  /**
   * Same write path as forecasts. Model and lead are tags, so each model's score at each lead is its own
   * series and a re-score overwrites it. Like every InfluxDB write, a field left out (ape_pct for a
   * near-zero actual) keeps whatever an earlier write stored there.
   */
  async writeForecastErrors(points: readonly ForecastErrorPoint[]): Promise<void> {
    if (points.length === 0) return;
    const leads = validateForecastErrorPoints(points);
    await this.db.writeLines(points, (p, i) => toForecastErrorLine(p, leads[i]!));
  }

  async readForecastErrors(q: ForecastHistoryQuery): Promise<ForecastErrorPoint[]> {
    validateForecastQuery(q);
    const body = await this.db.query(buildForecastErrorSelect(q, this.forecastErrorFrom));
    return toForecastErrorPoints(firstStatementSeries(body), q).sort(compareByTimeIssueModel);
  }
}

import type { DuckDBValue } from '@duckdb/node-api';
import { FORECAST_ERROR_FIELDS, FORECAST_ERROR_MEASUREMENT, FORECAST_MEASUREMENT, type ForecastErrorPoint, type ForecastPoint } from '../../contract/index.js';
import { toNumber, toTimestamp, type DuckDbEngine, type DuckDbRow } from '../engines/duckdb.js';
import { validateForecastErrorPoints, validateForecastPoints, validateForecastQuery, withBandScales } from './rules.js';
import type { ForecastHistoryQuery, ForecastQuery, ForecastStore } from './store.js';

/**
 * Forecasts: the same names as InfluxDB's `forecast` measurement. Key: site, feeder, target, lead, time
 * (a re-issue with the same lead overwrites, as in InfluxDB); model is a plain column, so here a second
 * model for the same key replaces the first, where InfluxDB keeps both and readForecasts picks the
 * latest issued_at_ms either way.
 */
const FORECAST_TABLE = FORECAST_MEASUREMENT;
const FORECAST_STAGING = `${FORECAST_TABLE}_staging`;
const FORECAST_KEY = 'site, feeder, target, lead, time';
const FORECAST_VALUES = ['model', 'p10_kw', 'p50_kw', 'p90_kw', 'issued_at_ms', 'band_scale_lower', 'band_scale_upper'];
const FORECAST_COLUMNS = `${FORECAST_KEY}, ${FORECAST_VALUES.join(', ')}`;
const FORECAST_COLUMN_DEFS =
  'site VARCHAR NOT NULL, feeder VARCHAR NOT NULL, target VARCHAR NOT NULL, lead INTEGER NOT NULL, time TIMESTAMP NOT NULL, ' +
  'model VARCHAR NOT NULL, p10_kw DOUBLE NOT NULL, p50_kw DOUBLE NOT NULL, p90_kw DOUBLE NOT NULL, issued_at_ms BIGINT NOT NULL, ' +
  'band_scale_lower DOUBLE, band_scale_upper DOUBLE';
const FORECAST_UPSERT_SQL =
  `INSERT INTO ${FORECAST_TABLE} (${FORECAST_COLUMNS}) SELECT ${FORECAST_COLUMNS} FROM ${FORECAST_STAGING} ` +
  `ON CONFLICT (${FORECAST_KEY}) DO UPDATE SET ${FORECAST_VALUES.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`;

/**
 * Forecast scores: the same names as InfluxDB's `forecast_error` measurement, keyed like its series
 * (site, feeder, target, model, lead) + time, so a re-score overwrites. `ape_pct` is NULL for a near-zero
 * actual, and a NULL never replaces a stored value: the same per-field rule as InfluxDB, where a field left
 * out of a write keeps the old one.
 */
const FORECAST_ERROR_TABLE = FORECAST_ERROR_MEASUREMENT;
const FORECAST_ERROR_STAGING = `${FORECAST_ERROR_TABLE}_staging`;
const FORECAST_ERROR_KEY = 'site, feeder, target, model, lead, time';
const FORECAST_ERROR_VALUES = FORECAST_ERROR_FIELDS;
const FORECAST_ERROR_COLUMNS = `${FORECAST_ERROR_KEY}, ${FORECAST_ERROR_VALUES.join(', ')}`;
const FORECAST_ERROR_COLUMN_DEFS =
  'site VARCHAR NOT NULL, feeder VARCHAR NOT NULL, target VARCHAR NOT NULL, model VARCHAR NOT NULL, lead INTEGER NOT NULL, time TIMESTAMP NOT NULL, ' +
  'actual_kw DOUBLE NOT NULL, p50_kw DOUBLE NOT NULL, error_kw DOUBLE NOT NULL, abs_error_kw DOUBLE NOT NULL, ape_pct DOUBLE, ' +
  'in_band DOUBLE NOT NULL, pinball_kw DOUBLE NOT NULL, issued_at_ms BIGINT NOT NULL';
const FORECAST_ERROR_UPSERT_SQL =
  `INSERT INTO ${FORECAST_ERROR_TABLE} (${FORECAST_ERROR_COLUMNS}) SELECT ${FORECAST_ERROR_COLUMNS} FROM ${FORECAST_ERROR_STAGING} ` +
  `ON CONFLICT (${FORECAST_ERROR_KEY}) DO UPDATE SET ` +
  FORECAST_ERROR_VALUES.map((c) => (c === 'ape_pct' ? `${c} = COALESCE(EXCLUDED.${c}, ${FORECAST_ERROR_TABLE}.${c})` : `${c} = EXCLUDED.${c}`)).join(', ');

/** Forecasts and their scores on DuckDB, the same rules as InfluxDB (rules.ts). */
export class DuckDbForecastStore implements ForecastStore {
  constructor(private readonly db: DuckDbEngine) {
    db.declare([
      `CREATE TABLE IF NOT EXISTS ${FORECAST_TABLE} (${FORECAST_COLUMN_DEFS}, PRIMARY KEY (${FORECAST_KEY}))`,
      // Databases from before band scales: the columns are added, NULL (not re-scaled) for the old rows.
      `ALTER TABLE ${FORECAST_TABLE} ADD COLUMN IF NOT EXISTS band_scale_lower DOUBLE`,
      `ALTER TABLE ${FORECAST_TABLE} ADD COLUMN IF NOT EXISTS band_scale_upper DOUBLE`,
      `CREATE TEMP TABLE IF NOT EXISTS ${FORECAST_STAGING} (${FORECAST_COLUMN_DEFS})`,
      `CREATE TABLE IF NOT EXISTS ${FORECAST_ERROR_TABLE} (${FORECAST_ERROR_COLUMN_DEFS}, PRIMARY KEY (${FORECAST_ERROR_KEY}))`,
      `CREATE TEMP TABLE IF NOT EXISTS ${FORECAST_ERROR_STAGING} (${FORECAST_ERROR_COLUMN_DEFS})`,
    ]);
  }

  async writeForecasts(points: readonly ForecastPoint[]): Promise<void> {
    if (points.length === 0) return;
    const leads = validateForecastPoints(points);
    // ON CONFLICT DO UPDATE may not touch one row twice in a statement: the last point per key wins, as in InfluxDB.
    const rows = new Map<string, { p: ForecastPoint; lead: number }>();
    points.forEach((p, i) => rows.set(JSON.stringify([p.site, p.feeder, p.target, leads[i], p.timeMs]), { p, lead: leads[i]! }));
    await this.db.upsertViaStaging(FORECAST_STAGING, FORECAST_UPSERT_SQL, [...rows.values()], `${rows.size} forecast points`, (appender, { p, lead }) => {
      appender.appendVarchar(p.site);
      appender.appendVarchar(p.feeder);
      appender.appendVarchar(p.target);
      appender.appendInteger(lead);
      appender.appendTimestamp(toTimestamp(p.timeMs));
      appender.appendVarchar(p.model);
      appender.appendDouble(p.p10Kw);
      appender.appendDouble(p.p50Kw);
      appender.appendDouble(p.p90Kw);
      appender.appendBigInt(BigInt(p.issuedAtMs));
      // Always written, as in InfluxDB: a re-issue never keeps an older issue's scale.
      appender.appendDouble(p.bandScaleLower ?? 1);
      appender.appendDouble(p.bandScaleUpper ?? 1);
    });
  }

  /** Latest issue at or before asOfMs per target time, in SQL; ties go to the model that sorts first, as latestPerTime(). */
  async readForecasts(q: ForecastQuery): Promise<ForecastPoint[]> {
    validateForecastQuery(q);
    const params: DuckDBValue[] = [q.site, q.feeder, q.target, toTimestamp(q.fromMs), toTimestamp(q.toMs)];
    const filters = ['site = $1', 'feeder = $2', 'target = $3', 'time >= $4', 'time < $5'];
    if (q.asOfMs !== undefined) {
      params.push(BigInt(q.asOfMs));
      filters.push(`issued_at_ms <= $${params.length}`);
    }
    const sql =
      `SELECT model, issued_at_ms, epoch_ms(time) AS time_ms, p10_kw, p50_kw, p90_kw, band_scale_lower, band_scale_upper FROM ${FORECAST_TABLE} ` +
      `WHERE ${filters.join(' AND ')} QUALIFY row_number() OVER (PARTITION BY time ORDER BY issued_at_ms DESC, model ASC) = 1 ` +
      `ORDER BY time`;
    const rows = await this.db.read(sql, params, 'readForecasts');
    return rows.map((r) => toForecastPoint(r, q));
  }

  /** Every model and lead in the range: no reduction (the key already allows one model per lead and time). */
  async readForecastHistory(q: ForecastHistoryQuery): Promise<ForecastPoint[]> {
    validateForecastQuery(q);
    const sql =
      `SELECT model, issued_at_ms, epoch_ms(time) AS time_ms, p10_kw, p50_kw, p90_kw, band_scale_lower, band_scale_upper FROM ${FORECAST_TABLE} ` +
      `WHERE site = $1 AND feeder = $2 AND target = $3 AND time >= $4 AND time < $5 ORDER BY time, issued_at_ms, model`;
    const rows = await this.db.read(sql, [q.site, q.feeder, q.target, toTimestamp(q.fromMs), toTimestamp(q.toMs)], 'readForecastHistory');
    return rows.map((r) => toForecastPoint(r, q));
  }

  /** Appended to a staging table (values never enter the SQL text) and upserted in one transaction, as forecasts are. */
  async writeForecastErrors(points: readonly ForecastErrorPoint[]): Promise<void> {
    if (points.length === 0) return;
    const leads = validateForecastErrorPoints(points);
    // ON CONFLICT DO UPDATE may not touch one row twice in a statement: the last point per key wins, as in InfluxDB.
    const rows = new Map<string, { p: ForecastErrorPoint; lead: number }>();
    points.forEach((p, i) => rows.set(JSON.stringify([p.site, p.feeder, p.target, p.model, leads[i], p.timeMs]), { p, lead: leads[i]! }));
    await this.db.upsertViaStaging(FORECAST_ERROR_STAGING, FORECAST_ERROR_UPSERT_SQL, [...rows.values()], `${rows.size} forecast error points`, (appender, { p, lead }) => {
      appender.appendVarchar(p.site);
      appender.appendVarchar(p.feeder);
      appender.appendVarchar(p.target);
      appender.appendVarchar(p.model);
      appender.appendInteger(lead);
      appender.appendTimestamp(toTimestamp(p.timeMs));
      appender.appendDouble(p.actualKw);
      appender.appendDouble(p.p50Kw);
      appender.appendDouble(p.errorKw);
      appender.appendDouble(p.absErrorKw);
      if (p.apePct === undefined) appender.appendNull();
      else appender.appendDouble(p.apePct);
      appender.appendDouble(p.inBand);
      appender.appendDouble(p.pinballKw);
      appender.appendBigInt(BigInt(p.issuedAtMs));
    });
  }

  async readForecastErrors(q: ForecastHistoryQuery): Promise<ForecastErrorPoint[]> {
    validateForecastQuery(q);
    const sql =
      `SELECT model, issued_at_ms, epoch_ms(time) AS time_ms, ${FORECAST_ERROR_VALUES.filter((c) => c !== 'issued_at_ms').join(', ')} FROM ${FORECAST_ERROR_TABLE} ` +
      `WHERE site = $1 AND feeder = $2 AND target = $3 AND time >= $4 AND time < $5 ORDER BY time, issued_at_ms, model`;
    const rows = await this.db.read(sql, [q.site, q.feeder, q.target, toTimestamp(q.fromMs), toTimestamp(q.toMs)], 'readForecastErrors');
    return rows.map((r) => ({
      site: q.site,
      feeder: q.feeder,
      target: q.target,
      model: String(r.model),
      issuedAtMs: toNumber(r.issued_at_ms),
      timeMs: toNumber(r.time_ms),
      actualKw: toNumber(r.actual_kw),
      p50Kw: toNumber(r.p50_kw),
      errorKw: toNumber(r.error_kw),
      absErrorKw: toNumber(r.abs_error_kw),
      ...(r.ape_pct === null ? {} : { apePct: toNumber(r.ape_pct) }),
      inBand: toNumber(r.in_band) === 1 ? 1 : 0,
      pinballKw: toNumber(r.pinball_kw),
    }));
  }

}

/** A row of a forecast SELECT (model, issued_at_ms, time_ms, p10/p50/p90_kw) of the queried series. */
function toForecastPoint(r: DuckDbRow, q: Pick<ForecastQuery, 'site' | 'feeder' | 'target'>): ForecastPoint {
  return {
    site: q.site,
    feeder: q.feeder,
    target: q.target,
    model: String(r.model),
    issuedAtMs: toNumber(r.issued_at_ms),
    timeMs: toNumber(r.time_ms),
    p10Kw: toNumber(r.p10_kw),
    p50Kw: toNumber(r.p50_kw),
    p90Kw: toNumber(r.p90_kw),
    ...withBandScales(r.band_scale_lower === null ? undefined : toNumber(r.band_scale_lower), r.band_scale_upper === null ? undefined : toNumber(r.band_scale_upper)),
  };
}


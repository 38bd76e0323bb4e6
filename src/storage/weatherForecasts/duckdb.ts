import type { DuckDBValue } from '@duckdb/node-api';
import { WEATHER_FORECAST_MEASUREMENT, WEATHER_FORECAST_VARIABLES, type WeatherForecastPoint } from '../../contract/index.js';
import { toNumber, toTimestamp, type DuckDbEngine } from '../engines/duckdb.js';
import { validateWeatherForecastPoints, validateWeatherForecastQuery, valuesOf } from './rules.js';
import type { WeatherForecastQuery, WeatherForecastStore } from './store.js';

/**
 * The same names as InfluxDB's `weather_forecast` measurement. Key: site, source, lead, time (InfluxDB's
 * series + time), so every vintage stays and a re-issue with the same lead overwrites. Each variable is a
 * nullable column, and a NULL never replaces a stored value: a variable left out of a write keeps the
 * stored one, as a field left out does in InfluxDB.
 */
const TABLE = WEATHER_FORECAST_MEASUREMENT;
const STAGING = `${TABLE}_staging`;
const KEY = 'site, source, lead, time';
const COLUMNS = `${KEY}, issued_at_ms, ${WEATHER_FORECAST_VARIABLES.join(', ')}`;
const COLUMN_DEFS =
  'site VARCHAR NOT NULL, source VARCHAR NOT NULL, lead INTEGER NOT NULL, time TIMESTAMP NOT NULL, issued_at_ms BIGINT NOT NULL, ' +
  WEATHER_FORECAST_VARIABLES.map((v) => `${v} DOUBLE`).join(', ');
const UPSERT_SQL =
  `INSERT INTO ${TABLE} (${COLUMNS}) SELECT ${COLUMNS} FROM ${STAGING} ` +
  `ON CONFLICT (${KEY}) DO UPDATE SET issued_at_ms = EXCLUDED.issued_at_ms, ` +
  WEATHER_FORECAST_VARIABLES.map((v) => `${v} = COALESCE(EXCLUDED.${v}, ${TABLE}.${v})`).join(', ');

/** Weather forecasts on DuckDB, the same rules as InfluxDB (rules.ts). */
export class DuckDbWeatherForecastStore implements WeatherForecastStore {
  constructor(private readonly db: DuckDbEngine) {
    db.declare([
      `CREATE TABLE IF NOT EXISTS ${TABLE} (${COLUMN_DEFS}, PRIMARY KEY (${KEY}))`,
      `CREATE TEMP TABLE IF NOT EXISTS ${STAGING} (${COLUMN_DEFS})`,
    ]);
  }

  async writeWeatherForecasts(points: readonly WeatherForecastPoint[]): Promise<void> {
    if (points.length === 0) return;
    const leads = validateWeatherForecastPoints(points);
    // ON CONFLICT DO UPDATE may not touch one row twice in a statement: points with the same key are merged
    // field by field, later ones winning, which is what InfluxDB makes of them.
    const rows = new Map<string, { p: WeatherForecastPoint; lead: number }>();
    points.forEach((p, i) => {
      const key = JSON.stringify([p.site, p.source, leads[i], p.timeMs]);
      const earlier = rows.get(key)?.p;
      rows.set(key, { p: earlier ? { ...p, values: { ...earlier.values, ...p.values } } : p, lead: leads[i]! });
    });
    await this.db.upsertViaStaging(STAGING, UPSERT_SQL, [...rows.values()], `${rows.size} weather forecast points`, (appender, { p, lead }) => {
      appender.appendVarchar(p.site);
      appender.appendVarchar(p.source);
      appender.appendInteger(lead);
      appender.appendTimestamp(toTimestamp(p.timeMs));
      appender.appendBigInt(BigInt(p.issuedAtMs));
      for (const v of WEATHER_FORECAST_VARIABLES) {
        const value = p.values[v];
        if (value === undefined) appender.appendNull();
        else appender.appendDouble(value);
      }
    });
  }

  /** Latest issue at or before asOfMs per hour, in SQL; ties go to the source that sorts first, as latestWeatherPerHour(). */
  async readWeatherForecasts(q: WeatherForecastQuery): Promise<WeatherForecastPoint[]> {
    return this.select(q, 'QUALIFY row_number() OVER (PARTITION BY time ORDER BY issued_at_ms DESC, source ASC) = 1 ORDER BY time', 'readWeatherForecasts');
  }

  /** Every vintage: no reduction, sorted by time, then issue time, then source. */
  async readWeatherForecastHistory(q: WeatherForecastQuery): Promise<WeatherForecastPoint[]> {
    return this.select(q, 'ORDER BY time, issued_at_ms, source', 'readWeatherForecastHistory');
  }

  /** The rows of one site's hours in the range (source and issue bound as asked), then `tail` (reduction, order). */
  private async select(q: WeatherForecastQuery, tail: string, what: string): Promise<WeatherForecastPoint[]> {
    validateWeatherForecastQuery(q);
    const params: DuckDBValue[] = [q.site, toTimestamp(q.fromMs), toTimestamp(q.toMs)];
    const filters = ['site = $1', 'time >= $2', 'time < $3'];
    if (q.source !== undefined) {
      params.push(q.source);
      filters.push(`source = $${params.length}`);
    }
    if (q.asOfMs !== undefined) {
      params.push(BigInt(q.asOfMs));
      filters.push(`issued_at_ms <= $${params.length}`);
    }
    const sql =
      `SELECT source, issued_at_ms, epoch_ms(time) AS time_ms, ${WEATHER_FORECAST_VARIABLES.join(', ')} FROM ${TABLE} ` +
      `WHERE ${filters.join(' AND ')} ${tail}`;
    const rows = await this.db.read(sql, params, what);
    return rows.map((r) => ({ site: q.site, source: String(r.source), issuedAtMs: toNumber(r.issued_at_ms), timeMs: toNumber(r.time_ms), values: valuesOf((v) => r[v]) }));
  }
}

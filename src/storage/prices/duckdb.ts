import type { DuckDBValue } from '@duckdb/node-api';
import { PRICE_MEASUREMENT, type PricePoint } from '../../contract/index.js';
import { toNumber, toTimestamp, type DuckDbEngine } from '../engines/duckdb.js';
import { comparePricePoints, pricePointKey, validatePricePoints, validatePriceQuery } from './rules.js';
import type { PriceQuery, PricesStore } from './store.js';

/**
 * The same names as InfluxDB's `electricity_price` measurement. Key: site, source, currency, time (InfluxDB's
 * series + time); a write of the same key replaces the whole row, export price included (NULL when left out,
 * which InfluxDB says with has_export = 0).
 */
const TABLE = PRICE_MEASUREMENT;
const STAGING = `${TABLE}_staging`;
const KEY = 'site, source, currency, time';
const VALUES = ['duration_ms', 'received_at_ms', 'import_price_per_mwh', 'export_price_per_mwh'];
const COLUMNS = `${KEY}, ${VALUES.join(', ')}`;
const COLUMN_DEFS =
  'site VARCHAR NOT NULL, source VARCHAR NOT NULL, currency VARCHAR NOT NULL, time TIMESTAMP NOT NULL, ' +
  'duration_ms BIGINT NOT NULL, received_at_ms BIGINT NOT NULL, import_price_per_mwh DOUBLE NOT NULL, export_price_per_mwh DOUBLE';
const UPSERT_SQL = `INSERT INTO ${TABLE} (${COLUMNS}) SELECT ${COLUMNS} FROM ${STAGING} ON CONFLICT (${KEY}) DO UPDATE SET ${VALUES.map((v) => `${v} = EXCLUDED.${v}`).join(', ')}`;

/** Prices on DuckDB, the same rules as InfluxDB (rules.ts). */
export class DuckDbPricesStore implements PricesStore {
  constructor(private readonly db: DuckDbEngine) {
    db.declare([`CREATE TABLE IF NOT EXISTS ${TABLE} (${COLUMN_DEFS}, PRIMARY KEY (${KEY}))`, `CREATE TEMP TABLE IF NOT EXISTS ${STAGING} (${COLUMN_DEFS})`]);
  }

  async writePrices(points: readonly PricePoint[]): Promise<void> {
    if (points.length === 0) return;
    validatePricePoints(points);
    // ON CONFLICT DO UPDATE may not touch one row twice in a statement: the last point of a key wins.
    const rows = new Map<string, PricePoint>();
    for (const p of points) rows.set(pricePointKey(p), p);
    await this.db.upsertViaStaging(STAGING, UPSERT_SQL, [...rows.values()], `${rows.size} price points`, (appender, p) => {
      appender.appendVarchar(p.site);
      appender.appendVarchar(p.source);
      appender.appendVarchar(p.currency);
      appender.appendTimestamp(toTimestamp(p.timeMs));
      appender.appendBigInt(BigInt(p.durationMs));
      appender.appendBigInt(BigInt(p.receivedAtMs));
      appender.appendDouble(p.importPricePerMwh);
      if (p.exportPricePerMwh === undefined) appender.appendNull();
      else appender.appendDouble(p.exportPricePerMwh);
    });
  }

  async readPrices(q: PriceQuery): Promise<PricePoint[]> {
    validatePriceQuery(q);
    const params: DuckDBValue[] = [q.site, toTimestamp(q.fromMs), toTimestamp(q.toMs)];
    const filters = ['site = $1', 'time >= $2', 'time < $3'];
    if (q.currency !== undefined) {
      params.push(q.currency);
      filters.push(`currency = $${params.length}`);
    }
    const sql = `SELECT source, currency, epoch_ms(time) AS time_ms, ${VALUES.join(', ')} FROM ${TABLE} WHERE ${filters.join(' AND ')}`;
    const rows = await this.db.read(sql, params, 'readPrices');
    return rows
      .map((r) => ({
        site: q.site,
        source: String(r.source),
        currency: String(r.currency),
        timeMs: toNumber(r.time_ms),
        durationMs: toNumber(r.duration_ms),
        receivedAtMs: toNumber(r.received_at_ms),
        importPricePerMwh: toNumber(r.import_price_per_mwh),
        ...(r.export_price_per_mwh === null || r.export_price_per_mwh === undefined ? {} : { exportPricePerMwh: toNumber(r.export_price_per_mwh) }),
      }))
      .sort(comparePricePoints);
  }
}

import { INGEST_STATS_MEASUREMENT, type IngestStatsPoint } from '../../contract/index.js';
import { toNumber, toTimestamp, type DuckDbEngine } from '../engines/duckdb.js';
import { validateIngestStats } from './rules.js';
import type { IngestStatsQuery, IngestStatsStore } from './store.js';

/** Ingest statistics: one row per ingester and sample time, the fields as JSON (their names depend on the reject reasons). */
const INGEST_STATS_TABLE = INGEST_STATS_MEASUREMENT;

export class DuckDbIngestStatsStore implements IngestStatsStore {
  constructor(private readonly db: DuckDbEngine) {
    db.declare([`CREATE TABLE IF NOT EXISTS ${INGEST_STATS_TABLE} (ingester VARCHAR NOT NULL, time TIMESTAMP NOT NULL, fields_json VARCHAR NOT NULL, PRIMARY KEY (ingester, time))`]);
  }

  /** A few rows every INGEST_STATS_INTERVAL_SECONDS: one plain upsert each. */
  async writeIngestStats(points: readonly IngestStatsPoint[]): Promise<void> {
    if (points.length === 0) return;
    validateIngestStats(points);
    for (const p of points) {
      await this.db.read(
        `INSERT INTO ${INGEST_STATS_TABLE} (ingester, time, fields_json) VALUES ($1, $2, $3) ON CONFLICT (ingester, time) DO UPDATE SET fields_json = EXCLUDED.fields_json`,
        [p.ingester, toTimestamp(p.timeMs), JSON.stringify(p.fields)],
        'writeIngestStats',
      );
    }
  }

  async readIngestStats(q: IngestStatsQuery): Promise<IngestStatsPoint[]> {
    const params = [toTimestamp(q.fromMs), toTimestamp(q.toMs), ...(q.ingester !== undefined ? [q.ingester] : [])];
    const rows = await this.db.read(
      `SELECT ingester, epoch_ms(time) AS time_ms, fields_json FROM ${INGEST_STATS_TABLE} WHERE time >= $1 AND time < $2${q.ingester !== undefined ? ' AND ingester = $3' : ''} ORDER BY ingester, time`,
      params,
      'readIngestStats',
    );
    return rows.map((r) => ({ ingester: String(r.ingester), timeMs: toNumber(r.time_ms), fields: JSON.parse(String(r.fields_json)) as Record<string, number> }));
  }
}

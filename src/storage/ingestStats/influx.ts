import type { IngestStatsPoint } from '../../contract/index.js';
import { InvalidQueryError } from '../../common/errors.js';
import type { InfluxEngine } from '../engines/influx/engine.js';
import { toIngestStatsLine } from './lineProtocol.js';
import { validateIngestStats } from './rules.js';
import type { IngestStatsQuery, IngestStatsStore } from './store.js';
import { INGEST_STATS_MEASUREMENT } from '../../contract/index.js';
import { firstStatementSeries, stringLiteral } from '../engines/influx/query.js';

export class InfluxIngestStatsStore implements IngestStatsStore {
  private readonly from: string;

  constructor(private readonly db: InfluxEngine) {
    this.from = db.from(INGEST_STATS_MEASUREMENT);
  }

  /** Same write path (and retries) as telemetry; no spool: a sample lost while the store is down is replaced by the next. */
  async writeIngestStats(points: readonly IngestStatsPoint[]): Promise<void> {
    if (points.length === 0) return;
    validateIngestStats(points);
    await this.db.writeLines(points, toIngestStatsLine);
  }

  /** One statement: every field of the range, one series per ingester (epoch=ms). */
  async readIngestStats(q: IngestStatsQuery): Promise<IngestStatsPoint[]> {
    if (!Number.isSafeInteger(q.fromMs) || !Number.isSafeInteger(q.toMs)) throw new InvalidQueryError('fromMs and toMs must be integer epoch ms');
    const ingester = q.ingester !== undefined ? ` AND "ingester" = ${stringLiteral(q.ingester)}` : '';
    const body = await this.db.query(`SELECT * FROM ${this.from} WHERE time >= ${q.fromMs}ms AND time < ${q.toMs}ms${ingester} GROUP BY "ingester"`);
    const out: IngestStatsPoint[] = [];
    for (const s of firstStatementSeries(body)) {
      const timeAt = s.columns.indexOf('time');
      for (const row of s.values ?? []) {
        const fields: Record<string, number> = {};
        s.columns.forEach((c, i) => {
          if (i !== timeAt && c !== 'ingester' && typeof row[i] === 'number') fields[c] = row[i];
        });
        out.push({ ingester: s.tags?.ingester ?? '', timeMs: Number(row[timeAt]), fields });
      }
    }
    return out.sort((a, b) => (a.ingester === b.ingester ? a.timeMs - b.timeMs : a.ingester < b.ingester ? -1 : 1));
  }
}

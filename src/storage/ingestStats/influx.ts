import type { IngestStatsPoint } from '../../contract/index.js';
import type { InfluxEngine } from '../engines/influx/engine.js';
import { toIngestStatsLine } from './lineProtocol.js';
import { validateIngestStats } from './rules.js';
import type { IngestStatsStore } from './store.js';

export class InfluxIngestStatsStore implements IngestStatsStore {
  constructor(private readonly db: InfluxEngine) {}

  /** Same write path (and retries) as telemetry; no spool: a sample lost while the store is down is replaced by the next. */
  async writeIngestStats(points: readonly IngestStatsPoint[]): Promise<void> {
    if (points.length === 0) return;
    validateIngestStats(points);
    await this.db.writeLines(points, toIngestStatsLine);
  }
}

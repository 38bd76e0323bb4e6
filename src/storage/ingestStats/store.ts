import type { IngestStatsPoint } from '../../contract/index.js';

/** Ingesters' own figures (`ingest_stats`), in InfluxDB and DuckDB alike. */
export interface IngestStatsStore {
  /** Throws StoreRejectedError on a bad name or value, StoreUnavailableError when the store is down. */
  writeIngestStats(points: readonly IngestStatsPoint[]): Promise<void>;
}

import type { IngestStatsPoint } from '../../contract/index.js';

export interface IngestStatsQuery {
  /** Inclusive start of the sample times, epoch ms. */
  fromMs: number;
  /** Exclusive end. */
  toMs: number;
  /** Only this ingester (its MQTT client id). */
  ingester?: string;
}

/** Ingesters' own figures (`ingest_stats`), in InfluxDB and DuckDB alike. */
export interface IngestStatsStore {
  /** Throws StoreRejectedError on a bad name or value, StoreUnavailableError when the store is down. */
  writeIngestStats(points: readonly IngestStatsPoint[]): Promise<void>;
  /** The samples in a range, sorted by ingester, then time (what the API's ingest statistics are read from). */
  readIngestStats(query: IngestStatsQuery): Promise<IngestStatsPoint[]>;
}

/**
 * Ingesters' own figures, sampled every INGEST_STATS_INTERVAL_SECONDS, for the ingestion-health
 * dashboard (what Prometheus would scrape, kept next to the data for sites without Prometheus).
 * Measurement `ingest_stats`, tag `ingester` (its MQTT client id), numeric snake_case fields (counters
 * since the ingester started, spool depth, lag; src/ingest/ingestStats.ts names them), time = sampled at.
 */
export const INGEST_STATS_MEASUREMENT = 'ingest_stats';

export interface IngestStatsPoint {
  ingester: string;
  timeMs: number;
  fields: Record<string, number>;
}

import { escape } from '@influxdata/influxdb-client';
import { INGEST_STATS_MEASUREMENT, type IngestStatsPoint } from '../../contract/index.js';

/** One ingester's statistics (precision=ms): tag ingester, float fields (a float never conflicts with a later write). */
export function toIngestStatsLine(p: IngestStatsPoint): string {
  const fields = Object.entries(p.fields)
    .map(([name, v]) => `${name}=${v}`)
    .join(',');
  return `${escape.measurement(INGEST_STATS_MEASUREMENT)},ingester=${escape.tag(p.ingester)} ${fields} ${p.timeMs}`;
}

import { escape } from '@influxdata/influxdb-client';
import { TELEMETRY_FIELDS, TELEMETRY_MEASUREMENT, type TelemetryPoint } from '../../contract/index.js';

const MEASUREMENT = escape.measurement(TELEMETRY_MEASUREMENT);

// Series keys repeat (one per meter and kind), so each is escaped once and kept. Bounded so a flood of
// distinct keys can't grow it without limit.
const seriesPrefixes = new Map<string, string>();
const MAX_CACHED_SERIES = 100_000;

function seriesPrefix(p: TelemetryPoint): string {
  const key = `${p.site}\u0000${p.feeder}\u0000${p.meter}\u0000${p.kind}`;
  let prefix = seriesPrefixes.get(key);
  if (prefix === undefined) {
    // Tags in sorted key order (feeder, kind, meter, site): InfluxDB's own order, cheapest to index.
    prefix = `${MEASUREMENT},feeder=${escape.tag(p.feeder)},kind=${escape.tag(p.kind)},meter=${escape.tag(p.meter)},site=${escape.tag(p.site)} `;
    if (seriesPrefixes.size >= MAX_CACHED_SERIES) seriesPrefixes.clear();
    seriesPrefixes.set(key, prefix);
  }
  return prefix;
}

/**
 * One point as an InfluxDB line, timestamp in milliseconds (write with precision=ms).
 * Fields are always floats (no `i` suffix) so a whole-number reading can't cause a type conflict.
 */
export function toLine(p: TelemetryPoint): string {
  let fields = '';
  for (const name of TELEMETRY_FIELDS) {
    const v = p.fields[name];
    if (v === undefined) continue;
    fields += `${fields ? ',' : ''}${name}=${v}`;
  }
  return `${seriesPrefix(p)}${fields} ${p.timeMs}`;
}

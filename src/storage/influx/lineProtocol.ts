import { escape } from '@influxdata/influxdb-client';
import { TELEMETRY_FIELDS, TELEMETRY_MEASUREMENT, type TelemetryPoint } from '../types.js';

const MEASUREMENT = escape.measurement(TELEMETRY_MEASUREMENT);

/**
 * One point as an InfluxDB line, timestamp in milliseconds (write with precision=ms).
 * Tags in sorted key order (feeder, kind, meter, site): InfluxDB's own order, cheapest to index.
 * Fields are always floats (no `i` suffix) so a whole-number reading can't cause a type conflict.
 */
export function toLine(p: TelemetryPoint): string {
  let fields = '';
  for (const name of TELEMETRY_FIELDS) {
    const v = p.fields[name];
    if (v === undefined) continue;
    fields += `${fields ? ',' : ''}${name}=${v}`;
  }
  return `${MEASUREMENT},feeder=${escape.tag(p.feeder)},kind=${escape.tag(p.kind)},meter=${escape.tag(p.meter)},site=${escape.tag(p.site)} ${fields} ${p.timeMs}`;
}

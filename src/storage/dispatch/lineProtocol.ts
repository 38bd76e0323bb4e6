import { escape } from '@influxdata/influxdb-client';
import { gzipSync } from 'node:zlib';
import { DISPATCH_MEASUREMENT, DISPATCH_PLAN_MEASUREMENT, type DispatchStepPoint, type StoredDispatchPlan } from '../../contract/index.js';

/** One plan step of one asset (precision=ms): tags asset, lead, site; float fields, issued_at_ms. */
export function toDispatchStepLine(p: DispatchStepPoint, lead: number): string {
  const fields = Object.entries(p.fields)
    .map(([name, v]) => `${name}=${v}`)
    .join(',');
  return `${escape.measurement(DISPATCH_MEASUREMENT)},asset=${escape.tag(p.asset)},lead=${lead},site=${escape.tag(p.site)} ${fields},issued_at_ms=${p.issuedAtMs} ${p.timeMs}`;
}

/**
 * The whole plan at its issue time, gzipped and base64-encoded in field `plan_gz`: InfluxDB caps a string
 * field at 64 KiB, and a 48 h plan at 15-minute steps with many assets is larger as plain JSON.
 */
export function toDispatchPlanLine(plan: StoredDispatchPlan): string {
  const encoded = gzipSync(Buffer.from(plan.planJson, 'utf8')).toString('base64');
  return `${escape.measurement(DISPATCH_PLAN_MEASUREMENT)},site=${escape.tag(plan.site)} plan_gz=${escape.quoted(encoded)} ${plan.issuedAtMs}`;
}

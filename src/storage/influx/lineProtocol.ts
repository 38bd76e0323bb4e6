import { escape } from '@influxdata/influxdb-client';
import { gzipSync } from 'node:zlib';
import {
  DISPATCH_MEASUREMENT,
  DISPATCH_PLAN_MEASUREMENT,
  FORECAST_ERROR_MEASUREMENT,
  FORECAST_MEASUREMENT,
  INGEST_STATS_MEASUREMENT,
  TELEMETRY_FIELDS,
  TELEMETRY_MEASUREMENT,
  type DispatchStepPoint,
  type ForecastErrorPoint,
  type ForecastPoint,
  type IngestStatsPoint,
  type StoredDispatchPlan,
  type TelemetryPoint,
} from '../types.js';

const MEASUREMENT = escape.measurement(TELEMETRY_MEASUREMENT);
/** Measurement of the InfluxDB lock leases (InfluxTelemetryStore.tryAcquireLock). */
export const LOCK_MEASUREMENT = 'lock';

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

const FORECAST = escape.measurement(FORECAST_MEASUREMENT);

/**
 * One forecast point as a line (precision=ms): tags feeder, lead, model, site, target (sorted), float
 * fields p10_kw, p50_kw, p90_kw and issued_at_ms (epoch ms is exact in a float64, and a float can never
 * conflict with a later write). `lead` is forecastLeadHours(p), checked by validateForecastPoints.
 */
export function toForecastLine(p: ForecastPoint, lead: number): string {
  return (
    `${FORECAST},feeder=${escape.tag(p.feeder)},lead=${lead},model=${escape.tag(p.model)},site=${escape.tag(p.site)},target=${escape.tag(p.target)} ` +
    `issued_at_ms=${p.issuedAtMs},p10_kw=${p.p10Kw},p50_kw=${p.p50Kw},p90_kw=${p.p90Kw} ${p.timeMs}`
  );
}

/**
 * One score as a line (precision=ms): tags feeder, lead, model, site, target (sorted, as toForecastLine),
 * float fields in name order; `ape_pct` only when the point has one (a near-zero actual has none). All
 * floats, `in_band` and `issued_at_ms` too: a float never conflicts with a later write, and mean(in_band)
 * is the band coverage. `lead` is forecastLeadHours(p), checked by validateForecastErrorPoints.
 */
export function toForecastErrorLine(p: ForecastErrorPoint, lead: number): string {
  const ape = p.apePct === undefined ? '' : `,ape_pct=${p.apePct}`;
  return (
    `${escape.measurement(FORECAST_ERROR_MEASUREMENT)},feeder=${escape.tag(p.feeder)},lead=${lead},model=${escape.tag(p.model)},site=${escape.tag(p.site)},target=${escape.tag(p.target)} ` +
    `abs_error_kw=${p.absErrorKw},actual_kw=${p.actualKw}${ape},error_kw=${p.errorKw},in_band=${p.inBand},issued_at_ms=${p.issuedAtMs},p50_kw=${p.p50Kw},pinball_kw=${p.pinballKw} ${p.timeMs}`
  );
}

/**
 * The one timestamp every lock lease is written at, so each write overwrites the last (last write wins)
 * and the measurement holds one point per lock name. In the future rather than 0: a finite retention
 * policy drops (and InfluxDB refuses) points older than its duration, never later ones.
 */
export const LOCK_TIME_MS = Date.UTC(2100, 0, 1);

/** A lock lease as a line: tag name, fields holder (string) and expires_at_ms (float), at LOCK_TIME_MS. */
export function toLockLine(name: string, holder: string, expiresAtMs: number): string {
  return `${escape.measurement(LOCK_MEASUREMENT)},name=${escape.tag(name)} expires_at_ms=${expiresAtMs},holder=${escape.quoted(holder)} ${LOCK_TIME_MS}`;
}

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

/** One ingester's statistics (precision=ms): tag ingester, float fields (a float never conflicts with a later write). */
export function toIngestStatsLine(p: IngestStatsPoint): string {
  const fields = Object.entries(p.fields)
    .map(([name, v]) => `${name}=${v}`)
    .join(',');
  return `${escape.measurement(INGEST_STATS_MEASUREMENT)},ingester=${escape.tag(p.ingester)} ${fields} ${p.timeMs}`;
}

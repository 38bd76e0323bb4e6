import { escape } from '@influxdata/influxdb-client';

/** Measurement of the InfluxDB lock leases (locks/influx.ts). */
export const LOCK_MEASUREMENT = 'lock';

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

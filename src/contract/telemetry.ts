import type { ReadingKind } from './targets.js';

/**
 * Telemetry as stored, the same names in every store (docs/telemetry.md, "Stored form"): measurement
 * `telemetry`, tags site/feeder/meter/kind, float fields in snake_case units, time in epoch ms UTC.
 */
export const TELEMETRY_MEASUREMENT = 'telemetry';

export const TAG_NAMES = ['site', 'feeder', 'meter', 'kind'] as const;
export type TagName = (typeof TAG_NAMES)[number];

export const TELEMETRY_FIELDS = ['power_kw', 'energy_kwh', 'voltage_v', 'soc_pct', 'temperature_c', 'irradiance_wm2', 'wind_speed_ms'] as const;
export type TelemetryField = (typeof TELEMETRY_FIELDS)[number];

export interface SeriesKey {
  site: string;
  feeder: string;
  meter: string;
  kind: ReadingKind;
}

/** One stored reading: a series, a time and at least one field. */
export interface TelemetryPoint extends SeriesKey {
  timeMs: number;
  fields: Partial<Record<TelemetryField, number>>;
}

import { z } from 'zod';
import { READING_KINDS } from './targets.js';
import type { TelemetryField } from './telemetry.js';

/**
 * The telemetry contract, wire side (docs/telemetry.md). Simulators publish by it, the ingester
 * validates by it; topics are in topics.ts, the id rule of topic segments in ids.ts.
 */

export const MAX_PAYLOAD_BYTES = 256 * 1024;
export const MAX_READINGS_PER_MESSAGE = 1000;
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

/** Payload name → stored field name. */
export const READING_FIELDS = {
  powerKw: 'power_kw',
  energyKwh: 'energy_kwh',
  voltageV: 'voltage_v',
  socPct: 'soc_pct',
  temperatureC: 'temperature_c',
  irradianceWm2: 'irradiance_wm2',
  windSpeedMs: 'wind_speed_ms',
} as const satisfies Record<string, TelemetryField>;

// ISO-8601 date-time with an explicit offset; a local time without offset is ambiguous, so it is refused.
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** `ts` of a reading (and of a weather forecast's hours): ISO-8601 with an offset, or integer epoch ms. */
export const timestampSchema = z.union([
  z.number().int('epoch milliseconds must be an integer'),
  z.string().regex(ISO_WITH_OFFSET, 'must be ISO-8601 with an offset, e.g. 2026-11-22T10:00:00Z or 2026-11-22T11:00:00+01:00'),
]);

const nonNegative = z.number().min(0);

export const readingSchema = z
  .strictObject({
    ts: timestampSchema,
    kind: z.enum(READING_KINDS),
    powerKw: z.number().optional(),
    energyKwh: z.number().optional(),
    voltageV: nonNegative.optional(),
    socPct: z.number().min(0).max(100).optional(),
    temperatureC: z.number().min(-90).max(70).optional(),
    irradianceWm2: nonNegative.max(2000).optional(),
    windSpeedMs: nonNegative.max(120).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.kind !== 'weather' && r.powerKw === undefined) {
      ctx.addIssue({ code: 'custom', path: ['powerKw'], message: `required for kind '${r.kind}'`, params: { missing: true } });
    }
    if (r.kind === 'weather' && r.temperatureC === undefined && r.irradianceWm2 === undefined && r.windSpeedMs === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['temperatureC'],
        message: 'a weather reading needs at least one of temperatureC, irradianceWm2, windSpeedMs',
        params: { missing: true },
      });
    }
  });

/** A reading as published by a meter. */
export type Reading = z.input<typeof readingSchema>;

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
/**
 * A payload is a reading object or an array of them: 2 levels. Anything nested deeper than this is refused
 * before it is parsed, because recursing over a 5,000-deep array (10 kB) overflows the stack.
 */
export const MAX_JSON_DEPTH = 8;

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
  z
    .string()
    .regex(ISO_WITH_OFFSET, 'must be ISO-8601 with an offset, e.g. 2026-11-22T10:00:00Z or 2026-11-22T11:00:00+01:00')
    .superRefine((v, ctx) => {
      const problem = impossibleDateTime(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
]);

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Why an ISO-8601 string (already matching ISO_WITH_OFFSET) names no real instant, or undefined. Date.parse
 * rolls 2026-11-31 over to 2026-12-01 and reads 2026-02-30 as early March, so each part is checked here.
 */
export function impossibleDateTime(iso: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?[^Z+-]*(?:Z|[+-](\d{2}):?(\d{2}))$/.exec(iso);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second, offH, offM] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x))) as number[];
  if (month! < 1 || month! > 12) return `month ${month} does not exist (01–12)`;
  const leap = year! % 4 === 0 && (year! % 100 !== 0 || year! % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month! - 1]!;
  if (day! < 1 || day! > days) return `day ${day} does not exist in ${year}-${String(month).padStart(2, '0')} (it has ${days} days)`;
  if (hour! > 23 || minute! > 59 || second! > 59) return `time of day ${iso.slice(11, 19)} does not exist (hours 00–23, minutes and seconds 00–59)`;
  if (offH! > 23 || offM! > 59) return `time zone offset ${iso.slice(-6)} does not exist`;
  return undefined;
}

const nonNegative = z.number().min(0);
/** A weather reading carries at least one of these. */
const WEATHER_VALUES = ['temperatureC', 'irradianceWm2', 'windSpeedMs'] as const;

// Descriptions (units, signs) go into the published JSON Schema and AsyncAPI document; docs/telemetry.md has the same table.
export const readingSchema = z
  .strictObject({
    ts: timestampSchema.describe('ISO-8601 with an offset (2026-11-22T10:00:00Z, …+01:00) or integer epoch milliseconds'),
    kind: z.enum(READING_KINDS),
    powerKw: z.number().describe('kW; positive = consumption for load, production for pv/wind, discharge for battery. Required except for weather').optional(),
    energyKwh: z.number().describe('kWh, meter register').optional(),
    voltageV: nonNegative.describe('V').optional(),
    socPct: z.number().min(0).max(100).describe('%, battery state of charge').optional(),
    temperatureC: z.number().min(-90).max(70).describe('°C').optional(),
    irradianceWm2: nonNegative.max(2000).describe('W/m²').optional(),
    windSpeedMs: nonNegative.max(120).describe('m/s').optional(),
  })
  .superRefine((r, ctx) => {
    if (r.kind !== 'weather' && r.powerKw === undefined) {
      ctx.addIssue({ code: 'custom', path: ['powerKw'], message: `required for kind '${r.kind}'`, params: { missing: true } });
    }
    if (r.kind === 'weather' && WEATHER_VALUES.every((f) => r[f] === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['temperatureC'],
        message: `a weather reading needs at least one of ${WEATHER_VALUES.join(', ')}`,
        params: { missing: true },
      });
    }
  });

/**
 * readingSchema as JSON Schema, for those who validate before publishing (served at /api/v1/schemas/reading.json).
 * z.toJSONSchema leaves refinements out, so the two rules of the superRefine above are added here as if/then;
 * test/integration/apiDocs.test.ts checks that this schema and readingSchema agree on every kind and field mix.
 */
export function readingJsonSchema(target: 'draft-2020-12' | 'draft-7'): Record<string, unknown> {
  const kindIs = (kind: unknown) => ({ properties: { kind }, required: ['kind'] });
  return {
    ...z.toJSONSchema(readingSchema, { target, io: 'input' }),
    title: 'gridcast telemetry reading',
    description:
      'One reading as a meter publishes it on gridcast/v1/<site>/<feeder>/<meter>/telemetry (docs/telemetry.md); a payload is ' +
      `one reading or an array of up to ${MAX_READINGS_PER_MESSAGE}. The ingester also refuses what JSON Schema can't say: ` +
      `a ts that names no real date (2026-11-31), more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes ahead or older than INGEST_MAX_AGE_HOURS, ` +
      'and |powerKw| beyond INGEST_POWER_LIMITS_KW.',
    allOf: [
      { if: kindIs({ not: { const: 'weather' } }), then: { required: ['powerKw'] } },
      { if: kindIs({ const: 'weather' }), then: { anyOf: WEATHER_VALUES.map((f) => ({ required: [f] })) } },
    ],
  };
}

/** A reading as published by a meter. */
export type Reading = z.input<typeof readingSchema>;

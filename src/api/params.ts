import { FORECAST_TARGETS, FORECAST_TARGETS_TEXT, ID_ALLOWED, ID_PATTERN } from '../contract/index.js';
import { z } from './zod.js';

/**
 * Parameter schemas shared by the routes. Each carries its "allowed" text, which goes into both the
 * OpenAPI description and the problem's invalidParams[].allowed when a value is refused.
 */
const ALLOWED = new WeakMap<z.ZodType, string>();

export function allowed<T extends z.ZodType>(schema: T, text: string, description: string): T {
  const described = schema.openapi({ description: `${description} Allowed: ${text}.` });
  ALLOWED.set(described, text);
  return described;
}

/** The allowed text of field `name` of an object schema, when it has one. */
export function allowedOf(schema: z.ZodType | undefined, name: string): string | undefined {
  if (!(schema instanceof z.ZodObject)) return undefined;
  const field = (schema.shape as Record<string, z.ZodType>)[name];
  if (!field) return undefined;
  return ALLOWED.get(field) ?? (field instanceof z.ZodOptional || field instanceof z.ZodDefault ? ALLOWED.get(field.unwrap() as z.ZodType) : undefined);
}

export { ID_ALLOWED, ID_PATTERN };

/** A forecast target in a body or an answer. */
export const targetSchema = z.enum(FORECAST_TARGETS);

/** A forecast target as a parameter, with its allowed text. */
export function targetParam(description = 'What is forecast.') {
  return allowed(targetSchema, FORECAST_TARGETS_TEXT, description);
}

export function idParam(description: string) {
  return allowed(z.string().regex(ID_PATTERN, 'is not a valid id'), ID_ALLOWED, description);
}

// A space stands for '+': an unencoded `now+48h` in a query string arrives as `now 48h`.
const RELATIVE = /^now(?:([+ -])(\d{1,6})([smhd]))?$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const TIME_ALLOWED = 'ISO-8601 with offset (2026-11-22T10:00:00Z), epoch milliseconds, or now, now-24h, now+48h (s, m, h, d)';
const isoWithOffset = z.iso.datetime({ offset: true });

/** A point in time → epoch ms. Read at parse time, so `now` is the request's now. */
export function timeParam(description: string, nowMs: () => number = Date.now) {
  return allowed(
    z.string().transform((v, ctx) => {
      const rel = RELATIVE.exec(v);
      if (rel) {
        const offset = rel[1] ? (rel[1] === '-' ? -1 : 1) * Number(rel[2]) * UNIT_MS[rel[3] as keyof typeof UNIT_MS] : 0;
        return nowMs() + offset;
      }
      if (/^\d{1,15}$/.test(v)) return Number(v);
      if (isoWithOffset.safeParse(v).success) return Date.parse(v);
      ctx.addIssue({ code: 'custom', message: `'${v.slice(0, 40)}' is not a time` });
      return z.NEVER;
    }),
    TIME_ALLOWED,
    description,
  );
}

/** A bucket width such as 15m or 1h → ms. */
export const resolutionParam = allowed(
  z
    .string()
    .default('1h')
    .transform((v, ctx) => {
      const m = /^(\d{1,6})([smhd])$/.exec(v);
      const ms = m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : Number.NaN;
      if (!(ms >= 1000 && ms <= 31 * UNIT_MS.d)) {
        ctx.addIssue({ code: 'custom', message: `'${v.slice(0, 40)}' is not a resolution` });
        return z.NEVER;
      }
      return ms;
    }),
  'a whole number and a unit s, m, h or d (1s to 31d), e.g. 15m, 1h, 1d',
  'Width of the time buckets, aligned to the Unix epoch.',
);

/** A comma-separated list of enum values → array (each once). */
export function listParam<const T extends readonly [string, ...string[]]>(values: T, defaultValue: string, description: string) {
  return allowed(
    z
      .string()
      .default(defaultValue)
      .transform((v) => [...new Set(v.split(',').map((s) => s.trim()))])
      .pipe(z.array(z.enum(values)).min(1)),
    `a comma-separated list of ${values.join(', ')}`,
    description,
  );
}

/** ISO-8601 UTC with milliseconds, the one time format of every answer. */
export const isoTime = z.iso.datetime().openapi({ example: '2026-11-22T10:00:00.000Z' });
export const toIso = (ms: number): string => new Date(ms).toISOString();

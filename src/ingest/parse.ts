import type { core } from 'zod';
import {
  ID_PATTERN,
  MAX_FUTURE_SKEW_MS,
  MAX_JSON_DEPTH,
  MAX_PAYLOAD_BYTES,
  MAX_READINGS_PER_MESSAGE,
  READING_FIELDS,
  TOPIC_PREFIX,
  readingSchema,
  telemetryTopicMeter,
  type ReadingKind,
  type TelemetryField,
  type TelemetryPoint,
} from '../contract/index.js';

/** Why a payload or reading was dead-lettered. Each has its own counter. */
export const REJECT_REASONS = [
  'invalid_topic',
  'payload_too_large',
  'invalid_json',
  'invalid_payload_shape',
  'too_many_readings',
  'missing_field',
  'invalid_field',
  'unknown_field',
  'non_finite_value',
  'timestamp_in_future',
  'timestamp_too_old',
  'implausible_value',
  'store_rejected',
  'processing_failed',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface Rejection {
  reason: RejectReason;
  /** What was wrong and how to fix it, in one sentence. */
  detail: string;
  /** Position in an array payload, when one reading of several was refused. */
  index?: number;
  /** The refused bytes: the whole payload, or the one reading. */
  payload: Buffer;
}

export interface ParsedMessage {
  points: TelemetryPoint[];
  rejections: Rejection[];
}

export interface ParseOptions {
  nowMs: number;
  maxAgeMs: number;
  /** Largest |powerKw| believed per kind (INGEST_POWER_LIMITS_KW); a kind not listed has no bound. */
  powerLimitsKw?: Partial<Record<ReadingKind, number>>;
}

const TOPIC_HINT = `expected ${TOPIC_PREFIX}/<site>/<feeder>/<meter>/telemetry with each segment 1–64 characters of A–Z a–z 0–9 _ -`;

/**
 * Turns one MQTT message into stored points and rejections. Pure: no I/O, clock passed in.
 * In an array payload each reading stands alone: good ones are kept, bad ones rejected one by one.
 */
export function parseTelemetryMessage(topic: string, payload: Buffer, opts: ParseOptions): ParsedMessage {
  const whole = (reason: RejectReason, detail: string): ParsedMessage => ({
    points: [],
    rejections: [{ reason, detail, payload }],
  });

  const ids = telemetryTopicMeter(topic);
  if (!ids) return whole('invalid_topic', topicProblem(topic));
  const { site, feeder, meter } = ids;
  if (payload.length > MAX_PAYLOAD_BYTES) {
    return whole('payload_too_large', `payload is ${payload.length} bytes; the limit is ${MAX_PAYLOAD_BYTES} bytes: split it into several messages`);
  }

  const depth = nestingDepth(payload, MAX_JSON_DEPTH);
  if (depth > MAX_JSON_DEPTH) {
    return whole('invalid_payload_shape', `payload nests arrays/objects more than ${MAX_JSON_DEPTH} levels deep: send one reading object or a flat array of them`);
  }

  const json = parseJson(payload);
  if (!json.ok) return whole('invalid_json', `payload is not JSON (${json.error}): send one reading object or an array of them`);

  const items = Array.isArray(json.value) ? json.value : [json.value];
  if (items.length === 0) return whole('invalid_payload_shape', 'payload is an empty array: send at least one reading');
  if (items.length > MAX_READINGS_PER_MESSAGE) {
    return whole('too_many_readings', `payload holds ${items.length} readings; the limit is ${MAX_READINGS_PER_MESSAGE} per message`);
  }

  const isArray = Array.isArray(json.value);
  const points: TelemetryPoint[] = [];
  const rejections: Rejection[] = [];
  items.forEach((item, i) => {
    const result = parseReading(item, opts);
    if (result.ok) {
      points.push({ site, feeder, meter, kind: result.kind, timeMs: result.timeMs, fields: result.fields });
    } else {
      rejections.push({
        reason: result.reason,
        detail: isArray ? `reading [${i}]: ${result.detail}` : result.detail,
        ...(isArray ? { index: i } : {}),
        payload: isArray ? Buffer.from(JSON.stringify(item, nonFiniteReplacer)) : payload,
      });
    }
  });
  return { points, rejections };
}

/** Why telemetryTopicMeter refused `topic`, for the dead letter's detail. */
function topicProblem(topic: string): string {
  const parts = topic.split('/');
  const shaped = parts.length === 6 && `${parts[0]}/${parts[1]}` === TOPIC_PREFIX && parts[5] === 'telemetry';
  const bad = shaped ? (['site', 'feeder', 'meter'] as const).map((name, i) => [name, parts[i + 2]!] as const).find(([, v]) => !ID_PATTERN.test(v)) : undefined;
  if (!bad) return `topic '${topic}' has the wrong shape: ${TOPIC_HINT}`;
  return `topic segment ${bad[0]}='${bad[1].slice(0, 80)}' is not allowed: ${TOPIC_HINT}`;
}

const FIELD_COLUMNS = Object.entries(READING_FIELDS) as [keyof typeof READING_FIELDS, TelemetryField][];

type ReadingResult =
  | { ok: true; kind: TelemetryPoint['kind']; timeMs: number; fields: TelemetryPoint['fields'] }
  | { ok: false; reason: RejectReason; detail: string };

function parseReading(item: unknown, opts: ParseOptions): ReadingResult {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return { ok: false, reason: 'invalid_payload_shape', detail: `expected a reading object, got ${describe(item)}` };
  }
  const record = item as Record<string, unknown>;
  for (const key in record) {
    const v = record[key];
    if (v === NON_FINITE || (typeof v === 'number' && !Number.isFinite(v))) {
      return { ok: false, reason: 'non_finite_value', detail: `${key} is NaN or Infinity: send a finite number, or leave the field out when there is no value` };
    }
  }
  const parsed = readingSchema.safeParse(item);
  if (!parsed.success) return { ok: false, ...classify(parsed.error.issues, record) };
  const r = parsed.data;

  const timeMs = typeof r.ts === 'number' ? r.ts : Date.parse(r.ts);
  if (!Number.isFinite(timeMs)) {
    return { ok: false, reason: 'invalid_field', detail: `ts '${String(r.ts)}' is not a valid date-time` };
  }
  if (timeMs > opts.nowMs + MAX_FUTURE_SKEW_MS) {
    return {
      ok: false,
      reason: 'timestamp_in_future',
      detail: `ts ${new Date(timeMs).toISOString()} is more than 5 minutes ahead of the ingester clock (${new Date(opts.nowMs).toISOString()}): check the meter clock (NTP) and its time zone offset`,
    };
  }
  if (timeMs < opts.nowMs - opts.maxAgeMs) {
    const hint = typeof r.ts === 'number' && r.ts < 1e11 ? ' (it looks like seconds: ts must be epoch milliseconds)' : '';
    return {
      ok: false,
      reason: 'timestamp_too_old',
      detail: `ts ${safeIso(timeMs)} is older than the accepted ${opts.maxAgeMs / 3_600_000} hours${hint}`,
    };
  }

  const limitKw = opts.powerLimitsKw?.[r.kind];
  if (limitKw !== undefined && r.powerKw !== undefined && Math.abs(r.powerKw) > limitKw) {
    return {
      ok: false,
      reason: 'implausible_value',
      detail: `powerKw ${r.powerKw} is beyond the ±${limitKw} kW believed for kind '${r.kind}' (INGEST_POWER_LIMITS_KW): check the meter's unit (W vs kW) and scaling`,
    };
  }

  const fields: Partial<Record<TelemetryField, number>> = {};
  for (const [name, column] of FIELD_COLUMNS) {
    const value = r[name];
    if (value !== undefined) fields[column] = value;
  }
  return { ok: true, kind: r.kind, timeMs, fields };
}

function classify(issues: readonly core.$ZodIssue[], item: Record<string, unknown>): { reason: RejectReason; detail: string } {
  const issue = issues[0]!;
  const path = issue.path.join('.') || '(reading)';
  if (issue.code === 'unrecognized_keys') {
    return {
      reason: 'unknown_field',
      detail: `unknown field(s) ${issue.keys.join(', ')}: allowed are ts, kind, ${Object.keys(READING_FIELDS).join(', ')}`,
    };
  }
  const top = issue.path[0];
  const missing = (typeof top === 'string' && !(top in item)) || (issue.code === 'custom' && issue.params?.missing === true);
  if (missing) return { reason: 'missing_field', detail: `${path} is missing: ${issue.message}` };
  const given = typeof top === 'string' ? ` (got ${describe(item[top])})` : '';
  return { reason: 'invalid_field', detail: `${path}: ${issue.message}${given}` };
}

// JSON.parse refuses NaN/Infinity, yet many meter stacks (Python's json, some C libraries) emit them.
// Such payloads are read with a marker in place of the bare token, so only the readings that hold one
// are rejected (as non_finite_value) and the rest of an array is kept.
const NON_FINITE = '\u0000gridcast:non-finite';

type JsonResult = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * How deep brackets nest outside strings, counting no further than `limit + 1` (so a 10 MB bracket bomb costs
 * one linear scan). Works on bytes: '[', '{', '"' and '\\' never occur inside a multi-byte UTF-8 character.
 */
export function nestingDepth(payload: Buffer, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < payload.length; i++) {
    const c = payload[i]!;
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return deepest;
}

function parseJson(payload: Buffer): JsonResult {
  const text = payload.toString('utf8');
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    const patched = replaceBareNonFinite(text);
    if (patched !== text) {
      try {
        return { ok: true, value: JSON.parse(patched) };
      } catch {
        // fall through to the original error
      }
    }
    return { ok: false, error: (err as Error).message };
  }
}

/** Replaces NaN, Infinity and -Infinity outside strings with the marker string. */
function replaceBareNonFinite(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      continue;
    }
    const token = /^-?Infinity|^NaN/.exec(text.slice(i, i + 9));
    if (token) {
      out += JSON.stringify(NON_FINITE);
      i += token[0].length - 1;
      continue;
    }
    out += c;
  }
  return out;
}

function nonFiniteReplacer(_key: string, value: unknown): unknown {
  return value === NON_FINITE ? 'NaN' : value;
}

function describe(v: unknown): string {
  if (v === NON_FINITE) return 'NaN';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function safeIso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

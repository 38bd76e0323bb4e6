import type { core } from 'zod';
import {
  MAX_FORECAST_LEAD_HOURS,
  MAX_FUTURE_SKEW_MS,
  MAX_WEATHER_FORECAST_HOURS,
  WEATHER_FORECAST_FIELDS,
  forecastLeadHours,
  weatherForecastMessageSchema,
  type WeatherForecastPoint,
  type WeatherForecastVariable,
} from '../contract/index.js';
import type { RejectReason, Rejection } from './parse.js';
import { readSiteMessage } from './siteMessage.js';

/**
 * Parses one message of gridcast/v1/<site>/weather-forecast into stored points. Pure: no I/O, clock
 * passed in. A forecast is one issue, so it is taken or refused whole (one rejection with the first
 * problem), never stored in part.
 */
export type ParsedWeatherForecast = { ok: true; points: WeatherForecastPoint[] } | { ok: false; rejection: Rejection };

const HOUR_MS = 3_600_000;
const FIELDS = Object.entries(WEATHER_FORECAST_FIELDS) as [keyof typeof WEATHER_FORECAST_FIELDS, WeatherForecastVariable][];

export function parseWeatherForecastMessage(topic: string, payload: Buffer, opts: { nowMs: number }): ParsedWeatherForecast {
  const refuse = (reason: RejectReason, detail: string): ParsedWeatherForecast => ({ ok: false, rejection: { reason, detail, payload } });

  const read = readSiteMessage(topic, payload, {
    leaf: 'weather-forecast',
    sizeHint: `send at most ${MAX_WEATHER_FORECAST_HOURS} hours`,
    jsonHint: 'send one forecast object {"issuedAt", "hours": [...]}; leave a variable out rather than sending NaN',
    shapeHint: 'payload must be one forecast object {"issuedAt": …, "source"?: …, "hours": [{"ts": …, …}, …]}',
  });
  if (!read.ok) return read;
  const { site, json } = read;
  const hoursGiven = json.hours;
  if (Array.isArray(hoursGiven) && hoursGiven.length > MAX_WEATHER_FORECAST_HOURS) {
    return refuse('too_many_readings', `forecast holds ${hoursGiven.length} hours; the limit is ${MAX_WEATHER_FORECAST_HOURS} (leads 0–${MAX_FORECAST_LEAD_HOURS} h)`);
  }

  const parsed = weatherForecastMessageSchema.safeParse(json);
  if (!parsed.success) {
    const { reason, detail } = classify(parsed.error.issues[0]!, json);
    return refuse(reason, detail);
  }
  const message = parsed.data;
  const issuedAtMs = toMs(message.issuedAt);
  if (!Number.isFinite(issuedAtMs)) return refuse('invalid_field', `issuedAt '${String(message.issuedAt)}' is not a valid date-time`);
  if (typeof message.issuedAt === 'number' && message.issuedAt < 1e11) {
    return refuse('invalid_field', `issuedAt ${message.issuedAt} looks like epoch seconds: send epoch milliseconds or ISO-8601 with an offset`);
  }
  if (issuedAtMs > opts.nowMs + MAX_FUTURE_SKEW_MS) {
    return refuse(
      'timestamp_in_future',
      `issuedAt ${new Date(issuedAtMs).toISOString()} is more than 5 minutes ahead of the ingester clock (${new Date(opts.nowMs).toISOString()}): issuedAt is when the run became available, not the first hour forecast`,
    );
  }

  const points: WeatherForecastPoint[] = [];
  const seen = new Set<number>();
  for (const [i, hour] of message.hours.entries()) {
    const where = `hours[${i}]`;
    const timeMs = toMs(hour.ts);
    if (!Number.isFinite(timeMs)) return refuse('invalid_field', `${where}.ts '${String(hour.ts)}' is not a valid date-time`);
    if (timeMs % HOUR_MS !== 0) return refuse('invalid_field', `${where}.ts ${new Date(timeMs).toISOString()} is not the start of an hour (UTC): send hourly values, one per hour`);
    if (seen.has(timeMs)) return refuse('invalid_field', `${where}.ts ${new Date(timeMs).toISOString()} appears twice`);
    seen.add(timeMs);
    const lead = forecastLeadHours({ timeMs, issuedAtMs });
    if (lead < 0 || lead > MAX_FORECAST_LEAD_HOURS) {
      return refuse('invalid_field', `${where}.ts ${new Date(timeMs).toISOString()} is ${lead} h from issuedAt; hours must be 0–${MAX_FORECAST_LEAD_HOURS} h after the issue`);
    }
    const values: WeatherForecastPoint['values'] = {};
    for (const [name, variable] of FIELDS) {
      const value = hour[name];
      if (value !== undefined) values[variable] = value;
    }
    if (Object.keys(values).length === 0) return refuse('missing_field', `${where} has no value: give at least one of ${FIELDS.map(([n]) => n).join(', ')}`);
    points.push({ site, source: message.source, issuedAtMs, timeMs, values });
  }
  return { ok: true, points };
}

function toMs(ts: string | number): number {
  return typeof ts === 'number' ? ts : Date.parse(ts);
}

function classify(issue: core.$ZodIssue, message: Record<string, unknown>): { reason: RejectReason; detail: string } {
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(forecast)';
  if (issue.code === 'unrecognized_keys') {
    const allowed = issue.path.length === 0 ? 'issuedAt, source, hours' : `ts, ${FIELDS.map(([n]) => n).join(', ')}`;
    return { reason: 'unknown_field', detail: `${path === '(forecast)' ? '' : `${path}: `}unknown field(s) ${issue.keys.join(', ')}: allowed are ${allowed}` };
  }
  if (isMissing(issue.path, message)) return { reason: 'missing_field', detail: `${path} is missing: ${issue.message}` };
  return { reason: 'invalid_field', detail: `${path}: ${issue.message}` };
}

/** Whether the value at `path` is absent from the message (zod reports that as invalid_type too). */
function isMissing(path: readonly PropertyKey[], message: unknown): boolean {
  let node: unknown = message;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return false;
    if (!(key in node)) return true;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return false;
}

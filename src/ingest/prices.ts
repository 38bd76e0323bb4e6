import type { core } from 'zod';
import { MAX_PRICE_STEPS, PRICE_SOURCE_MQTT, priceMessageSchema, pricePointsOf, type PricePoint } from '../contract/index.js';
import type { RejectReason, Rejection } from './parse.js';
import { readSiteMessage } from './siteMessage.js';

/**
 * Parses one message of gridcast/v1/<site>/prices into stored points. Pure: no I/O, clock passed in. A price
 * series is taken or refused whole (one rejection with the first problem), never stored in part.
 */
export type ParsedPrices = { ok: true; points: PricePoint[] } | { ok: false; rejection: Rejection };

export function parsePriceMessage(topic: string, payload: Buffer, opts: { nowMs: number }): ParsedPrices {
  const refuse = (reason: RejectReason, detail: string): ParsedPrices => ({ ok: false, rejection: { reason, detail, payload } });

  const read = readSiteMessage(topic, payload, {
    leaf: 'prices',
    sizeHint: `send at most ${MAX_PRICE_STEPS} prices`,
    jsonHint: 'send one price series {"currency", "unit", "resolution", "prices": [...]}',
    shapeHint: 'payload must be one price series {"currency": "EUR", "unit": "MWh", "resolution": "PT60M", "prices": [{"start": …, "importPrice": …}, …]}',
  });
  if (!read.ok) return read;
  const { site, json } = read;
  const given = json.prices;
  if (Array.isArray(given) && given.length > MAX_PRICE_STEPS) {
    return refuse('too_many_readings', `series holds ${given.length} prices; the limit is ${MAX_PRICE_STEPS}: send longer series in parts`);
  }

  const parsed = priceMessageSchema.safeParse(json);
  if (!parsed.success) {
    const { reason, detail } = classify(parsed.error.issues[0]!, json);
    return refuse(reason, detail);
  }
  return { ok: true, points: pricePointsOf(site, PRICE_SOURCE_MQTT, parsed.data, opts.nowMs) };
}

function classify(issue: core.$ZodIssue, message: unknown): { reason: RejectReason; detail: string } {
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(series)';
  if (issue.code === 'unrecognized_keys') {
    const allowed = issue.path.length === 0 ? 'currency, unit, resolution, prices' : 'start, importPrice, exportPrice';
    return { reason: 'unknown_field', detail: `${path === '(series)' ? '' : `${path}: `}unknown field(s) ${issue.keys.join(', ')}: allowed are ${allowed}` };
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

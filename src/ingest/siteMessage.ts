import { ID_PATTERN, MAX_PAYLOAD_BYTES, TOPIC_PREFIX } from '../contract/index.js';
import type { RejectReason, Rejection } from './parse.js';

/** What a site-level message (gridcast/v1/<site>/<leaf>) should have carried, for its rejections. */
export interface SiteMessageHints {
  /** The topic's last segment: `weather-forecast`, `prices`. */
  leaf: string;
  /** How much fits under the payload limit, e.g. "send at most 384 hours". */
  sizeHint: string;
  /** What to send instead of something that isn't JSON. */
  jsonHint: string;
  /** The object it must be. */
  shapeHint: string;
}

/**
 * The checks every site-level message shares, in order: topic shape, site id, payload size, JSON, one object.
 * Pure; the message's own schema comes after.
 */
export function readSiteMessage(
  topic: string,
  payload: Buffer,
  h: SiteMessageHints,
): { ok: true; site: string; json: Record<string, unknown> } | { ok: false; rejection: Rejection } {
  const refuse = (reason: RejectReason, detail: string) => ({ ok: false as const, rejection: { reason, detail, payload } });
  const topicHint = `expected ${TOPIC_PREFIX}/<site>/${h.leaf} with the site 1–64 characters of A–Z a–z 0–9 _ -`;
  const parts = topic.split('/');
  if (parts.length !== 4 || `${parts[0]}/${parts[1]}` !== TOPIC_PREFIX || parts[3] !== h.leaf) {
    return refuse('invalid_topic', `topic '${topic}' has the wrong shape: ${topicHint}`);
  }
  const site = parts[2]!;
  if (!ID_PATTERN.test(site)) return refuse('invalid_topic', `topic segment site='${site.slice(0, 80)}' is not allowed: ${topicHint}`);
  if (payload.length > MAX_PAYLOAD_BYTES) {
    return refuse('payload_too_large', `payload is ${payload.length} bytes; the limit is ${MAX_PAYLOAD_BYTES} bytes: ${h.sizeHint}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return refuse('invalid_json', `payload is not JSON (${(err as Error).message}): ${h.jsonHint}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return refuse('invalid_payload_shape', h.shapeHint);
  return { ok: true, site, json: json as Record<string, unknown> };
}

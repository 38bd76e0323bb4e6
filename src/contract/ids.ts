import { z } from 'zod';

/**
 * Names from outside: site, feeder and meter ids (MQTT topic segments, URL path segments) and the
 * longer, looser names the stores accept (model versions, lock holders, ingester ids).
 */

/** Site, feeder and meter ids, as the telemetry contract defines them (docs/telemetry.md: Topic). */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const ID_ALLOWED = '1–64 characters of A–Z a–z 0–9 _ -';

/** A site/feeder/meter id; `why` is added to the message where it helps ("it becomes an MQTT topic segment"). */
export function idSchema(why?: string) {
  return z.string().regex(ID_PATTERN, `must be ${ID_ALLOWED}${why ? ` (${why})` : ''}`);
}

/**
 * Longest site/feeder/model/lock name a store accepts: wider than the id rule, so a store never refuses a
 * name another stage made (model versions, `host:pid` lock holders, client ids).
 */
export const MAX_STORED_NAME_LENGTH = 256;

/**
 * Why `value` can't be a stored site, feeder, model (or lock) name, or undefined when it can. Control
 * characters and backslashes are refused in every store: InfluxDB line protocol can't carry a newline in
 * a tag, and a backslash before `,`/`=`/space (or at the end of a value) changes how the line parses.
 */
export function storedNameProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty string';
  if (value.length > MAX_STORED_NAME_LENGTH) return `must be at most ${MAX_STORED_NAME_LENGTH} characters`;
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return 'must not contain control characters or backslashes';
  return undefined;
}

/** Stored field names with free names (dispatch steps, ingest statistics): snake_case, like every stored name. */
export const STORED_FIELD_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

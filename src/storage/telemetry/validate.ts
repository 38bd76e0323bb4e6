import { InvalidQueryError } from '../../common/errors.js';
import { TAG_NAMES, TELEMETRY_FIELDS } from '../../contract/index.js';
import { AGGREGATES, type TelemetryQuery, type TelemetryReadQuery } from './store.js';

/** Checks a query before any store builds SQL/InfluxQL from it, so both stores refuse the same inputs. */
export function validateQuery(q: TelemetryQuery): void {
  if (!TELEMETRY_FIELDS.includes(q.field)) {
    throw new InvalidQueryError(`field '${String(q.field)}' is unknown; allowed: ${TELEMETRY_FIELDS.join(', ')}`);
  }
  if (!AGGREGATES.includes(q.aggregate)) {
    throw new InvalidQueryError(`aggregate '${String(q.aggregate)}' is unknown; allowed: ${AGGREGATES.join(', ')}`);
  }
  if (!Number.isSafeInteger(q.fromMs) || !Number.isSafeInteger(q.toMs) || q.fromMs >= q.toMs) {
    throw new InvalidQueryError(`time range must be integer epoch ms with fromMs < toMs (got ${q.fromMs}..${q.toMs})`);
  }
  if (!Number.isSafeInteger(q.bucketMs) || q.bucketMs < 1000) {
    throw new InvalidQueryError(`bucketMs must be an integer of at least 1000 (got ${q.bucketMs})`);
  }
  for (const tag of [...Object.keys(q.where ?? {}), ...(q.groupBy ?? [])]) {
    if (!(TAG_NAMES as readonly string[]).includes(tag)) {
      throw new InvalidQueryError(`tag '${tag}' is unknown; allowed: ${TAG_NAMES.join(', ')}`);
    }
  }
}

/** The range and tags of a raw read, checked the same way in every store. */
export function validateReadQuery(q: TelemetryReadQuery): void {
  if (!Number.isSafeInteger(q.fromMs) || !Number.isSafeInteger(q.toMs) || q.fromMs >= q.toMs) {
    throw new InvalidQueryError(`time range must be integer epoch ms with fromMs < toMs (got ${q.fromMs}..${q.toMs})`);
  }
  for (const tag of Object.keys(q.where ?? {})) {
    if (!(TAG_NAMES as readonly string[]).includes(tag)) {
      throw new InvalidQueryError(`tag '${tag}' is unknown; allowed: ${TAG_NAMES.join(', ')}`);
    }
  }
}

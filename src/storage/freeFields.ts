import { StoreRejectedError } from '../common/errors.js';
import { STORED_FIELD_PATTERN } from '../contract/index.js';

/**
 * Checks fields whose names vary (dispatch steps, ingest statistics): at least one, snake_case names not in
 * `reserved`, finite numbers. StoreRejectedError starting with `where` otherwise.
 */
export function checkFreeFields(fields: Record<string, number>, where: string, reserved: readonly string[] = []): void {
  const names = Object.keys(fields);
  if (names.length === 0) throw new StoreRejectedError(`${where}: no fields`);
  const rule = `snake_case (a–z, 0–9, _)${reserved.length ? ` and not ${reserved.join(', ')}` : ''}`;
  for (const name of names) {
    if (!STORED_FIELD_PATTERN.test(name) || reserved.includes(name)) throw new StoreRejectedError(`${where}: field name '${name}' must be ${rule}`);
    if (!Number.isFinite(fields[name])) throw new StoreRejectedError(`${where}: field ${name} is not a finite number`);
  }
}

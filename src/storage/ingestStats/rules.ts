import { StoreRejectedError } from '../../common/errors.js';
import { STORED_FIELD_PATTERN, storedNameProblem, type IngestStatsPoint } from '../../contract/index.js';

/** Checks ingest-statistics points before any store writes them (shared by both engines, pure). */
export function validateIngestStats(points: readonly IngestStatsPoint[]): void {
  points.forEach((p, i) => {
    const where = `ingest stats point ${i} (${String(p.ingester)} at ${String(p.timeMs)})`;
    const problem = storedNameProblem(p.ingester);
    if (problem) throw new StoreRejectedError(`${where}: ingester ${problem}`);
    if (!Number.isSafeInteger(p.timeMs)) throw new StoreRejectedError(`${where}: timeMs must be integer epoch ms`);
    const names = Object.keys(p.fields);
    if (names.length === 0) throw new StoreRejectedError(`${where}: no fields`);
    for (const name of names) {
      if (!STORED_FIELD_PATTERN.test(name)) throw new StoreRejectedError(`${where}: field name '${name}' must be snake_case (a–z, 0–9, _)`);
      if (!Number.isFinite(p.fields[name])) throw new StoreRejectedError(`${where}: field ${name} is not a finite number`);
    }
  });
}

import { StoreRejectedError } from '../../common/errors.js';
import { storedNameProblem, type IngestStatsPoint } from '../../contract/index.js';
import { checkFreeFields } from '../freeFields.js';

/** Checks ingest-statistics points before any store writes them (shared by both engines, pure). */
export function validateIngestStats(points: readonly IngestStatsPoint[]): void {
  points.forEach((p, i) => {
    const where = `ingest stats point ${i} (${String(p.ingester)} at ${String(p.timeMs)})`;
    const problem = storedNameProblem(p.ingester);
    if (problem) throw new StoreRejectedError(`${where}: ingester ${problem}`);
    if (!Number.isSafeInteger(p.timeMs)) throw new StoreRejectedError(`${where}: timeMs must be integer epoch ms`);
    checkFreeFields(p.fields, where);
  });
}

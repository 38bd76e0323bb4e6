import { InvalidQueryError } from '../../common/errors.js';
import { storedNameProblem } from '../../contract/index.js';

/** Checks tryAcquireLock/releaseLock arguments (InvalidQueryError); ttlMs only when given. */
export function validateLockArgs(name: string, holder: string, ttlMs?: number): void {
  const problem = storedNameProblem(name) ?? storedNameProblem(holder);
  if (problem) throw new InvalidQueryError(`lock name and holder: ${problem}`);
  if (ttlMs !== undefined && (!Number.isSafeInteger(ttlMs) || ttlMs <= 0)) {
    throw new InvalidQueryError(`lock ttlMs must be a positive integer (got ${ttlMs})`);
  }
}

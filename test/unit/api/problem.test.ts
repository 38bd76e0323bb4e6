import { describe, expect, it } from 'vitest';
import { ApiProblem, problemFromError } from '../../../src/api/problem.js';
import { ConflictError, DispatchError, InsufficientDataError, InvalidQueryError, NotFoundError, StoreRejectedError, StoreUnavailableError } from '../../../src/common/errors.js';

describe('problemFromError: each known error kind becomes one problem at the API edge', () => {
  it.each<[Error, number, string]>([
    [new InvalidQueryError('bad range'), 400, 'invalid-parameters'],
    [new NotFoundError('model version', '20261201T000000Z', 'no model version 20261201T000000Z'), 404, 'not-found'],
    [new ConflictError('a training run is going'), 409, 'conflict'],
    [new InsufficientDataError('s/all/load', 3.5, 28, 's/all/load: 3.5 days of data; training needs at least 28'), 422, 'unprocessable'],
    [new DispatchError('unknown_site', 'x', "site 'x' has no dispatch settings"), 404, 'not-found'],
    [new DispatchError('no_forecast', 'x', 'no load forecast for site x'), 409, 'conflict'],
    [new DispatchError('no_solution', 'x', 'no dispatch plan for site x: HiGHS stopped'), 422, 'unprocessable'],
    [new StoreUnavailableError('down'), 503, 'unavailable'],
  ])('%s → %i %s', (err, status, kind) => {
    const p = problemFromError(err);
    expect(p).toBeInstanceOf(ApiProblem);
    expect(p!.status).toBe(status);
    expect(p!.kind).toBe(kind);
    // The cause is told, except for a store outage, whose internals stay in the log.
    if (!(err instanceof StoreUnavailableError)) expect(p!.detail).toBe(err.message);
    else expect(p!.headers['Retry-After']).toBe('5');
  });

  it('leaves unknown errors (and a rejected write, a bug at this edge) to the 500 path', () => {
    expect(problemFromError(new Error('boom'))).toBeUndefined();
    expect(problemFromError(new StoreRejectedError('bad point'))).toBeUndefined();
  });
});

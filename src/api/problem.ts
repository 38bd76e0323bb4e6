import { ConflictError, DispatchError, InsufficientDataError, InvalidQueryError, NotFoundError, StoreUnavailableError } from '../common/errors.js';
import { z } from './zod.js';

/**
 * RFC 9457 problem details: every error the API answers is one of these, as application/problem+json.
 * `type` points into the docs page, which lists every kind.
 */
export const invalidParamSchema = z.object({
  name: z.string().openapi({ description: 'The parameter: query or path name, or the body field (dotted path).' }),
  reason: z.string(),
  allowed: z.string().optional().openapi({ description: 'What would be accepted.' }),
});

export const problemSchema = z
  .object({
    type: z.string().openapi({ example: '/api/v1/docs#problem-invalid-parameters' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    invalidParams: z.array(invalidParamSchema).optional(),
  })
  .openapi('Problem');

export type Problem = z.infer<typeof problemSchema>;
export type InvalidParam = z.infer<typeof invalidParamSchema>;

export const PROBLEM_KINDS = {
  'invalid-parameters': { status: 400, title: 'Invalid parameters' },
  'invalid-body': { status: 400, title: 'Invalid request body' },
  unauthorized: { status: 401, title: 'API key missing or invalid' },
  forbidden: { status: 403, title: 'API key lacks the scope' },
  'not-found': { status: 404, title: 'Not found' },
  'not-acceptable': { status: 406, title: 'Not acceptable' },
  conflict: { status: 409, title: 'Conflict' },
  'payload-too-large': { status: 413, title: 'Request body too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  unprocessable: { status: 422, title: 'Cannot be done with the data there is' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const;
export type ProblemKind = keyof typeof PROBLEM_KINDS;

/** Thrown by route code (or mapped from a lower error at the edge) and answered as problem+json. */
export class ApiProblem extends Error {
  readonly status: number;
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly invalidParams?: InvalidParam[],
    /** Extra response headers (Retry-After, WWW-Authenticate). */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'ApiProblem';
    this.status = PROBLEM_KINDS[kind].status;
  }

  toJSON(instance?: string): Problem {
    return {
      type: `/api/v1/docs#problem-${this.kind}`,
      title: PROBLEM_KINDS[this.kind].title,
      status: this.status,
      detail: this.detail,
      ...(instance ? { instance } : {}),
      ...(this.invalidParams ? { invalidParams: this.invalidParams } : {}),
    };
  }
}

/** zod issues → invalidParams. `flat`: query and path parameters, named without the index into a list value. */
export function issuesToParams(issues: readonly z.core.$ZodIssue[], allowedFor: (name: string) => string | undefined, flat = false): InvalidParam[] {
  return issues.flatMap((i) => {
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ name: [...i.path.map(String), k].join('.'), reason: 'unknown parameter' }));
    const path = flat ? i.path.slice(0, 1) : i.path;
    const name = path.length ? path.map(String).join('.') : '(body)';
    const allowed = allowedFor(String(i.path[0] ?? '')) ?? allowedFromIssue(i);
    return { name, reason: i.message, ...(allowed ? { allowed } : {}) };
  });
}

function allowedFromIssue(i: z.core.$ZodIssue): string | undefined {
  if (i.code === 'invalid_value') return i.values.map(String).join(', ');
  return undefined;
}

/**
 * The problem a known error from a lower stage becomes at the API edge (the one mapping), or undefined
 * for anything else (a 500, logged by the server):
 * - InvalidQueryError: 400; NotFoundError: 404; ConflictError: 409; InsufficientDataError: 422;
 * - DispatchError: unknown site 404, no forecast to plan on yet 409 (run the forecast first), no plan from the solver or prices in
 *   another currency than the site's 422;
 * - StoreUnavailableError: 503 with Retry-After.
 */
export function problemFromError(err: unknown): ApiProblem | undefined {
  if (err instanceof ApiProblem) return err;
  if (err instanceof InvalidQueryError) return new ApiProblem('invalid-parameters', err.message);
  // Express throws URIError (status 400) when a path segment holds malformed percent-encoding (`%ZZ`, a lone `%`).
  if (err instanceof URIError) {
    return new ApiProblem('invalid-parameters', 'The path holds malformed percent-encoding (a % not followed by two hex digits, or bytes that are not UTF-8): write a literal % as %25.');
  }
  if (err instanceof NotFoundError) return new ApiProblem('not-found', err.message);
  if (err instanceof ConflictError) return new ApiProblem('conflict', err.message);
  if (err instanceof InsufficientDataError) return new ApiProblem('unprocessable', err.message);
  if (err instanceof DispatchError) {
    switch (err.kind) {
      case 'unknown_site':
        return new ApiProblem('not-found', err.message);
      case 'no_forecast':
        return new ApiProblem('conflict', err.message);
      case 'no_solution':
      case 'price_currency':
        return new ApiProblem('unprocessable', err.message);
    }
  }
  if (err instanceof StoreUnavailableError) return new ApiProblem('unavailable', 'The store is not answering right now; try again shortly.', undefined, { 'Retry-After': '5' });
  return undefined;
}

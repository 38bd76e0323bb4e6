import type { OpenAPIRegistry, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import type { Request, Response, Router } from 'express';
import { principalOf, requireScope } from './auth/authenticate.js';
import type { Principal, Scope } from './auth/scopes.js';
import type { CacheResource, CachedResponse, ResponseCache } from './cache.js';
import { toCsv, type CsvTable } from './csv.js';
import { allowedOf } from './params.js';
import { ApiProblem, issuesToParams, PROBLEM_KINDS, problemSchema, type ProblemKind } from './problem.js';
import { z } from './zod.js';

export const API_PREFIX = '/api/v1';
/** Either key header will do (OpenAPI: one entry per alternative). */
export const KEY_SECURITY: Record<string, string[]>[] = [{ bearerKey: [] }, { headerKey: [] }];
const JSON_TYPE = 'application/json; charset=utf-8';
const CSV_TYPE = 'text/csv; charset=utf-8; header=present';

type AnyObject = z.ZodObject;

export interface RouteInput<Q extends AnyObject, P extends AnyObject, B extends z.ZodType> {
  query: z.output<Q>;
  params: z.output<P>;
  body: z.output<B>;
  principal: Principal;
}

/**
 * One endpoint, declared once: its zod schemas validate the request, type the handler and the answer,
 * and become its OpenAPI operation. The handler returns data; negotiation (JSON or CSV), caching and
 * problem answers happen here.
 */
export interface RouteSpec<Q extends AnyObject, P extends AnyObject, B extends z.ZodType, R extends z.ZodType> {
  method: 'get' | 'post';
  /** OpenAPI form, below /api/v1: `/sites/{site}/meters`. */
  path: string;
  /** Unique, camelCase and stable (client generators name their methods by it): chosen, not derived from the path. */
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  scope: Scope;
  query?: Q;
  params?: P;
  body?: B;
  response: R;
  status?: 200 | 202;
  responseDescription?: string;
  /** One flat table for `Accept: text/csv` (or `?format=csv`): list and series endpoints. */
  csv?: (body: z.output<R>) => CsvTable;
  /** Cache answers by query (API_CACHE_SECONDS), cleared when this resource is written. */
  cache?: CacheResource;
  /** Problem answers this route documents beyond the common ones (400, 401, 403, 429, 500). */
  errors?: ProblemKind[];
  handler: (input: RouteInput<Q, P, B>) => Promise<z.output<R>>;
}

const formatParam = z.enum(['json', 'csv']).optional().openapi({ description: 'Answer as CSV without an Accept header (the same as Accept: text/csv). Allowed: json, csv.' });

export class ApiRoutes {
  /** Answers being computed for cacheable requests, by cache key. */
  private readonly inFlight = new Map<string, Promise<CachedResponse>>();

  constructor(
    private readonly router: Router,
    private readonly openapi: OpenAPIRegistry,
    private readonly cache: ResponseCache,
  ) {}

  add<Q extends AnyObject = z.ZodObject<{}>, P extends AnyObject = z.ZodObject<{}>, B extends z.ZodType = z.ZodUndefined, R extends z.ZodType = z.ZodType>(spec: RouteSpec<Q, P, B, R>): void {
    const query = (spec.csv ? (spec.query ?? z.object({})).extend({ format: formatParam }) : (spec.query ?? z.object({}))).strict();
    const params = spec.params ?? z.object({});
    this.register(spec, query, params);
    const expressPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
    this.router[spec.method](expressPath, async (req: Request, res: Response) => {
      const principal = principalOf(res);
      requireScope(principal, spec.scope);
      const rawFormat = typeof req.query.format === 'string' ? req.query.format : undefined;
      const format = chooseFormat(req, Boolean(spec.csv), rawFormat);
      // Keyed by the URL as sent, so a hit skips parsing too; only valid answers are stored, and a relative
      // time (`now-24h`) is at most the cache's lifetime old.
      const cacheKey = spec.cache && spec.method === 'get' && this.cache.enabled ? `${req.originalUrl}\n${format}` : undefined;
      let stale: CachedResponse | undefined;
      if (cacheKey && spec.cache) {
        const hit = this.cache.get(spec.cache, cacheKey);
        if (hit && !hit.stale) return send(res, hit.answer);
        // One request recomputes an expired or missing answer; the others get the stale one, or wait for it.
        const pending = this.inFlight.get(cacheKey);
        if (pending) return send(res, hit?.answer ?? (await pending));
        stale = hit?.answer;
      }
      const work = (async (): Promise<CachedResponse> => {
        const p = parse(params, req.params, 'path parameter');
        const q = parse(query, req.query, 'query parameter');
        const body = spec.body ? parseBody(spec.body, req) : undefined;
        const generation = spec.cache ? this.cache.generation(spec.cache) : 0;
        const result = await spec.handler({ query: q as z.output<Q>, params: p as z.output<P>, body: body as z.output<B>, principal });
        const answer: CachedResponse =
          format === 'csv' && spec.csv
            ? { status: spec.status ?? 200, contentType: CSV_TYPE, body: toCsv(spec.csv(result)) }
            : { status: spec.status ?? 200, contentType: JSON_TYPE, body: JSON.stringify(result) };
        if (cacheKey && spec.cache) this.cache.set(spec.cache, cacheKey, answer, generation);
        return answer;
      })();
      if (cacheKey) {
        this.inFlight.set(cacheKey, work);
        work.then(
          () => this.inFlight.delete(cacheKey),
          () => this.inFlight.delete(cacheKey),
        );
      }
      send(res, await work.catch((err: unknown) => stale ?? Promise.reject(err)));
    });
  }

  private register<Q extends AnyObject, P extends AnyObject, B extends z.ZodType, R extends z.ZodType>(spec: RouteSpec<Q, P, B, R>, query: AnyObject, params: AnyObject): void {
    const problem = (kind: ProblemKind): ResponseConfig => ({ description: PROBLEM_KINDS[kind].title, content: { 'application/problem+json': { schema: problemSchema } } });
    const kinds = new Set<ProblemKind>(['invalid-parameters', 'unauthorized', 'forbidden', 'rate-limited', 'internal', ...(spec.body ? (['invalid-body'] as const) : []), ...(spec.errors ?? [])]);
    const responses: Record<string, ResponseConfig> = {
      [String(spec.status ?? 200)]: {
        description: spec.responseDescription ?? spec.summary,
        content: { 'application/json': { schema: spec.response }, ...(spec.csv ? { 'text/csv': { schema: z.string().openapi({ description: 'The same data as one flat table with a header line.' }) } } : {}) },
      },
    };
    for (const kind of kinds) {
      const status = String(PROBLEM_KINDS[kind].status);
      // Two kinds can share a status (400): document it once, naming both.
      const existing = responses[status];
      responses[status] = existing ? { ...problem(kind), description: `${existing.description}; ${PROBLEM_KINDS[kind].title}` } : problem(kind);
    }
    this.openapi.registerPath({
      method: spec.method,
      path: `${API_PREFIX}${spec.path}`,
      operationId: spec.operationId,
      tags: [spec.tag],
      summary: spec.summary,
      description: `${spec.description ? `${spec.description}\n\n` : ''}Scope: \`${spec.scope}\`.`,
      security: KEY_SECURITY,
      'x-scope': spec.scope,
      request: {
        ...(Object.keys(params.shape).length ? { params } : {}),
        ...(Object.keys(query.shape).length ? { query } : {}),
        // A body whose fields are all optional may be left out altogether.
        ...(spec.body ? { body: { required: !spec.body.safeParse({}).success, content: { 'application/json': { schema: spec.body } } } } : {}),
      },
      responses,
    });
  }
}

function send(res: Response, answer: CachedResponse): void {
  if (res.headersSent) return; // the request timed out meanwhile and got its 503
  res.status(answer.status).set({ 'Content-Type': answer.contentType, 'Cache-Control': 'no-store' }).send(answer.body);
}

function parse(schema: AnyObject, value: unknown, what: string): unknown {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const invalid = issuesToParams(result.error.issues, (name) => allowedOf(schema, name), true).map((p) =>
    p.reason === 'unknown parameter' ? { ...p, reason: `unknown ${what}`, allowed: Object.keys(schema.shape).join(', ') } : p,
  );
  throw new ApiProblem('invalid-parameters', `${invalid.length} ${what}${invalid.length > 1 ? 's are' : ' is'} invalid: ${invalid.map((i) => i.name).join(', ')}.`, invalid);
}

function parseBody(schema: z.ZodType, req: Request): unknown {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json')) {
    throw new ApiProblem('unsupported-media-type', `The body must be JSON (Content-Type: application/json), got '${req.headers['content-type'] ?? 'none'}'.`);
  }
  const result = schema.safeParse(req.body ?? {});
  if (result.success) return result.data;
  const fields = schema instanceof z.ZodObject ? Object.keys(schema.shape).join(', ') : undefined;
  const invalid = issuesToParams(result.error.issues, (name) => allowedOf(schema, name)).map((p) =>
    p.reason === 'unknown parameter' ? { ...p, reason: 'unknown field', ...(fields !== undefined ? { allowed: fields || 'no fields' } : {}) } : p,
  );
  throw new ApiProblem('invalid-body', `The request body is invalid: ${invalid.map((i) => `${i.name}: ${i.reason}`).join('; ')}.`, invalid);
}

function chooseFormat(req: Request, csvCapable: boolean, format: string | undefined): 'json' | 'csv' {
  if (format === 'csv' || format === 'json') return format;
  // JSON unless CSV is preferred: a browser's text/html or */* gets JSON, not a 406.
  if (req.accepts(['application/json', 'text/csv']) !== 'text/csv') return 'json';
  if (csvCapable) return 'csv';
  throw new ApiProblem('not-acceptable', `${req.path} answers JSON only (application/json); CSV is offered by list and series endpoints.`);
}

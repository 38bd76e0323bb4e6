import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Registry } from 'prom-client';
import { errorMessage, StoreUnavailableError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { accessLog, recordRouteBase } from './accessLog.js';
import { authenticate, principalOf, requireScope } from './auth/authenticate.js';
import { ApiKeyFile } from './auth/keyFile.js';
import { ApiKeyVerifier } from './auth/keyVerifier.js';
import { ResponseCache } from './cache.js';
import type { ApiDependencies } from './deps.js';
import { pageRouter, uiAvailable } from './page.js';
import { ApiProblem, problemFromError } from './problem.js';
import { API_PREFIX } from './route.js';
import { createApiRouter } from './v1.js';

export interface ReadinessCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface AppOptions extends Omit<ApiDependencies, 'metrics'> {
  /** The process's Prometheus registry. */
  registry: Registry;
  /** Checks /ready runs: broker connected, store reachable, … */
  readiness: () => Promise<ReadinessCheck[]>;
}

export interface HttpServerOptions extends AppOptions {
  port: number;
}

export interface RunningHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Health, readiness and Prometheus metrics, the utility API under /api/v1 and, when enabled, the
 * built-in operator page at `/`. Every answer that is not a success is a problem+json.
 */
export function createApp(opts: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const startedAt = Date.now();
  const deps: ApiDependencies = { ...opts, metrics: opts.registry };
  const cache = opts.cache ?? new ResponseCache(opts.config.cacheSeconds * 1000);
  const keys = new ApiKeyVerifier(new ApiKeyFile(opts.config.keysFile), opts.config.envKeys, opts.logger);
  const auth = authenticate({ verifier: keys, loopbackRead: opts.config.loopbackRead, host: opts.host });

  // First, so that every answer is timed and logged, those of helmet and the timeout included.
  app.use(accessLog({ registry: opts.registry, logger: opts.logger, quietPaths: ['/health', '/ready', '/metrics'] }));
  app.use(
    helmet({
      contentSecurityPolicy: {
        // The standalone page is plain HTTP on loopback: upgrading its requests to HTTPS would break it.
        directives: { 'upgrade-insecure-requests': null },
      },
    }),
  );
  app.use(requestTimeout(opts.config.requestTimeoutMs));

  app.get('/health', (_req: Request, res: Response) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) });
  });

  app.get('/ready', async (_req: Request, res: Response) => {
    const checks = await opts.readiness();
    const ready = checks.every((c) => c.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', auth, async (_req: Request, res: Response) => {
    if (!opts.config.metricsPublic) requireScope(principalOf(res), 'read');
    res.type(opts.registry.contentType).send(await opts.registry.metrics());
  });

  app.use(API_PREFIX, recordRouteBase, auth, createApiRouter(deps, cache));
  if (opts.ui) app.use(pageRouter());
  if (opts.ui && !uiAvailable) opts.logger.warn('built-in page enabled but its files (src/api/ui) are missing from this installation');
  app.use((req: Request) => {
    throw new ApiProblem('not-found', `Nothing at ${req.method} ${req.path}. The API is under ${API_PREFIX} (${API_PREFIX}/docs)${opts.ui ? '' : '; the built-in page is off (UI_ENABLED)'}.`);
  });
  app.use(problemHandler(opts.logger));
  return app;
}

/** Answers 503 when a handler takes longer than `ms`; its late answer is dropped. */
function requestTimeout(ms: number) {
  return (req: Request, res: Response, next: NextFunction) => {
    const timer = setTimeout(() => {
      if (!res.headersSent) sendProblem(req, res, new ApiProblem('unavailable', `No answer within ${ms} ms (API_REQUEST_TIMEOUT_MS); the store may be slow. Try again or ask for less.`, undefined, { 'Retry-After': '5' }));
    }, ms);
    res.once('finish', () => clearTimeout(timer));
    res.once('close', () => clearTimeout(timer));
    next();
  };
}

/** The one place errors become answers (the API edge): problems as they are, known errors mapped, the rest 500. */
function problemHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      // Too late to answer (a timeout already did): log what happened to the late handler.
      logger.warn({ reqId: res.locals.requestId, path: req.path, err: errorMessage(err) }, 'error after the answer was sent');
      return;
    }
    sendProblem(req, res, toProblem(err, req, logger.child({ reqId: res.locals.requestId })));
  };
}

function toProblem(err: unknown, req: Request, logger: Logger): ApiProblem {
  const known = problemFromError(err);
  if (known) {
    if (err instanceof StoreUnavailableError) logger.warn({ path: req.path, err: err.message }, 'store unavailable');
    return known;
  }
  const type = (err as { type?: unknown }).type;
  if (type === 'entity.too.large') return new ApiProblem('payload-too-large', 'The request body is larger than this API accepts (16 KiB).');
  if (type === 'entity.parse.failed') return new ApiProblem('invalid-body', 'The request body is not valid JSON.');
  if (typeof type === 'string' && type.startsWith('encoding.')) return new ApiProblem('unsupported-media-type', 'The request body encoding is not supported.');
  logger.error({ path: req.path, method: req.method, err: errorMessage(err), stack: err instanceof Error ? err.stack : undefined }, 'API request failed');
  return new ApiProblem('internal', 'Something went wrong on our side; the details are in the server log.');
}

function sendProblem(req: Request, res: Response, problem: ApiProblem): void {
  res
    .status(problem.status)
    .set({ ...problem.headers, 'Content-Type': 'application/problem+json; charset=utf-8', 'Cache-Control': 'no-store' })
    .send(JSON.stringify(problem.toJSON(req.originalUrl.split('?')[0])));
}

export async function startHttpServer(opts: HttpServerOptions): Promise<RunningHttpServer> {
  const app = createApp(opts);
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(opts.port, opts.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  // Node's own limits sit above the app's timeout: the app answers 503 first, Node drops the socket later.
  server.requestTimeout = opts.config.requestTimeoutMs + 5000;
  server.headersTimeout = Math.min(20_000, server.requestTimeout);
  const port = (server.address() as { port: number }).port;
  const url = `http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${port}`;
  opts.logger.info({ url, page: opts.ui ? `${url}/` : undefined, docs: `${url}${API_PREFIX}/docs` }, 'HTTP server listening (API, /health, /ready, /metrics)');
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import express, { type Request, type Response, type Router } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { principalOf } from './auth/authenticate.js';
import type { ApiDependencies } from './deps.js';
import { docsRouter, registerDocsPaths } from './docs.js';
import { generateOpenApi, createOpenApiRegistry } from './openapi.js';
import { ApiProblem } from './problem.js';
import { ApiRoutes } from './route.js';
import type { ResponseCache } from './cache.js';
import { backtestRoutes } from './routes/backtests.js';
import { dispatchRoutes } from './routes/dispatch.js';
import { priceRoutes } from './routes/prices.js';
import { forecastRoutes } from './routes/forecasts.js';
import { ingestRoutes, ingestStatsRoutes } from './routes/ingest.js';
import { modelRoutes } from './routes/models.js';
import { siteRoutes } from './routes/sites.js';
import { congestionRoutes } from './routes/congestion.js';
import { telemetryRoutes } from './routes/telemetry.js';
import { weatherForecastRoutes } from './routes/weatherForecasts.js';

/** Largest JSON body accepted: every request body of this API is a handful of ids… */
export const JSON_BODY_LIMIT = '16kb';
/** …but a dispatch scenario, which carries its forecasts and prices (1,000 steps of three series ≈ 100 kB). */
export const SCENARIO_BODY_LIMIT = '1mb';

/**
 * The /api/v1 router: rate limit (per key, per client address without one), JSON bodies, every resource
 * module, the public documents and docs pages (docs.ts), and a 404 problem for anything else.
 * Expects authenticate() to have run.
 */
export function createApiRouter(d: ApiDependencies, cache: ResponseCache): Router {
  const router = express.Router();
  router.use(
    rateLimit({
      windowMs: 60_000,
      limit: d.config.rateLimitPerMinute,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      // Grafana calls server-side from one address for every viewer: count its key, not its address.
      keyGenerator: (req: Request, res: Response) => (res.locals.principal ? `key:${res.locals.principal.id}` : `ip:${ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? '')}`),
      // Proxy headers are deliberately not trusted (trust proxy stays off): no warning about seeing one.
      validate: { xForwardedForHeader: false },
      handler: (_req, _res, next, options) => next(new ApiProblem('rate-limited', `More than ${options.limit} requests in a minute from this key (API_RATE_LIMIT_PER_MINUTE); see the RateLimit and Retry-After headers.`)),
    }),
  );
  router.use('/dispatch/solve', express.json({ limit: SCENARIO_BODY_LIMIT, strict: true }));
  router.use(express.json({ limit: JSON_BODY_LIMIT, strict: true }));

  const openapi = createOpenApiRegistry();
  const routes = new ApiRoutes(router, openapi, cache);
  siteRoutes(routes, d);
  congestionRoutes(routes, d);
  telemetryRoutes(routes, d);
  forecastRoutes(routes, d);
  weatherForecastRoutes(routes, d);
  dispatchRoutes(routes, d);
  priceRoutes(routes, d);
  modelRoutes(routes, d);
  backtestRoutes(routes, d);
  ingestRoutes(routes, d);
  ingestStatsRoutes(routes, d);

  registerDocsPaths(openapi);
  router.use(docsRouter(generateOpenApi(openapi)));
  router.use((req: Request, res: Response) => {
    principalOf(res);
    throw new ApiProblem('not-found', `No endpoint ${req.method} /api/v1${req.path}; GET /api/v1/docs lists them.`);
  });
  return router;
}

import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../common/logger.js';
import { histogram, type Registry } from '../common/metrics.js';

declare global {
  namespace Express {
    interface Locals {
      /** This request's id (X-Request-Id): on its access log line, its error lines and its answer. */
      requestId?: string;
      /** Where the router that matched the route is mounted (`/api/v1`), recorded by recordRouteBase. */
      routeBase?: string;
    }
  }
}

/** The route label of requests no route matched (404s, static files, refused before routing): one series, whatever the URL. */
export const UNMATCHED_ROUTE = 'unmatched';
/** The status_code label of a request the client gave up on before the answer was sent (nginx's convention). */
export const ABANDONED_STATUS = '499';
/** A request id sent by a proxy is kept when it looks like one; anything else is replaced, so no client writes what it likes into the log. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

export interface AccessLogOptions {
  registry: Registry;
  logger: Logger;
  /** Paths polled by machines (/health, /ready, /metrics): logged at debug, so a scrape every 15 s doesn't drown the log. */
  quietPaths: readonly string[];
}

/**
 * One log line per request (method, matched route, path, status, duration, request id, key) and
 * `http_request_duration_seconds{method,route,status_code}`. The route label is the route's pattern
 * (`/api/v1/sites/:site/forecasts`), never the URL, so the number of series stays bounded. pino-http
 * is not a dependency: this is the part of it gridcast needs, on the one logger.
 */
export function accessLog(o: AccessLogOptions) {
  const duration = histogram(o.registry, {
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, matched route pattern and status code, from arrival to the last byte of the answer',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
  const log = o.logger.child({ component: 'http' });
  const quiet = new Set(o.quietPaths);
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const sent = req.headers['x-request-id'];
    const requestId = typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    let done = false;
    const finish = (abandoned: boolean) => {
      if (done) return;
      done = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = matchedRoute(req, res);
      const statusCode = abandoned ? ABANDONED_STATUS : String(res.statusCode);
      duration.observe({ method: req.method, route, status_code: statusCode }, seconds);
      const path = req.originalUrl.split('?')[0];
      const level = res.statusCode >= 500 || abandoned ? 'warn' : quiet.has(path ?? '') ? 'debug' : 'info';
      log[level](
        { reqId: requestId, method: req.method, route, path, statusCode: Number(statusCode), durationMs: Math.round(seconds * 10_000) / 10, key: res.locals.principal?.id },
        abandoned ? 'request abandoned by the client' : 'request completed',
      );
    };
    res.once('finish', () => finish(false));
    // 'close' without 'finish': the connection went before the answer did.
    res.once('close', () => finish(!res.writableFinished));
    next();
  };
}

/**
 * Records where the router is mounted, for routers mounted at a path: once a route's error leaves the router,
 * Express puts `req.baseUrl` back to the parent's, while `req.route` still names the route.
 */
export function recordRouteBase(req: Request, res: Response, next: NextFunction): void {
  res.locals.routeBase = req.baseUrl;
  next();
}

function matchedRoute(req: Request, res: Response): string {
  const pattern: unknown = req.route?.path;
  if (typeof pattern !== 'string') return UNMATCHED_ROUTE;
  return `${res.locals.routeBase ?? req.baseUrl}${pattern}`;
}

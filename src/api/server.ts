import type { Server } from 'node:http';
import express, { type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from '../common/logger.js';

export interface ReadinessCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  registry: Registry;
  logger: Logger;
  /** Checks /ready runs: broker connected, store reachable, … */
  readiness: () => Promise<ReadinessCheck[]>;
}

export interface RunningHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Health, readiness and Prometheus metrics. The forecast/dispatch API mounts here as it lands. */
export function createApp(opts: Omit<HttpServerOptions, 'host' | 'port'>): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const startedAt = Date.now();

  app.get('/health', (_req: Request, res: Response) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) });
  });

  app.get('/ready', async (_req: Request, res: Response) => {
    const checks = await opts.readiness();
    const ready = checks.every((c) => c.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', async (_req: Request, res: Response) => {
    res.type(opts.registry.contentType).send(await opts.registry.metrics());
  });

  return app;
}

export async function startHttpServer(opts: HttpServerOptions): Promise<RunningHttpServer> {
  const app = createApp(opts);
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(opts.port, opts.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const port = (server.address() as { port: number }).port;
  const url = `http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${port}`;
  opts.logger.info({ url }, 'HTTP server listening (/health, /ready, /metrics)');
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

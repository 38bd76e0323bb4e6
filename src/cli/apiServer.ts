import { ResponseCache, startHttpServer, type ApiDependencies, type ReadinessCheck, type RunningHttpServer } from '../api/index.js';
import type { Logger } from '../common/logger.js';
import type { Registry } from '../common/metrics.js';
import type { GridcastConfig } from '../config/index.js';
import type { ForecastTarget } from '../contract/index.js';
import { loadSites, ModelRegistry, type ForecastService } from '../forecast/index.js';
import { OnDemandJobs, TRAINER_LEASE_MS, type TrainQueue } from '../scheduler/index.js';
import { observeWrites, type Stores } from '../storage/index.js';

/** Where the HTTP server runs: `gridcast start`, `ingest` or `schedule`. The built-in page is on by default in `start` only. */
export type ServerMode = 'standalone' | 'ingest' | 'schedule';

/**
 * The stores every stage should use in a process that serves the API: writes (forecasts, plans) clear the
 * API's cached answers at once.
 */
export function storesForApi(config: GridcastConfig, stores: Stores): { stores: Stores; cache: ResponseCache } {
  const cache = new ResponseCache(config.api.cacheSeconds * 1000);
  return { stores: observeWrites(stores, (what) => (what === 'telemetry' ? undefined : cache.invalidate(what))), cache };
}

export interface ApiServerOptions {
  config: GridcastConfig;
  mode: ServerMode;
  stores: Stores;
  cache: ResponseCache;
  registry: Registry;
  logger: Logger;
  readiness: () => Promise<ReadinessCheck[]>;
  /** Forecasting in this process: enables POST /forecasts/run and /models/train. */
  service?: ForecastService;
  /** Dispatch planning in this process: enables POST /dispatch/run. */
  runDispatch?: ApiDependencies['runDispatch'];
  /** Dispatch planning in this process: enables POST /sites/{site}/prices. */
  storePrices?: ApiDependencies['storePrices'];
  /** JOB_QUEUE_URL: POST /models/train queues the series for the instances' workers. */
  trainQueue?: TrainQueue;
}

/** The HTTP server with the API wired to what this process runs; stop() also stops a training run started through it. */
export async function startApiServer(o: ApiServerOptions): Promise<RunningHttpServer> {
  const onDemand = o.service ? new OnDemandJobs(o.service, o.stores.locks, o.logger.child({ component: 'scheduler' }), TRAINER_LEASE_MS, o.trainQueue) : undefined;
  const ui = o.config.api.ui === 'true' || (o.config.api.ui === 'auto' && o.mode === 'standalone');
  const http = await startHttpServer({
    host: o.config.http.host,
    port: o.config.http.port,
    registry: o.registry,
    logger: o.logger.child({ component: 'api' }),
    readiness: o.readiness,
    stores: o.stores,
    config: o.config.api,
    ui,
    cache: o.cache,
    models: new ModelRegistry(o.config.forecast.modelsDir),
    sites: loadSites(o.config.forecast.sitesFile),
    ...(onDemand ? { runForecasts: (r: { site?: string }) => onDemand.runForecasts(r), startTraining: (r: { site?: string; target?: ForecastTarget }) => onDemand.startTraining(r) } : {}),
    ...(o.runDispatch ? { runDispatch: o.runDispatch } : {}),
    ...(o.storePrices ? { storePrices: o.storePrices } : {}),
    ...(o.service ? { trainingProgress: () => o.service!.trainingInProgress() } : {}),
  });
  return {
    ...http,
    close: async () => {
      await http.close();
      await onDemand?.stop();
    },
  };
}

import type { Registry } from 'prom-client';
import type { Logger } from '../common/logger.js';
import type { ApiConfig } from '../config/index.js';
import type { DispatchPlan, StoredPrices } from '../dispatch/index.js';
import type { ModelRegistry, SiteInfo, TrainingProgress } from '../forecast/index.js';
import type { Stores } from '../storage/index.js';
import type { ResponseCache } from './cache.js';
import { isoTime, targetSchema } from './params.js';
import type { ForecastTarget, priceMessageSchema } from '../contract/index.js';
import { z } from './zod.js';

const seriesRefSchema = z.object({ site: z.string(), feeder: z.string(), target: targetSchema });

/** What POST /forecasts/run answers: each series issued, and each that failed (too little data, …). */
export const forecastRunSchema = z
  .object({
    issued: z.array(seriesRefSchema.extend({ model: z.string(), steps: z.number().int(), issuedAt: isoTime })),
    failed: z.array(seriesRefSchema.extend({ error: z.string() })),
  })
  .openapi('ForecastRun');
export type ForecastRun = z.infer<typeof forecastRunSchema>;

/** What POST /models/train answers (202): training goes on in the background, one series after another. */
export const trainingStartSchema = z
  .object({
    status: z.literal('started'),
    series: z.array(seriesRefSchema),
  })
  .openapi('TrainingStart');
export type TrainingStart = z.infer<typeof trainingStartSchema>;

/** What GET /models/training answers: the training runs going on in this process. */
export const trainingStatusSchema = z
  .object({
    training: z.array(
      seriesRefSchema.extend({
        startedAt: isoTime,
        phase: z.enum(['preparing', 'training', 'validating']).openapi({ description: 'preparing: reading the history; training: epoch after epoch; validating: the day-ahead backtest next to the baselines that decides whether it serves.' }),
        epoch: z.number().int(),
        epochs: z.number().int().openapi({ description: '0 until the first epoch says how many there are.' }),
      }),
    ),
  })
  .openapi('TrainingStatus');

/** The stores the API reads. */
export type ApiStores = Pick<Stores, 'telemetry' | 'forecasts' | 'dispatchPlans' | 'weatherForecasts' | 'ingestStats'>;

export interface ApiDependencies {
  /** Telemetry, forecasts, plans and the ingesters' statistics are read here; nothing else of the store. */
  stores: ApiStores;
  /** The process's Prometheus registry: /metrics, and the ingestion counters of /ingest/status. */
  metrics: Registry;
  logger: Logger;
  config: ApiConfig;
  /** HTTP_HOST: decides whether the loopback rule can apply. */
  host: string;
  /** Serve the built-in page at `/`. */
  ui: boolean;
  /** Shared with storage/writeObserver.ts so writes clear cached answers; one is made when absent. */
  cache?: ResponseCache;
  /** SITES_FILE's sites: the feeders' ratings for /sites/{site}/congestion. */
  sites?: ReadonlyMap<string, SiteInfo>;
  /** The model registry (MODELS_DIR): /models, /backtests. */
  models?: ModelRegistry;
  /** Issues forecasts now (POST /forecasts/run); 503 when absent. */
  runForecasts?: (request: { site?: string }) => Promise<ForecastRun>;
  /** Starts training in the background (POST /models/train); throws ConflictError when one is running; 503 when absent. */
  startTraining?: (request: { site?: string; target?: ForecastTarget }) => Promise<TrainingStart>;
  /** The training runs going on in this process (GET /models/training); none when absent. */
  trainingProgress?: () => TrainingProgress[];
  /** Solves and stores a dispatch plan for a site now (POST /dispatch/run); 503 when absent. */
  runDispatch?: (site: string) => Promise<DispatchPlan>;
  /** Stores a site's prices for its next plans (POST /sites/{site}/prices); 503 when absent. */
  storePrices?: (site: string, message: z.output<typeof priceMessageSchema>, source: string) => Promise<StoredPrices>;
  /** Injected clock (tests). */
  now?: () => number;
}

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Registry } from 'prom-client';
import type { GridcastConfig, MqttConfig } from '../config/index.js';
import { ConfigError, StoreUnavailableError, errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { createMetricsRegistry } from '../common/metrics.js';
import { telemetryTopic } from '../contract/index.js';
import type { ReadinessCheck, RunningHttpServer } from '../api/index.js';
import { startDispatch, type ConfiguredDispatch } from '../dispatch/index.js';
import { Ingester, fetchOpenMeteoForecast, startEmbeddedBroker, type EmbeddedBroker } from '../ingest/index.js';
import { openStores, type Stores } from '../storage/index.js';
import { defaultFleet, startFleetSimulation } from '../../simulators/index.js';
import { ForecastService, loadSites, MIN_TRAINING_DAYS, ModelRegistry, useTfBackendSetting, type SiteInfo } from '../forecast/index.js';
import { JobMetrics, startScheduler, TrainQueue, type Scheduler, type WeatherForecastJobOptions } from '../scheduler/index.js';
import { startApiServer, storesForApi } from './apiServer.js';
import { ServiceRegistry } from './lifecycle.js';

/**
 * What a process runs:
 * - `standalone` (`gridcast start`): embedded broker unless MQTT_URL, ingester, forecasting, dispatch, scheduler, API;
 * - `ingest` (`gridcast ingest`): an ingester on an external broker (scale-out), with its HTTP endpoints;
 * - `schedule` (`gridcast schedule`): forecasting, dispatch and the scheduled jobs, no ingester.
 */
export type PlatformRole = 'standalone' | 'ingest' | 'schedule';

export interface PlatformOptions {
  role: PlatformRole;
  /** Publish a demo fleet of this many meters (plus one weather station) through the broker (standalone). */
  simulateMeters?: number;
}

export interface RunningPlatform {
  /** The broker the ingester and dispatch use; undefined for `schedule` without MQTT_URL. */
  mqttUrl: string | undefined;
  httpUrl: string;
  stores: Stores;
  stop(): Promise<void>;
}

/**
 * The demo trains a model at once: five weeks to train on (the minimum, MIN_TRAINING_DAYS, is three) and a
 * week to validate it against the baselines (DEMO_VALIDATION_DAYS), plus two days to spare, at a reading
 * every 15 minutes (seconds to ingest; live readings then come every minute).
 */
const DEMO_VALIDATION_DAYS = 7;
const DEMO_TRAINING_DAYS = Math.max(MIN_TRAINING_DAYS, 35);
const DEMO_BACKFILL_MS = (DEMO_TRAINING_DAYS + DEMO_VALIDATION_DAYS + 2) * 86_400_000;
const DEMO_BACKFILL_INTERVAL_MS = 15 * 60_000;
/** The example site settings the demo (`start --simulate`) plans with when DISPATCH_FILE is unset. */
const DEMO_DISPATCH_FILE = fileURLToPath(new URL('../../examples/dispatch.example.yaml', import.meta.url));

/**
 * The one composition root: every role wires the same stages through one registry of services that start
 * in order and stop in reverse (broker → stores → dispatch → HTTP → ingester → scheduler → simulator).
 */
export async function buildPlatform(config: GridcastConfig, logger: Logger, { role, simulateMeters = 0 }: PlatformOptions): Promise<RunningPlatform> {
  if (role === 'ingest' && !config.mqtt.url) {
    throw new ConfigError(["MQTT_URL: got nothing; 'gridcast ingest' subscribes to an external broker. Allowed: mqtt://, mqtts://, ws:// or wss:// URL (or run 'gridcast start' for the embedded broker)."]);
  }
  const ingests = role !== 'schedule';
  const forecasts = role !== 'ingest';
  const services = new ServiceRegistry(logger);
  const metrics = createMetricsRegistry();

  let broker: EmbeddedBroker | undefined;
  let mqtt: MqttConfig = config.mqtt;
  if (role === 'standalone' && !config.mqtt.url) {
    services.add({
      name: 'broker',
      start: async () => {
        broker = await startEmbeddedBroker(config.broker.host, config.broker.port, logger.child({ component: 'broker' }));
      },
      stop: async () => broker?.close(),
    });
    mqtt = { ...config.mqtt, protocolVersion: 4 }; // aedes speaks MQTT 3.1.1 only
  }
  const mqttUrl = () => config.mqtt.url ?? broker?.url;

  // Every stage writes through this wrapper, so forecasts and plans written here clear the API's cache.
  const { stores, cache } = storesForApi(config, openStores(config, logger));
  services.add({
    name: 'stores',
    start: async () => {
      try {
        await stores.init();
      } catch (err) {
        // A database server that is down at start (still booting after a power cut) may come back: ingest
        // anyway, spooling to disk until it answers. An embedded file that can't be opened won't fix itself.
        if (!ingests || !(err instanceof StoreUnavailableError) || stores.engine !== 'influxdb') throw err;
        logger.warn({ err: errorMessage(err) }, 'store not reachable at start: readings go to the spool until it answers');
      }
    },
    stop: () => stores.close(),
  });

  const demo = role === 'standalone' && simulateMeters > 0;
  if (forecasts) useTfBackendSetting(config.forecast.tfBackend);
  // The demo knows its own site (position, calendar: the clear-sky PV baseline needs them) unless SITES_FILE says otherwise;
  // it validates on a week, so that a first model trains on the backfill.
  const sites: Map<string, SiteInfo> = config.forecast.sitesFile || !demo ? loadSites(config.forecast.sitesFile) : new Map(defaultFleet(simulateMeters).sites.map((site) => [site.id, site]));
  const forecastConfig = demo ? { ...config.forecast, validationDays: Math.min(config.forecast.validationDays, DEMO_VALIDATION_DAYS) } : config.forecast;
  const service = forecasts
    ? new ForecastService({ stores, registry: new ModelRegistry(config.forecast.modelsDir), config: forecastConfig, sites, logger: logger.child({ component: 'forecast' }) })
    : undefined;

  // JOB_QUEUE_URL: training goes through BullMQ on Redis, shared by every instance (closed after everything using it).
  const trainQueue = forecasts && config.forecast.jobQueue ? new TrainQueue({ ...config.forecast.jobQueue, logger }) : undefined;
  if (trainQueue) services.add({ name: 'train-queue', start: async () => undefined, stop: () => trainQueue.close() });

  const dispatchFile = config.dispatch.file ?? (demo && existsSync(DEMO_DISPATCH_FILE) ? DEMO_DISPATCH_FILE : undefined);
  let dispatch: ConfiguredDispatch | undefined;
  if (forecasts && dispatchFile) {
    services.add({
      name: 'dispatch',
      start: async () => {
        const url = mqttUrl();
        dispatch = startDispatch({ file: dispatchFile, stores, ...(url ? { mqttUrl: url } : {}), mqtt, logger: logger.child({ component: 'dispatch' }), metrics, feederRatings: (site) => sites.get(site)?.feederRatings ?? [] });
        if (!config.dispatch.file) logger.info({ file: dispatchFile }, 'dispatch: planning the simulated demo-site with the example settings (set DISPATCH_FILE for your own sites)');
      },
      stop: async () => dispatch?.close(),
    });
  }

  let ingester: Ingester | undefined;
  let http: RunningHttpServer | undefined;
  services.add({
    name: 'http',
    start: async () => {
      http = await startApiServer({
        config,
        mode: role,
        stores,
        cache,
        registry: metrics,
        logger,
        ...(service ? { service } : {}),
        ...(trainQueue ? { trainQueue } : {}),
        ...(dispatch ? { runDispatch: (site: string) => dispatch!.service.run(site), storePrices: dispatch.service.storePrices.bind(dispatch.service) } : {}),
        readiness: async (): Promise<ReadinessCheck[]> => {
          const health = await stores.health();
          const store = { name: 'store', ok: health.ok, detail: health.error ?? `${health.engine} ${health.version ?? ''}`.trim() };
          const queue = trainQueue ? [{ name: 'train-queue', ...(await trainQueue.health()) }] : [];
          if (!ingester) return [store, ...queue];
          const stuck = ingester.stuckMessages();
          return [{ name: 'mqtt', ok: ingester.isConnected, detail: stuck > 0 ? `${mqttUrl()}: ${stuck} messages stuck (neither acknowledged nor dead-lettered)` : mqttUrl() }, store, ...queue];
        },
      });
    },
    stop: async () => http?.close(),
  });

  // After the HTTP server, so /health answers (and /ready says why) while the broker is still unreachable.
  if (ingests) {
    services.add({
      name: 'ingester',
      start: async () => {
        // The demo's own backfill must never be refused as too old: its age limit covers it, with a day to spare.
        const ingest = demo ? { ...config.ingest, maxAgeHours: Math.max(config.ingest.maxAgeHours, DEMO_BACKFILL_MS / 3_600_000 + 24) } : config.ingest;
        ingester = new Ingester({ config: { ...config, mqtt, ingest }, mqttUrl: mqttUrl()!, store: stores.telemetry, ingestStats: stores.ingestStats, weatherForecasts: stores.weatherForecasts, prices: stores.prices, registry: metrics, logger });
        await ingester.start();
      },
      stop: async () => ingester?.stop(),
    });
  }

  let scheduler: Scheduler | undefined;
  if (service && (role === 'schedule' || config.forecast.schedulerEnabled)) {
    services.add({
      name: 'scheduler',
      start: async () => {
        const weatherForecasts = openMeteoJob(config, stores);
        scheduler = startScheduler(config.forecast, service, stores.locks, logger, {
          ...(dispatch ? { dispatch: () => dispatch!.service.runAll() } : {}),
          ...(weatherForecasts ? { weatherForecasts } : {}),
          metrics: new JobMetrics(metrics),
          ...(trainQueue ? { queue: trainQueue } : {}),
        });
      },
      stop: async () => scheduler?.stop(),
    });
  }

  if (demo) {
    let stopSimulation: (() => Promise<void>) | undefined;
    let cancelFirstRun: (() => void) | undefined;
    services.add({
      name: 'simulator',
      start: async () => {
        const simulation = await startFleetSimulation({
          url: mqttUrl()!,
          meters: simulateMeters,
          backfillMs: DEMO_BACKFILL_MS,
          backfillIntervalMs: DEMO_BACKFILL_INTERVAL_MS,
          intervalMs: 60_000,
          logger: logger.child({ component: 'simulator' }),
        });
        stopSimulation = () => simulation.stop();
        // The demo shouldn't wait for the next cron tick: once the backfill has landed, forecast (and plan) with
        // the baselines, train a model for every series (it serves only where it beats them), then forecast again.
        const forecastJob = scheduler?.jobs.find((j) => j.name === 'forecast');
        const retrainJob = scheduler?.jobs.find((j) => j.name === 'retrain');
        if (forecastJob) {
          cancelFirstRun = whenIngestSettles(metrics, () => {
            void (async () => {
              await forecastJob.runOnce();
              if (!retrainJob) return;
              logger.info('demo: training a model for every series now (the page shows its progress); each serves only if it beats the baselines');
              await retrainJob.runOnce();
              await forecastJob.runOnce();
            })();
          }).cancel;
        }
      },
      stop: async () => {
        cancelFirstRun?.();
        await stopSimulation?.();
      },
    });
  }

  await services.startAll();

  const url = mqttUrl();
  if (ingests && url) {
    const example = telemetryTopic('demo-site', 'feeder-1', 'meter-1');
    const port = broker?.port ?? new URL(url).port;
    logger.info(
      { mqttUrl: url, httpUrl: http!.url, store: stores.engine },
      `gridcast is running. Try: mosquitto_pub -V mqttv311 -p ${port} -q 1 -t ${example} -m '{"ts":'$(date +%s%3N)',"kind":"load","powerKw":3.2}'`,
    );
  } else {
    logger.info({ httpUrl: http!.url, store: stores.engine, jobs: scheduler?.jobs.map((j) => j.name) }, 'gridcast schedule is running');
  }
  return { mqttUrl: url, httpUrl: http!.url, stores, stop: () => services.stopAll() };
}

/** The scheduled Open-Meteo fetch for every site in SITES_FILE, or undefined when WEATHER_FORECAST_SOURCE=none. */
function openMeteoJob(config: GridcastConfig, stores: Stores): WeatherForecastJobOptions | undefined {
  if (config.weather.source !== 'open-meteo') return undefined;
  const sites = [...loadSites(config.forecast.sitesFile).values()];
  if (sites.length === 0) throw new ConfigError(['WEATHER_FORECAST_SOURCE: open-meteo needs the sites\' latitude and longitude: set SITES_FILE (or WEATHER_FORECAST_SOURCE=none).']);
  const source = { baseUrl: config.weather.url, days: config.weather.days, ...(config.weather.apiKey ? { apiKey: config.weather.apiKey } : {}) };
  return { cron: config.weather.cron, sites, store: stores.weatherForecasts, fetch: (site, nowMs) => fetchOpenMeteoForecast(site, source, nowMs) };
}

/** Stops the platform on SIGTERM/SIGINT (once), then exits: 0 when everything stopped cleanly, else 1. */
export function stopOnSignal(platform: RunningPlatform, logger: Logger, message: string): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, message);
    platform.stop().then(
      () => {
        logger.info('stopped cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err: errorMessage(err) }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/**
 * Calls `then` once the ingester's accepted count has stopped jumping (backfill done: live meters add a
 * reading a minute, the backfill thousands a second), or after a minute whatever happens.
 */
function whenIngestSettles(registry: Registry, then: () => void): { cancel(): void } {
  const started = Date.now();
  let last = -1;
  let quiet = 0;
  const timer = setInterval(() => {
    void acceptedReadings(registry).then((n) => {
      quiet = n > 0 && n - last < 50 ? quiet + 1 : 0;
      last = n;
      if (quiet >= 2 || Date.now() - started > 60_000) {
        clearInterval(timer);
        then();
      }
    });
  }, 2000);
  timer.unref();
  return { cancel: () => clearInterval(timer) };
}

async function acceptedReadings(registry: Registry): Promise<number> {
  const metric = registry.getSingleMetric('gridcast_ingest_readings_accepted_total');
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

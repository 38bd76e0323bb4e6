import type { GridcastConfig } from '../config/index.js';
import { ConfigError, StoreUnavailableError, errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { createMetricsRegistry } from '../common/metrics.js';
import type { Registry } from 'prom-client';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RunningHttpServer } from '../api/index.js';
import { startDispatch } from '../dispatch/index.js';
import { Ingester, startEmbeddedBroker, telemetryTopic, type EmbeddedBroker } from '../ingest/index.js';
import { createTelemetryStore, type TelemetryStore } from '../storage/index.js';
import { startFleetSimulation } from '../../simulators/index.js';
import { ForecastService, loadSites, ModelRegistry } from '../forecast/index.js';
import { startScheduler } from '../scheduler/index.js';
import { startApiServer, storeForApi } from './apiServer.js';

export interface RunningPlatform {
  mqttUrl: string;
  httpUrl: string;
  store: TelemetryStore;
  stop(): Promise<void>;
}

/**
 * Wires the stages together: broker (embedded unless MQTT_URL), store, ingester, HTTP server.
 * `mode: 'ingest'` runs an ingester against an external broker only (scale-out).
 */
export interface PlatformOptions {
  mode: 'standalone' | 'ingest';
  /** Publish a demo fleet of this many meters (plus one weather station) through the broker. */
  simulateMeters?: number;
}

/** A week of history plus a day: enough for the weekly seasonal naive, the first model that serves. */
const DEMO_BACKFILL_MS = 8 * 86_400_000;

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

/** The example site settings the demo (`start --simulate`) plans with when DISPATCH_FILE is unset. */
const DEMO_DISPATCH_FILE = fileURLToPath(new URL('../../examples/dispatch.example.yaml', import.meta.url));

export async function startPlatform(config: GridcastConfig, logger: Logger, { mode, simulateMeters = 0 }: PlatformOptions): Promise<RunningPlatform> {
  if (mode === 'ingest' && !config.mqtt.url) {
    throw new ConfigError(["MQTT_URL: got nothing; 'gridcast ingest' subscribes to an external broker. Allowed: mqtt://, mqtts://, ws:// or wss:// URL (or run 'gridcast start' for the embedded broker)."]);
  }
  const registry = createMetricsRegistry();
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    let broker: EmbeddedBroker | undefined;
    let mqttConfig = config.mqtt;
    if (!config.mqtt.url) {
      broker = await startEmbeddedBroker(config.broker.host, config.broker.port, logger.child({ component: 'broker' }));
      stops.push(() => broker!.close());
      mqttConfig = { ...config.mqtt, protocolVersion: 4 }; // aedes speaks MQTT 3.1.1 only
    }
    const mqttUrl = config.mqtt.url ?? broker!.url;

    // Every stage writes through this wrapper, so forecasts and plans written here clear the API's cache.
    const { store, cache } = storeForApi(config, createTelemetryStore(config, logger));
    try {
      await store.init();
    } catch (err) {
      // A database server that is down at start (still booting after a power cut) may come back: ingest
      // anyway, spooling to disk until it answers. An embedded file that can't be opened won't fix itself.
      if (!(err instanceof StoreUnavailableError) || store.engine !== 'influxdb') throw err;
      logger.warn({ err: errorMessage(err) }, 'store not reachable at start: readings go to the spool until it answers');
    }
    stops.push(() => store.close());

    const ingester = new Ingester({ config: { ...config, mqtt: mqttConfig }, mqttUrl, store, registry, logger });
    stops.push(() => ingester.stop());

    const service =
      mode === 'standalone'
        ? new ForecastService({ store, registry: new ModelRegistry(config.forecast.modelsDir), config: config.forecast, sites: loadSites(config.forecast.sitesFile), logger: logger.child({ component: 'forecast' }) })
        : undefined;
    const dispatchFile = config.dispatch.file ?? (mode === 'standalone' && simulateMeters > 0 && existsSync(DEMO_DISPATCH_FILE) ? DEMO_DISPATCH_FILE : undefined);
    const dispatch = mode === 'standalone' && dispatchFile ? startDispatch({ file: dispatchFile, store, mqttUrl, mqtt: mqttConfig, logger: logger.child({ component: 'dispatch' }) }) : undefined;
    if (dispatch) {
      stops.push(() => dispatch.close());
      if (!config.dispatch.file) logger.info({ file: dispatchFile }, 'dispatch: planning the simulated demo-site with the example settings (set DISPATCH_FILE for your own sites)');
    }
    const runDispatch = dispatch ? (site: string) => dispatch.service.run(site) : undefined;
    const http: RunningHttpServer = await startApiServer({
      config,
      mode,
      store,
      cache,
      registry,
      logger,
      ...(service ? { service } : {}),
      ...(runDispatch ? { runDispatch } : {}),
      readiness: async () => {
        const health = await store.health();
        return [
          { name: 'mqtt', ok: ingester.isConnected, detail: mqttUrl },
          { name: 'store', ok: health.ok, detail: health.error ?? `${health.engine} ${health.version ?? ''}`.trim() },
        ];
      },
    });
    stops.push(() => http.close());

    // After the HTTP server, so /health answers (and /ready says why) while the broker is still unreachable.
    await ingester.start();

    const scheduler =
      service && config.forecast.schedulerEnabled
        ? startScheduler(config.forecast, service, store, logger, dispatch ? { afterForecast: () => dispatch.service.runAll() } : {})
        : undefined;
    if (scheduler) stops.push(() => scheduler.stop());

    if (simulateMeters > 0) {
      const simulation = await startFleetSimulation({ url: mqttUrl, meters: simulateMeters, backfillMs: DEMO_BACKFILL_MS, intervalMs: 60_000, logger: logger.child({ component: 'simulator' }) });
      stops.push(() => simulation.stop());
      // The demo shouldn't wait for the next cron tick: forecast (and plan) once the backfill has landed.
      const forecastJob = scheduler?.jobs.find((j) => j.name === 'forecast');
      if (forecastJob) {
        const demo = whenIngestSettles(registry, () => void forecastJob.runOnce());
        stops.push(async () => demo.cancel());
      }
    }

    const example = telemetryTopic('demo-site', 'feeder-1', 'meter-1');
    const port = broker?.port ?? new URL(mqttUrl).port;
    logger.info(
      { mqttUrl, httpUrl: http.url, store: store.engine },
      `gridcast is running. Try: mosquitto_pub -V mqttv311 -p ${port} -q 1 -t ${example} -m '{"ts":'$(date +%s%3N)',"kind":"load","powerKw":3.2}'`,
    );
    return { mqttUrl, httpUrl: http.url, store, stop: stopAll };
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
}


import type { GridcastConfig } from '../config/index.js';
import { ConfigError, StoreUnavailableError, errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { createMetricsRegistry } from '../common/metrics.js';
import { startHttpServer, type RunningHttpServer } from '../api/index.js';
import { Ingester, startEmbeddedBroker, telemetryTopic, type EmbeddedBroker } from '../ingest/index.js';
import { createTelemetryStore, type TelemetryStore } from '../storage/index.js';
import { startFleetSimulation } from '../../simulators/index.js';
import { ForecastService, loadSites, ModelRegistry } from '../forecast/index.js';
import { startScheduler } from '../scheduler/index.js';

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

    const store = createTelemetryStore(config, logger);
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

    const http: RunningHttpServer = await startHttpServer({
      host: config.http.host,
      port: config.http.port,
      registry,
      logger: logger.child({ component: 'api' }),
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

    if (mode === 'standalone' && config.forecast.schedulerEnabled) {
      const sites = loadSites(config.forecast.sitesFile);
      const service = new ForecastService({ store, registry: new ModelRegistry(config.forecast.modelsDir), config: config.forecast, sites, logger: logger.child({ component: 'forecast' }) });
      const scheduler = startScheduler(config.forecast, service, store, logger);
      stops.push(() => scheduler.stop());
    }

    if (simulateMeters > 0) {
      const simulation = await startFleetSimulation({ url: mqttUrl, meters: simulateMeters, backfillMs: 3_600_000, intervalMs: 60_000, logger: logger.child({ component: 'simulator' }) });
      stops.push(() => simulation.stop());
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


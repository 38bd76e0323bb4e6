import { join } from 'node:path';
import type { IPublishPacket, MqttClient } from 'mqtt';
import type { Registry } from 'prom-client';
import type { GridcastConfig } from '../config/index.js';
import { StoreRejectedError, errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { IngestStatsStore, TelemetryStore, WeatherForecastStore } from '../storage/index.js';
import { deadLetterMessage } from './deadletter.js';
import { DurableWriter } from './durableWriter.js';
import { IngestStatsReporter } from './ingestStats.js';
import { IngestMetrics } from './metrics.js';
import { connectMqtt, deferAcks, sendPuback, subscriptionTopic } from './mqttConnection.js';
import { parseTelemetryMessage, type Rejection } from './parse.js';
import { Spool } from './spool.js';
import { ingestWeatherForecast } from './weatherForecastIngest.js';
import { type TelemetryPoint, TELEMETRY_SUBSCRIPTION, WEATHER_FORECAST_SUBSCRIPTION, telemetryTopic } from '../contract/index.js';

const STOP_TIMEOUT_MS = 15_000;

function withTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export interface IngesterOptions {
  config: GridcastConfig;
  /** Broker URL (config's MQTT_URL, or the embedded broker's). */
  mqttUrl: string;
  store: TelemetryStore;
  /** Where the ingester's own figures go (`ingest_stats`). */
  ingestStats: IngestStatsStore;
  /** When given, the ingester also takes weather forecasts (gridcast/v1/<site>/weather-forecast) into it. */
  weatherForecasts?: WeatherForecastStore;
  registry: Registry;
  logger: Logger;
}

/**
 * MQTT → store. Validates every message by the telemetry contract, dead-letters what fails,
 * makes the rest durable (store or spool) and only then acknowledges the message to the broker.
 */
export class Ingester {
  private readonly log: Logger;
  private readonly metrics: IngestMetrics;
  private client: MqttClient | undefined;
  private writer: DurableWriter | undefined;
  private stats: IngestStatsReporter | undefined;
  private readonly inflight = new Set<Promise<void>>();
  /** Bumped on every (re)connect: an ack owed on an older connection is not sent (the broker redelivers). */
  private connection = 0;
  private stopping = false;
  private subscribed = false;

  constructor(private readonly opts: IngesterOptions) {
    this.log = opts.logger.child({ component: 'ingest' });
    this.metrics = new IngestMetrics(opts.registry);
  }

  /** Opens the spool, connects and subscribes. Resolves once the subscription is in place. */
  async start(): Promise<void> {
    const { config } = this.opts;
    // One spool per ingester identity, so ingesters sharing a volume never share a spool.
    const spool = await Spool.open(join(config.ingest.spoolDir, config.mqtt.clientId), this.log);
    this.writer = new DurableWriter(this.opts.store, spool, this.metrics, this.log, config.ingest.batchMaxReadings, (points, err) =>
      this.deadLetterPoints(points, err),
    );
    this.writer.start();
    this.stats = new IngestStatsReporter(this.opts.ingestStats, this.metrics, config.mqtt.clientId, config.ingest.statsIntervalSeconds * 1000, this.log);
    this.stats.start();

    const client = connectMqtt(this.opts.mqttUrl, config.mqtt);
    this.client = client;
    deferAcks(client, (packet) => this.onPublish(packet));
    const topics = [TELEMETRY_SUBSCRIPTION, ...(this.opts.weatherForecasts ? [WEATHER_FORECAST_SUBSCRIPTION] : [])].map((t) => subscriptionTopic(t, config.mqtt.shareGroup));
    const topic = topics.join(', ');
    client.on('error', (err) => this.log.warn({ err: err.message }, 'mqtt error'));
    client.on('offline', () => this.log.warn({ url: this.opts.mqttUrl }, 'mqtt broker unreachable, reconnecting'));
    await new Promise<void>((resolve, reject) => {
      client.on('connect', (connack) => {
        this.connection++;
        this.log.info({ url: this.opts.mqttUrl, clientId: config.mqtt.clientId, sessionPresent: connack.sessionPresent }, 'mqtt connected');
        if (this.subscribed) return; // mqtt.js resubscribes by itself
        client.subscribe(topics, { qos: 1 }, (err, granted) => {
          // One grant per topic: the worst one decides (128 = refused).
          const code = granted?.length === topics.length ? Math.max(...granted.map((g) => g.qos)) : undefined;
          if (err || code === undefined || code > 2) {
            const hint = config.mqtt.shareGroup ? ' (shared subscriptions need an MQTT v5 broker such as Mosquitto 2)' : '';
            reject(new Error(`broker refused subscription to '${topic}'${hint}: ${err?.message ?? `reason code ${code}`}`));
            return;
          }
          this.subscribed = true;
          this.log.info({ topic }, 'subscribed');
          resolve();
        });
      });
    });
  }

  get isConnected(): boolean {
    return this.client?.connected === true && this.subscribed;
  }

  /**
   * Stops taking messages, makes everything received durable and acknowledged, then disconnects.
   * Messages that arrive meanwhile stay unacknowledged: the broker keeps them for the next start.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    // Bounded: a dead letter can wait on an unreachable broker forever. Whatever is still unfinished then
    // stays unacknowledged, and the broker redelivers it on the next start.
    const settled = await withTimeout(
      (async () => {
        while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
      })(),
      STOP_TIMEOUT_MS,
    );
    if (!settled) this.log.warn({ messages: this.inflight.size }, 'stopping with messages unfinished; they stay unacknowledged for redelivery');
    await this.stats?.stop();
    await this.writer?.stop();
    if (this.client && !(await withTimeout(this.client.endAsync(false), STOP_TIMEOUT_MS))) await this.client.endAsync(true);
    this.log.info('ingester stopped');
  }

  private onPublish(packet: IPublishPacket): void {
    if (this.stopping) return;
    const connection = this.connection;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : (packet.payload as Buffer);
    const task = this.handle(packet.topic, payload)
      .then(() => {
        if (packet.qos === 1 && packet.messageId !== undefined && connection === this.connection && this.client) {
          sendPuback(this.client, packet.messageId);
        }
      })
      .catch((err: unknown) => this.log.error({ err: errorMessage(err), topic: packet.topic }, 'message left unacknowledged; the broker will redeliver it'))
      .finally(() => this.inflight.delete(task));
    this.inflight.add(task);
  }

  private async handle(topic: string, payload: Buffer): Promise<void> {
    const receivedAtMs = Date.now();
    this.metrics.messagesReceived.inc();
    if (this.opts.weatherForecasts && topic.endsWith('/weather-forecast')) {
      const deadLetter = (r: Rejection) => this.deadLetter(topic, r, receivedAtMs);
      return ingestWeatherForecast(topic, payload, { store: this.opts.weatherForecasts, nowMs: receivedAtMs, log: this.log, deadLetter });
    }
    const { points, rejections } = parseTelemetryMessage(topic, payload, { nowMs: receivedAtMs, maxAgeMs: this.opts.config.ingest.maxAgeHours * 3_600_000 });
    const tasks = rejections.map((r) => this.deadLetter(topic, r, receivedAtMs));
    if (points.length > 0) {
      tasks.push(
        this.writer!.write(points).then(
          () => void this.metrics.readingsAccepted.inc(points.length),
          (err: unknown) => {
            if (!(err instanceof StoreRejectedError)) throw err;
            return this.deadLetter(topic, { reason: 'store_rejected', detail: err.message, payload }, receivedAtMs);
          },
        ),
      );
    }
    await Promise.all(tasks);
  }

  private async deadLetter(topic: string, rejection: Rejection, receivedAtMs: number): Promise<void> {
    this.metrics.readingsRejected.inc({ reason: rejection.reason });
    const letter = deadLetterMessage(topic, rejection, receivedAtMs);
    this.log.debug({ topic, reason: rejection.reason, detail: rejection.detail }, 'dead-lettered');
    await this.client!.publishAsync(letter.topic, letter.body, { qos: 1 });
  }

  /** Spooled readings the store refused on replay: one dead letter per meter. */
  private async deadLetterPoints(points: TelemetryPoint[], err: StoreRejectedError): Promise<void> {
    const byMeter = new Map<string, TelemetryPoint[]>();
    for (const p of points) {
      const topic = telemetryTopic(p.site, p.feeder, p.meter);
      byMeter.set(topic, [...(byMeter.get(topic) ?? []), p]);
    }
    await Promise.all(
      [...byMeter].map(([topic, group]) =>
        this.deadLetter(topic, { reason: 'store_rejected', detail: err.message, payload: Buffer.from(JSON.stringify(group)) }, Date.now()),
      ),
    );
  }
}

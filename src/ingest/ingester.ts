import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IPublishPacket, MqttClient } from 'mqtt';
import type { Registry } from 'prom-client';
import type { GridcastConfig } from '../config/index.js';
import { StoreRejectedError, StoreUnavailableError, errorMessage } from '../common/errors.js';
import { backoffDelayMs } from '../common/retry.js';
import type { Logger } from '../common/logger.js';
import { watchMqttConnection } from '../common/metrics.js';
import type { IngestStatsStore, PricesStore, TelemetryStore, WeatherForecastStore } from '../storage/index.js';
import { deadLetterMessage } from './deadletter.js';
import { DurableWriter } from './durableWriter.js';
import { IngestStatsReporter } from './ingestStats.js';
import { IngestMetrics } from './metrics.js';
import { connectCovering, connectMqtt, deferAcks, sendPuback, subscriptionTopic } from './mqttConnection.js';
import { parseTelemetryMessage, type ParsedMessage, type Rejection } from './parse.js';
import { Spool } from './spool.js';
import { ingestWeatherForecast } from './weatherForecastIngest.js';
import { ingestPrices } from './priceIngest.js';
import { ShareCover } from './shareCover.js';
import {
  type IngesterPresence,
  type TelemetryPoint,
  TELEMETRY_SUBSCRIPTION,
  WEATHER_FORECAST_SUBSCRIPTION,
  PRICE_SUBSCRIPTION,
  telemetryTopic,
  ingesterPresenceMember,
  ingesterPresenceSchema,
  ingesterPresenceSubscription,
  ingesterPresenceTopic,
} from '../contract/index.js';

const STOP_TIMEOUT_MS = 15_000;
/** Backoff while the spool itself can't take readings (disk full): the message stays in flight, reported as stuck. */
const DURABLE_RETRY = { minDelayMs: 500, maxDelayMs: 30_000, jitterMs: 250 };
/** Written next to the spool once the broker holds a session for this client id (see onConnect). */
const SESSION_MARKER = 'mqtt-session';

/** One connection messages arrive on: the ingester's own, or one covering an absent share-group member's session. */
interface Link {
  client: MqttClient;
  /** Bumped on every (re)connect: an ack owed on an older connection is not sent (the broker redelivers). */
  connection: number;
  closed: boolean;
  lastMessageAtMs: number;
}

/** A message received and not yet acknowledged. */
interface Unacked {
  receivedAtMs: number;
  topic: string;
  link: Link;
  connection: number;
}

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
  /** When given, the ingester also takes electricity prices (gridcast/v1/<site>/prices) into it. */
  prices?: PricesStore;
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
  private cover: ShareCover | undefined;
  /** Announcing on the share group's presence topic (once the broker granted reading it). */
  private presenceOn = false;
  /** The broker refused the presence topic (an older ACL): never announce. */
  private presenceRefusedByBroker = false;
  private writer: DurableWriter | undefined;
  private stats: IngestStatsReporter | undefined;
  private readonly inflight = new Set<Promise<void>>();
  private readonly unacked = new Set<Unacked>();
  /** Connections covering absent share-group members' sessions. */
  private readonly covers = new Map<MqttClient, Link>();
  private stuckTimer: NodeJS.Timeout | undefined;
  private stuckReported = 0;
  private stopping = false;
  /** Off once the broker has refused a meter's dead-letter copy (an older ACL): only the global one is sent then. */
  private meterDeadLetters = true;
  private subscribed = false;
  /** Messages whose readings the writer holds right now (not those waiting out a spool failure's backoff). */
  private storing = 0;
  /** Their readings. */
  private storingReadings = 0;
  /** Set while mqtt.js is held from reading on (too many messages storing): each lets one connection read its next packet. */
  private resumeReading: (() => void)[] = [];

  constructor(private readonly opts: IngesterOptions) {
    this.log = opts.logger.child({ component: 'ingest' });
    this.metrics = new IngestMetrics(opts.registry);
  }

  /** Opens the spool, connects and subscribes. Resolves once the subscription is in place. */
  async start(): Promise<void> {
    const { config } = this.opts;
    // One spool per ingester identity, so ingesters sharing a volume never share a spool.
    const spoolDir = join(config.ingest.spoolDir, config.mqtt.clientId);
    const spool = await Spool.open(spoolDir, this.log);
    if (spool.corruptRecords > 0) this.metrics.spoolCorruptRecords.inc(spool.corruptRecords);
    const sessionMarker = join(spoolDir, SESSION_MARKER);
    let expectSession = await readFile(sessionMarker, 'utf8').then(() => true, () => false);
    this.writer = new DurableWriter(this.opts.store, spool, this.metrics, this.log, config.ingest.batchMaxReadings, (points, err) =>
      this.deadLetterPoints(points, err),
    );
    this.writer.start();
    this.stats = new IngestStatsReporter(this.opts.ingestStats, this.metrics, config.mqtt.clientId, config.ingest.statsIntervalSeconds * 1000, this.log);
    this.stats.start();

    const group = config.mqtt.protocolVersion === 5 && config.mqtt.shareTakeoverSeconds > 0 ? config.mqtt.shareGroup : undefined;
    const will = group ? { topic: ingesterPresenceTopic(group, config.mqtt.clientId), payload: Buffer.from(this.presence('absent')), qos: 1 as const, retain: true } : undefined;
    const client = connectMqtt(this.opts.mqttUrl, config.mqtt, will);
    this.client = client;
    const main: Link = { client, connection: 0, closed: false, lastMessageAtMs: 0 };
    watchMqttConnection(this.opts.registry, 'ingester', client);
    deferAcks(client, (packet) => this.onPublish(packet, main), (resume) => this.holdBack(resume));
    if (group) {
      // Whatever a member may have subscribed to (its config can differ from this one's): all of it is unsubscribed from a retired member's session.
      const memberTopics = [TELEMETRY_SUBSCRIPTION, WEATHER_FORECAST_SUBSCRIPTION, PRICE_SUBSCRIPTION].map((t) => subscriptionTopic(t, group));
      this.cover = this.shareCover(group, [...memberTopics, ingesterPresenceSubscription(group)]);
    }
    const topics = [TELEMETRY_SUBSCRIPTION, ...(this.opts.weatherForecasts ? [WEATHER_FORECAST_SUBSCRIPTION] : []), ...(this.opts.prices ? [PRICE_SUBSCRIPTION] : [])].map((t) => subscriptionTopic(t, config.mqtt.shareGroup));
    const topic = topics.join(', ');
    client.on('error', (err) => this.log.warn({ err: err.message }, 'mqtt error'));
    client.on('offline', () => this.log.warn({ url: this.opts.mqttUrl }, 'mqtt broker unreachable, reconnecting'));
    await new Promise<void>((resolve, reject) => {
      client.on('connect', (connack) => {
        main.connection++;
        // Messages owed an ack on the old connection are redelivered on this one: they are not stuck.
        for (const m of this.unacked) if (m.link === main && m.connection !== main.connection) this.unacked.delete(m);
        if (this.presenceOn) this.announce('present');
        this.log.info({ url: this.opts.mqttUrl, clientId: config.mqtt.clientId, sessionPresent: connack.sessionPresent }, 'mqtt connected');
        // With clean: false the broker should still hold our session (and what it queued meanwhile) after a
        // reconnect or restart. Without one, whatever it had queued is gone: another client took this client id
        // (and started clean), or the broker lost its state (persistence off, session expired). MQTT v5 only: the
        // v3.1.1 broker gridcast runs itself (standalone, aedes) keeps sessions in memory and starts clean each run.
        if (expectSession && !connack.sessionPresent && config.mqtt.protocolVersion === 5) {
          this.metrics.sessionsLost.inc();
          this.log.warn(
            { clientId: config.mqtt.clientId, url: this.opts.mqttUrl },
            'mqtt session lost: the broker held no session for this client id, so readings it had queued for this ingester may be lost (another client using this client id? broker restarted without persistence?)',
          );
        }
        if (!expectSession) {
          expectSession = true;
          void writeFile(sessionMarker, `${config.mqtt.clientId}\n`).catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, 'could not record the mqtt session marker'));
        }
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
          this.watchStuck();
          if (group) this.watchShareGroup(group);
          resolve();
        });
      });
    });
  }

  /**
   * What /ready reports as `mqtt`: connected, subscribed, and no message stuck. A stuck message holds one of
   * the broker's in-flight slots (MQTT_RECEIVE_MAXIMUM) for good; once they are all held nothing arrives, though
   * the connection is up.
   */
  get isConnected(): boolean {
    return this.client?.connected === true && this.subscribed && this.stuckMessages() === 0;
  }

  /** Messages received but neither acknowledged nor dead-lettered for longer than INGEST_STUCK_AFTER_SECONDS. */
  stuckMessages(nowMs = Date.now()): number {
    const limitMs = this.opts.config.ingest.stuckAfterSeconds * 1000;
    let n = 0;
    for (const m of this.unacked) if (nowMs - m.receivedAtMs > limitMs) n++;
    return n;
  }

  private watchStuck(): void {
    const everyMs = Math.min(5000, (this.opts.config.ingest.stuckAfterSeconds * 1000) / 2);
    this.stuckTimer = setInterval(() => {
      const stuck = this.stuckMessages();
      this.metrics.messagesStuck.set(stuck);
      this.metrics.messagesUnacked.set(this.unacked.size);
      if (stuck > 0 && this.stuckReported === 0) {
        const oldest = [...this.unacked].reduce((a, b) => (a.receivedAtMs <= b.receivedAtMs ? a : b));
        this.log.warn({ stuck, oldestTopic: oldest.topic, oldestAgeSeconds: (Date.now() - oldest.receivedAtMs) / 1000 }, 'messages stuck: neither acknowledged nor dead-lettered');
      } else if (stuck === 0 && this.stuckReported > 0) {
        this.log.info('no messages stuck any more');
      }
      this.stuckReported = stuck;
    }, everyMs);
    this.stuckTimer.unref();
  }

  /**
   * Stops taking messages, makes everything received durable and acknowledged, then disconnects.
   * Messages that arrive meanwhile stay unacknowledged: the broker keeps them for the next start.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.releaseReading();
    this.cover?.stopTaking();
    // Bounded: a dead letter can wait on an unreachable broker forever. Whatever is still unfinished then
    // stays unacknowledged, and the broker redelivers it on the next start.
    const settled = await withTimeout(
      (async () => {
        while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
      })(),
      STOP_TIMEOUT_MS,
    );
    if (!settled) this.log.warn({ messages: this.inflight.size }, 'stopping with messages unfinished; they stay unacknowledged for redelivery');
    clearInterval(this.stuckTimer);
    await this.cover?.stop();
    await this.stats?.stop();
    await this.writer?.stop();
    // Only now, with everything received acknowledged: a survivor taking the session over any sooner would cut
    // this connection off mid-drain.
    await this.announceAbsent();
    if (this.client && !(await withTimeout(this.client.endAsync(false), STOP_TIMEOUT_MS))) await this.client.endAsync(true);
    this.log.info('ingester stopped');
  }

  /**
   * Called after each message is handed over: true holds mqtt.js from reading the next packet until `resume`.
   * Mosquitto 2.0.11 keeps to MQTT_RECEIVE_MAXIMUM only until the first acknowledgements: it then had 50,000
   * single readings in flight to one ingester (300 MB of heap, bench:ingest). So the ingester bounds them itself:
   * once MQTT_RECEIVE_MAXIMUM messages wait on the writer it stops reading, TCP fills and the broker waits.
   * Only messages the writer holds count: their progress needs nothing from the broker, so reading always
   * resumes (one waiting on a dead letter's PUBACK, which comes in behind, would deadlock). A spool failure's
   * backoff does not count either: a full disk must not stop the connection's keepalive.
   */
  private holdBack(resume: () => void): boolean {
    if (this.stopping || !this.tooManyStoring()) return false;
    this.resumeReading.push(resume);
    this.metrics.readingHeld.inc();
    return true;
  }

  /**
   * MQTT_RECEIVE_MAXIMUM messages, or four batches' worth of readings (INGEST_BATCH_MAX_READINGS): enough for the
   * writer to fill its batches with two writes in flight; 1,000 arrays of 100 would be 100,000 readings in memory.
   */
  private tooManyStoring(): boolean {
    const { mqtt, ingest } = this.opts.config;
    return this.storing >= mqtt.receiveMaximum || this.storingReadings >= 4 * ingest.batchMaxReadings;
  }

  private releaseReading(): void {
    for (const resume of this.resumeReading.splice(0)) resume();
  }

  private onPublish(packet: IPublishPacket, link: Link): void {
    if (this.stopping) return;
    const entry: Unacked = { receivedAtMs: Date.now(), topic: packet.topic, link, connection: link.connection };
    link.lastMessageAtMs = entry.receivedAtMs;
    this.unacked.add(entry);
    this.metrics.messagesUnacked.set(this.unacked.size);
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : (packet.payload as Buffer);
    const ack = () => {
      this.unacked.delete(entry);
      this.metrics.messagesUnacked.set(this.unacked.size);
      if (packet.qos === 1 && packet.messageId !== undefined && entry.connection === link.connection && !link.closed) {
        sendPuback(link.client, packet.messageId);
      }
    };
    const member = this.cover ? ingesterPresenceMember(packet.topic, this.opts.config.mqtt.shareGroup!) : undefined;
    // A covered member's session also holds the presence messages queued for it while it was away: old news, in
    // whatever order they were redelivered (its own "present" of before the stop among them). Only this ingester's
    // own subscription says who is present now.
    const handled = member === undefined ? this.handle(packet.topic, payload) : this.covers.has(link.client) ? Promise.resolve() : Promise.resolve().then(() => this.onPresence(member, payload));
    const task = handled
      .then(ack, async (err: unknown) => {
        // Not made durable because the process is stopping, a dead letter could not be published (broker gone)
        // or the store stayed down for a message that has no spool (weather forecasts): leave it unacknowledged,
        // the broker redelivers it.
        if (this.stopping || err instanceof DeadLetterUnsent || err instanceof StoreUnavailableError) throw err;
        // Anything else is a fault in handling this one message. Retrying it would fail the same way and hold an
        // in-flight slot for good, so it ends as a dead letter (with the whole payload) and is acknowledged.
        this.log.error({ err: errorMessage(err), topic: packet.topic }, 'message could not be processed: dead-lettered');
        await this.deadLetter(packet.topic, { reason: 'processing_failed', detail: `the ingester failed on this message (${errorMessage(err)}); it was not stored`, payload }, entry.receivedAtMs);
        ack();
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
    if (this.opts.prices && topic.endsWith('/prices')) {
      const deadLetter = (r: Rejection) => this.deadLetter(topic, r, receivedAtMs);
      return ingestPrices(topic, payload, { store: this.opts.prices, nowMs: receivedAtMs, log: this.log, deadLetter });
    }
    const { ingest } = this.opts.config;
    let parsed: ParsedMessage;
    try {
      parsed = parseTelemetryMessage(topic, payload, { nowMs: receivedAtMs, maxAgeMs: ingest.maxAgeHours * 3_600_000, powerLimitsKw: ingest.powerLimitsKw });
    } catch (err) {
      // The parser is meant never to throw; if some input still makes it, that input is the problem.
      parsed = { points: [], rejections: [{ reason: 'processing_failed', detail: `the payload could not be validated (${errorMessage(err)})`, payload }] };
    }
    const { points, rejections } = parsed;
    const tasks = rejections.map((r) => this.deadLetter(topic, r, receivedAtMs));
    if (points.length > 0) {
      tasks.push(
        this.writeDurably(points).then(
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

  /** Survivors take over an absent member's session (src/ingest/shareCover.ts). */
  private shareCover(group: string, topics: string[]): ShareCover {
    const { config } = this.opts;
    return new ShareCover({
      self: config.mqtt.clientId,
      takeoverAfterMs: config.mqtt.shareTakeoverSeconds * 1000,
      open: (member) => {
        // The member's own session: its subscriptions are in it, so nothing is subscribed here.
        const client = connectCovering(this.opts.mqttUrl, config.mqtt, member);
        const link: Link = { client, connection: 1, closed: false, lastMessageAtMs: 0 };
        this.covers.set(client, link);
        deferAcks(client, (packet) => this.onPublish(packet, link), (resume) => this.holdBack(resume));
        return client;
      },
      closed: (client) => {
        const link = this.covers.get(client);
        if (!link) return;
        this.covers.delete(client);
        link.closed = true;
        // Redelivered to whoever holds the session next: not stuck here.
        for (const m of this.unacked) if (m.link === link) this.unacked.delete(m);
        this.metrics.messagesUnacked.set(this.unacked.size);
      },
      drained: async (client) => {
        const link = this.covers.get(client);
        for (let quietSince = Date.now(); link && !link.closed; await new Promise((r) => setTimeout(r, 100))) {
          if ([...this.unacked].some((m) => m.link === link) || link.lastMessageAtMs > quietSince) quietSince = Date.now();
          else if (Date.now() - quietSince >= 1000) return;
        }
      },
      topics,
      log: this.log,
      covered: this.metrics.sharesCovered,
      takeovers: this.metrics.shareTakeovers,
    });
  }

  /**
   * Reads the group's presence topic, then announces this member there. Announcing only once reading is granted:
   * Mosquitto drops the connection of a client that publishes where the ACL says no, so an ACL from before this
   * topic would otherwise cut the ingester off on every connect.
   */
  private watchShareGroup(group: string): void {
    const topic = ingesterPresenceSubscription(group);
    this.client!.subscribe(topic, { qos: 1 }, (err, granted) => {
      if (err || (granted?.[0]?.qos ?? 128) > 2) return this.presenceRefused(err?.message ?? `reason code ${granted?.[0]?.qos}`);
      if (this.stopping) return; // stop() says absent: a late "present" must not follow it
      this.presenceOn = true;
      this.announce('present');
      this.cover!.start();
    });
  }

  private presence(state: IngesterPresence['state']): string {
    return JSON.stringify({ state, clientId: this.opts.config.mqtt.clientId } satisfies IngesterPresence);
  }

  private announce(state: IngesterPresence['state']): Promise<void> {
    const { mqtt: cfg } = this.opts.config;
    return this.client!.publishAsync(ingesterPresenceTopic(cfg.shareGroup!, cfg.clientId), this.presence(state), { qos: 1, retain: true }).then(
      () => undefined,
      (err: unknown) => {
        if (/authori[sz]ed/i.test(errorMessage(err))) this.presenceRefused(errorMessage(err));
        else this.log.warn({ err: errorMessage(err), state }, 'could not announce this ingester to its share group');
      },
    );
  }

  private presenceRefused(why: string): void {
    this.presenceOn = false;
    this.presenceRefusedByBroker = true;
    this.cover?.stopTaking();
    this.log.error(
      { err: why },
      "the broker refused the share group's presence topic: survivors won't take over a stopped member's share (the broker queues it for that member until it is back). Fix: let the ingester's user read and write gridcast/v1/ingesters/+/+/presence (deploy/mosquitto/acl)",
    );
  }

  private onPresence(member: string, payload: Buffer): void {
    if (payload.length === 0) return this.cover!.onPresence(member, undefined); // retained presence cleared: retired
    let presence: IngesterPresence;
    try {
      presence = ingesterPresenceSchema.parse(JSON.parse(payload.toString('utf8')));
    } catch (err) {
      this.log.warn({ member, err: errorMessage(err) }, 'ignored a share-group presence message that is not {"state":"present"|"absent"}');
      return;
    }
    this.cover!.onPresence(member, presence);
  }

  /** Tells the share group this member is going (its will says so only when the connection drops). */
  private async announceAbsent(): Promise<void> {
    // Also when stopped before the presence subscription was granted: the survivors must hear of it either way.
    if (this.cover && !this.presenceRefusedByBroker && this.client?.connected) await withTimeout(this.announce('absent'), 5000);
  }

  /**
   * Store or spool; when even the spool fails (disk full, permissions) it tries again with backoff, the message
   * still unacknowledged (and, after INGEST_STUCK_AFTER_SECONDS, reported as stuck).
   */
  private async writeDurably(points: TelemetryPoint[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let failure: { err: unknown } | undefined;
      this.storing++;
      this.storingReadings += points.length;
      try {
        await this.writer!.write(points);
      } catch (err) {
        failure = { err };
      } finally {
        this.storing--;
        this.storingReadings -= points.length;
        if (!this.tooManyStoring()) this.releaseReading();
      }
      if (!failure) return;
      const { err } = failure;
      if (err instanceof StoreRejectedError || this.stopping || err instanceof StoreUnavailableError) throw err;
      await new Promise((r) => setTimeout(r, backoffDelayMs(Math.min(attempt, 8), DURABLE_RETRY)));
    }
  }

  private async deadLetter(topic: string, rejection: Rejection, receivedAtMs: number): Promise<void> {
    this.metrics.readingsRejected.inc({ reason: rejection.reason });
    const letter = deadLetterMessage(topic, rejection, receivedAtMs);
    this.log.debug({ topic, reason: rejection.reason, detail: rejection.detail }, 'dead-lettered');
    const [global, ...meterCopies] = this.meterDeadLetters ? letter.topics : letter.topics.slice(0, 1);
    const sent = Promise.all(meterCopies.map((t) => this.client!.publishAsync(t, letter.body, { qos: 1 }).then(() => undefined, (err: unknown) => ({ topic: t, err }))));
    try {
      // The global dead letter is the record: the message is acknowledged only once the broker has it.
      await this.client!.publishAsync(global!, letter.body, { qos: 1 });
    } catch (err) {
      throw new DeadLetterUnsent(errorMessage(err));
    }
    // The meter's own copy tells it why; a broker that refuses it (an ACL from before that topic) must not hold
    // up the message, which is recorded already. Mosquitto also drops the connection of a client that publishes
    // where it may not, so the message may come again once (a duplicate global dead letter): meter copies stop
    // until restart, or every redelivery would be refused and redelivered again.
    const refused = (await sent).filter((r) => r !== undefined);
    if (refused.length > 0) {
      this.metrics.meterDeadLettersRefused.inc(refused.length);
      this.meterDeadLetters = false;
      this.log.error(
        { topic: refused[0]!.topic, err: errorMessage(refused[0]!.err) },
        "the broker refused the meter's dead-letter copy (the global one was sent); meters' own dead letters are off until restart. Fix: let the ingester's user write gridcast/v1/+/+/+/deadletter in the ACL (deploy/mosquitto/acl)",
      );
    }
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

/** The broker did not take a dead letter: the message it belongs to stays unacknowledged. */
class DeadLetterUnsent extends Error {
  constructor(message: string) {
    super(`dead letter not published: ${message}`);
    this.name = 'DeadLetterUnsent';
  }
}

import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ingester } from '../../src/ingest/index.js';
import { gatedStore, metricValue, startIngester } from '../support/platformHarness.js';
import { Influxd, Mosquitto, sleep } from '../support/services.js';
import { connectPublisher } from '../support/telemetryFixtures.js';
import { telemetryTopic } from '../../src/contract/index.js';

/**
 * The lossless guarantee rests on acknowledging a message only once its readings are durable (deferred PUBACKs
 * through mqtt.js internals, src/ingest/mqttConnection.ts). Deterministic check: hold the store write open, cut
 * the ingester's connection as a crash would, and take over its session with a second client: the broker must
 * redeliver every message of the held batch, i.e. none of them was acknowledged.
 */
let mosquitto: Mosquitto;
let influxd: Influxd;
let publisher: MqttClient;

beforeAll(async () => {
  [mosquitto, influxd] = await Promise.all([Mosquitto.start(), Influxd.start()]);
  publisher = await connectPublisher(mosquitto.url);
});
afterAll(async () => {
  await publisher?.endAsync();
  await Promise.all([mosquitto?.destroy(), influxd?.destroy()]);
});

/** The ingester's MQTT client (private): the test cuts its socket the way a SIGKILL would. */
const clientOf = (ingester: Ingester) => (ingester as unknown as { client: MqttClient }).client;

describe('deferred acknowledgements', { timeout: 60_000 }, () => {
  it('while a store write is held open, no message of that batch is acknowledged: after a crash the broker redelivers all 50', async () => {
    const db = 'heldacks';
    const clientId = 'held-acks-ingester';
    const gate = gatedStore();
    const ing = await startIngester(mosquitto.url, influxd.url, db, { MQTT_CLIENT_ID: clientId }, gate.wrap);
    const payloads: string[] = [];
    try {
      gate.hold();
      const now = Date.now();
      for (let i = 0; i < 50; i++) {
        const payload = JSON.stringify({ ts: now - 60_000 + i, kind: 'load', powerKw: i });
        payloads.push(payload);
        await publisher.publishAsync(telemetryTopic('site-a', 'f1', `m${i % 5}`), payload, { qos: 1 });
      }
      // Every message reached the ingester and sits behind the held write (or in its queue).
      for (const until = Date.now() + 10_000; gate.writes.length === 0 && Date.now() < until; ) await sleep(20);
      expect(gate.writes.length).toBeGreaterThan(0);
      await sleep(500);
      expect(ing.ingester.stuckMessages(Date.now() + 3_600_000)).toBe(50);

      // Crash: the socket goes away without a DISCONNECT, nothing more is sent.
      const client = clientOf(ing.ingester);
      client.options.reconnectPeriod = 0;
      client.stream.destroy();
      await client.endAsync(true);

      // A second client takes over the session: the broker resends what was never acknowledged.
      const redelivered: string[] = [];
      const observer = mqtt.connect(mosquitto.url, { protocolVersion: 5, clientId, clean: false, properties: { sessionExpiryInterval: 3600 }, reconnectPeriod: 0 });
      observer.on('message', (_t, p) => redelivered.push(p.toString()));
      for (const until = Date.now() + 10_000; redelivered.length < 50 && Date.now() < until; ) await sleep(50);
      await sleep(300);
      await observer.endAsync();
      expect(redelivered.length).toBe(50);
      expect(new Set(redelivered)).toEqual(new Set(payloads));
    } finally {
      gate.release();
      await ing.stop();
    }
  });
  it('stops reading from the broker once MQTT_RECEIVE_MAXIMUM messages wait on the store, and reads on as they are stored: all 60 end up stored', async () => {
    const db = 'heldreads';
    const gate = gatedStore();
    const ing = await startIngester(mosquitto.url, influxd.url, db, { MQTT_CLIENT_ID: 'held-reads-ingester', MQTT_RECEIVE_MAXIMUM: '10' }, gate.wrap);
    try {
      gate.hold();
      const now = Date.now();
      for (let i = 0; i < 60; i++) {
        await publisher.publishAsync(telemetryTopic('site-a', 'f1', `m${i % 5}`), JSON.stringify({ ts: now - 60_000 + i, kind: 'load', powerKw: i }), { qos: 1 });
      }
      for (const until = Date.now() + 10_000; (await metricValue(ing.registry, 'gridcast_ingest_mqtt_reads_held_total')) === 0 && Date.now() < until; ) await sleep(20);
      await sleep(500);
      // Held: ten messages taken, the other fifty wait at the broker (or in TCP), whatever it would send.
      expect(await metricValue(ing.registry, 'gridcast_ingest_mqtt_reads_held_total')).toBeGreaterThan(0);
      expect(ing.ingester.stuckMessages(Date.now() + 3_600_000)).toBe(10);
      gate.release();
      for (const until = Date.now() + 20_000; (await metricValue(ing.registry, 'gridcast_ingest_readings_accepted_total')) < 60 && Date.now() < until; ) await sleep(50);
      expect(await metricValue(ing.registry, 'gridcast_ingest_readings_accepted_total')).toBe(60);
      const series = await influxd.query(db, 'SELECT count(power_kw) FROM telemetry');
      expect(Number(series[0]?.values[0]?.[1])).toBe(60);
    } finally {
      gate.release();
      await ing.stop();
    }
  });
});

import { spawn } from 'node:child_process';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeadLetter } from '../../src/ingest/index.js';
import { countPoints, gatedStore, metricValue, readAllRows, startIngester, waitForCount } from '../support/platformHarness.js';
import { Influxd, Mosquitto, findBinary, sleep } from '../support/services.js';
import { connectPublisher } from '../support/telemetryFixtures.js';
import { DEADLETTER_TOPIC, telemetryTopic } from '../../src/contract/index.js';

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

/** `mosquitto_pub -l`: one message per stdin line, as in the reproduction. */
async function mosquittoPubLines(topic: string, lines: string): Promise<void> {
  const proc = spawn(findBinary('mosquitto_pub', 'mosquitto-clients'), ['-p', String(mosquitto.port), '-h', '127.0.0.1', '-q', '1', '-t', topic, '-l'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  proc.stdin.end(lines);
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  expect(code, err).toBe(0);
}

async function deadLetterWatcher(): Promise<{ letters: DeadLetter[]; close(): Promise<void> }> {
  const watcher = await connectPublisher(mosquitto.url);
  const letters: DeadLetter[] = [];
  watcher.on('message', (_t, payload) => letters.push(JSON.parse(payload.toString()) as DeadLetter));
  await watcher.subscribeAsync(DEADLETTER_TOPIC, { qos: 1 });
  return { letters, close: () => watcher.endAsync() };
}

describe('poison messages', { timeout: 90_000 }, () => {
  it('1,000 arrays nested 5,000 deep (= MQTT_RECEIVE_MAXIMUM) are dead-lettered and acknowledged; the next valid reading is stored', async () => {
    const db = 'poison';
    const ing = await startIngester(mosquitto.url, influxd.url, db, { MQTT_RECEIVE_MAXIMUM: '1000' });
    const watcher = await deadLetterWatcher();
    try {
      const topic = telemetryTopic('x', 'f1', 'm1');
      const d = 5000;
      await mosquittoPubLines(topic, `${'['.repeat(d)}${']'.repeat(d)}\n`.repeat(1000));
      const now = Date.now();
      await publisher.publishAsync(telemetryTopic('x', 'f1', 'm2'), JSON.stringify({ ts: now - 1000, kind: 'load', powerKw: 4.25 }), { qos: 1 });

      expect(await waitForCount(() => countPoints(influxd, db), 1, 30_000)).toBe(1);
      expect((await readAllRows(influxd, db)).map((r) => [r.meter, r.power_kw])).toEqual([['m2', 4.25]]);
      for (const until = Date.now() + 20_000; watcher.letters.length < 1000 && Date.now() < until; ) await sleep(100);
      expect(watcher.letters).toHaveLength(1000);
      expect(new Set(watcher.letters.map((l) => l.reason))).toEqual(new Set(['invalid_payload_shape']));
      expect(watcher.letters[0]!.detail).toMatch(/levels deep/);
      expect(await metricValue(ing.registry, 'gridcast_ingest_messages_unacked')).toBe(0);
      expect(ing.ingester.isConnected).toBe(true);
    } finally {
      await watcher.close();
      await ing.stop();
    }
  });

  it('a message the ingester itself fails on is dead-lettered as processing_failed and acknowledged, not left in flight', async () => {
    const db = 'faulty';
    const watcher = await deadLetterWatcher();
    // Fault injection: reading the power bound of kind 'pv' throws, as a bug in validation would.
    const faulty = new Proxy<Record<string, number>>({}, {
      get(_t, kind) {
        if (kind === 'pv') throw new Error('bug in validation');
        return undefined;
      },
    });
    const ing = await startIngester(mosquitto.url, influxd.url, db, {}, (s) => s, (config) => ({ ...config, ingest: { ...config.ingest, powerLimitsKw: faulty } }));
    try {
      const now = Date.now();
      await publisher.publishAsync(telemetryTopic('x', 'f1', 'm4'), JSON.stringify({ ts: now - 1000, kind: 'pv', powerKw: 1 }), { qos: 1 });
      await publisher.publishAsync(telemetryTopic('x', 'f1', 'm4'), JSON.stringify({ ts: now - 1000, kind: 'load', powerKw: 2 }), { qos: 1 });
      expect(await waitForCount(() => countPoints(influxd, db), 1, 15_000)).toBe(1);
      for (const until = Date.now() + 10_000; watcher.letters.length < 1 && Date.now() < until; ) await sleep(50);
      expect(watcher.letters.map((l) => [l.reason, l.topic])).toEqual([['processing_failed', telemetryTopic('x', 'f1', 'm4')]]);
      expect(watcher.letters[0]!.detail).toMatch(/bug in validation/);
      expect(JSON.parse(watcher.letters[0]!.payload)).toMatchObject({ kind: 'pv', powerKw: 1 });
      await sleep(300);
      expect(ing.ingester.stuckMessages(Date.now() + 3_600_000)).toBe(0);
    } finally {
      await watcher.close();
      await ing.stop();
    }
  });

  it('a message neither acknowledged nor dead-lettered for INGEST_STUCK_AFTER_SECONDS shows as stuck (metric, readiness) until it is done', async () => {
    const db = 'stuck';
    const gate = gatedStore();
    const ing = await startIngester(mosquitto.url, influxd.url, db, { INGEST_STUCK_AFTER_SECONDS: '1' }, gate.wrap);
    try {
      expect(ing.ingester.isConnected).toBe(true);
      gate.hold();
      await publisher.publishAsync(telemetryTopic('x', 'f1', 'm3'), JSON.stringify({ ts: Date.now() - 1000, kind: 'load', powerKw: 1.5 }), { qos: 1 });
      await sleep(2500);
      expect(gate.writes.length).toBeGreaterThan(0);
      // isConnected is what /ready reports as its `mqtt` check.
      expect(ing.ingester.isConnected).toBe(false);
      expect(ing.ingester.stuckMessages()).toBe(1);
      expect(await metricValue(ing.registry, 'gridcast_ingest_messages_stuck')).toBe(1);

      gate.release();
      expect(await waitForCount(() => countPoints(influxd, db), 1, 10_000)).toBe(1);
      await sleep(1200);
      expect(ing.ingester.stuckMessages()).toBe(0);
      expect(await metricValue(ing.registry, 'gridcast_ingest_messages_stuck')).toBe(0);
      expect(ing.ingester.isConnected).toBe(true);
    } finally {
      gate.release();
      await ing.stop();
    }
  });
});

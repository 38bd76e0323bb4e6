import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeadLetter } from '../../src/ingest/index.js';
import { countPoints, metricValue, startIngester } from '../support/platformHarness.js';
import { Influxd, Mosquitto, sleep } from '../support/services.js';
import { connectPublisher } from '../support/telemetryFixtures.js';
import { DEADLETTER_TOPIC, telemetryTopic } from '../../src/contract/index.js';

/**
 * `store_rejected`: the store refuses the data itself. Provoked for real: a string `power_kw` written into the
 * same InfluxDB shard first, so every float power_kw there is a field type conflict (HTTP 400).
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

async function poisonShard(db: string, timeMs: number): Promise<void> {
  const res = await fetch(`${influxd.url}/write?db=${db}&precision=ms`, { method: 'POST', body: `telemetry,feeder=f0,kind=load,meter=conflict,site=s power_kw="text" ${timeMs}` });
  expect(res.status).toBe(204);
}

async function watchDeadLetters(): Promise<{ letters: DeadLetter[]; close(): Promise<void> }> {
  const watcher = await connectPublisher(mosquitto.url);
  const letters: DeadLetter[] = [];
  watcher.on('message', (_t, p) => letters.push(JSON.parse(p.toString()) as DeadLetter));
  await watcher.subscribeAsync(DEADLETTER_TOPIC, { qos: 1 });
  return { letters, close: () => watcher.endAsync() };
}

async function until(predicate: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  for (const end = Date.now() + timeoutMs; !(await predicate()) && Date.now() < end; ) await sleep(100);
}

describe('store_rejected dead letters', { timeout: 90_000 }, () => {
  it('a batch InfluxDB refuses (field type conflict) is dead-lettered as store_rejected and acknowledged', async () => {
    const db = 'rejected';
    const ing = await startIngester(mosquitto.url, influxd.url, db);
    const watch = await watchDeadLetters();
    try {
      const ts = Date.now() - 60_000;
      await poisonShard(db, ts - 1000);
      const payload = JSON.stringify({ ts, kind: 'load', powerKw: 2.5 });
      await publisher.publishAsync(telemetryTopic('s', 'f1', 'm1'), payload, { qos: 1 });
      await until(() => watch.letters.length >= 1, 15_000);
      expect(watch.letters.map((l) => [l.reason, l.topic, l.payload])).toEqual([['store_rejected', telemetryTopic('s', 'f1', 'm1'), payload]]);
      expect(watch.letters[0]!.detail).toMatch(/field type conflict/);
      expect(await countPoints(influxd, db)).toBe(1); // the string written by poisonShard only
      // Acknowledged: nothing left in flight, nothing redelivered.
      await sleep(500);
      expect(ing.ingester.stuckMessages(Date.now() + 3_600_000)).toBe(0);
      const rejected = await ing.registry.getSingleMetricAsString('gridcast_ingest_readings_rejected_total');
      expect(rejected).toContain('gridcast_ingest_readings_rejected_total{reason="store_rejected"} 1');
    } finally {
      await watch.close();
      await ing.stop();
    }
  });

  it('spooled readings InfluxDB refuses on replay are dead-lettered (one letter per meter) and the spool empties', async () => {
    const db = 'rejectedreplay';
    const ing = await startIngester(mosquitto.url, influxd.url, db, { INFLUX_TIMEOUT_MS: '1000' });
    const watch = await watchDeadLetters();
    try {
      const ts = Date.now() - 60_000;
      await poisonShard(db, ts - 1000);
      await influxd.stop();
      for (const m of ['m1', 'm2']) {
        for (let i = 0; i < 3; i++) await publisher.publishAsync(telemetryTopic('s', 'f1', m), JSON.stringify({ ts: ts + i, kind: 'load', powerKw: i }), { qos: 1 });
      }
      await until(async () => (await metricValue(ing.registry, 'gridcast_spool_depth_readings')) === 6, 20_000);
      expect(await metricValue(ing.registry, 'gridcast_spool_depth_readings')).toBe(6);
      expect(watch.letters).toEqual([]);

      await influxd.start();
      // One letter per meter of each refused spool record (a record is one batch), together all 6 readings.
      const inLetters = () => watch.letters.flatMap((l) => (JSON.parse(l.payload) as { meter: string; timeMs: number }[]).map((p) => ({ reason: l.reason, topic: l.topic, meter: p.meter, timeMs: p.timeMs })));
      await until(() => inLetters().length >= 6, 60_000);
      await until(async () => (await metricValue(ing.registry, 'gridcast_spool_depth_readings')) === 0, 5000);
      const byMeter = (m: string) => inLetters().filter((x) => x.meter === m);
      for (const m of ['m1', 'm2']) {
        expect(byMeter(m).map((x) => x.timeMs).sort()).toEqual([ts, ts + 1, ts + 2]);
        expect(new Set(byMeter(m).map((x) => `${x.reason} ${x.topic}`))).toEqual(new Set([`store_rejected ${telemetryTopic('s', 'f1', m)}`]));
      }
      expect(inLetters()).toHaveLength(6);
      expect(await metricValue(ing.registry, 'gridcast_spool_depth_readings')).toBe(0);
      expect(await countPoints(influxd, db)).toBe(1); // the string written by poisonShard only
    } finally {
      await watch.close();
      await ing.stop();
    }
  });
});

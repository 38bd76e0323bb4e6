import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REJECT_REASONS, type DeadLetter, type RejectReason } from '../../src/ingest/index.js';
import { Influxd, Mosquitto, sleep } from '../support/services.js';
import { countPoints, readAllRows, startIngester, waitForCount } from '../support/platformHarness.js';
import { connectPublisher, fleetReadings, publishAll, toMessages } from '../support/telemetryFixtures.js';
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

describe('ingest: Mosquitto → ingester → InfluxDB', () => {
  it('stores exactly 100,000 readings from 1,000 meters (half as arrays of 100): values and tags exact', async () => {
    const db = 'bulk';
    const ing = await startIngester(mosquitto.url, influxd.url, db);
    try {
      const readings = fleetReadings({ meters: 1000, perMeter: 100, startMs: Date.now() - 3_600_000 });
      const messages = toMessages(readings, 100, 2);
      expect(messages.length).toBe(500 + 50_000);
      await publishAll(publisher, messages);
      expect(await waitForCount(() => countPoints(influxd, db), 100_000)).toBe(100_000);

      const rows = await readAllRows(influxd, db);
      expect(rows).toHaveLength(100_000);
      const stored = new Map(rows.map((r) => [`${r.site}/${r.feeder}/${r.meter}/${r.kind}@${r.timeMs}`, r]));
      let mismatches = 0;
      for (const { site, feeder, meter, reading } of readings) {
        const row = stored.get(`${site}/${feeder}/${meter}/load@${reading.ts}`);
        if (!row || row.power_kw !== reading.powerKw || row.voltage_v !== reading.voltageV) mismatches++;
      }
      expect(mismatches).toBe(0);
      const metrics = await ing.registry.getSingleMetricAsString('gridcast_ingest_readings_accepted_total');
      expect(metrics).toContain('gridcast_ingest_readings_accepted_total 100000');
    } finally {
      await ing.stop();
    }
  });

  it('dead-letters each kind of bad payload with its reason and keeps the good readings around it', async () => {
    const db = 'badinput';
    const ing = await startIngester(mosquitto.url, influxd.url, db);
    const watcher = await connectPublisher(mosquitto.url);
    const letters: DeadLetter[] = [];
    watcher.on('message', (_t, payload) => letters.push(JSON.parse(payload.toString()) as DeadLetter));
    await watcher.subscribeAsync(DEADLETTER_TOPIC, { qos: 1 });
    try {
      const now = Date.now();
      const topic = telemetryTopic('site-b', 'f1', 'm1');
      const good = (i: number) => JSON.stringify({ ts: now - 60_000 + i, kind: 'load', powerKw: i });
      const cases: [RejectReason, string, string | Buffer][] = [
        ['invalid_json', topic, 'not json'],
        ['invalid_json', topic, '{"ts": 1, "kind": "load", "powerKw": 3'],
        ['invalid_json', topic, Buffer.from([0xff, 0xfe, 0x00, 0x01])],
        ['invalid_payload_shape', topic, '"a string"'],
        ['invalid_payload_shape', topic, '[]'],
        ['invalid_payload_shape', topic, 'null'],
        ['payload_too_large', topic, 'x'.repeat(256 * 1024 + 10)],
        ['too_many_readings', topic, JSON.stringify(Array.from({ length: 1001 }, (_, i) => ({ ts: now - i, kind: 'load', powerKw: 1 })))],
        ['missing_field', topic, JSON.stringify({ kind: 'load', powerKw: 1 })],
        ['missing_field', topic, JSON.stringify({ ts: now, powerKw: 1 })],
        ['missing_field', topic, JSON.stringify({ ts: now, kind: 'pv' })],
        ['invalid_field', topic, JSON.stringify({ ts: now, kind: 'load', powerKw: '1.5' })],
        ['invalid_field', topic, JSON.stringify({ ts: now, kind: 'coal', powerKw: 1 })],
        ['invalid_field', topic, JSON.stringify({ ts: '22/11/2026 10:00', kind: 'load', powerKw: 1 })],
        ['invalid_field', topic, JSON.stringify({ ts: now, kind: 'battery', powerKw: 1, socPct: -3 })],
        ['unknown_field', topic, JSON.stringify({ ts: now, kind: 'load', powerKw: 1, powerKW: 2 })],
        ['non_finite_value', topic, `{"ts": ${now}, "kind": "load", "powerKw": NaN}`],
        ['non_finite_value', topic, `{"ts": ${now}, "kind": "load", "powerKw": 1e999}`],
        ['non_finite_value', topic, `{"ts": ${now}, "kind": "load", "powerKw": -Infinity}`],
        ['timestamp_in_future', topic, JSON.stringify({ ts: now + 10 * 60_000, kind: 'load', powerKw: 1 })],
        ['timestamp_too_old', topic, JSON.stringify({ ts: now - 8 * 86_400_000, kind: 'load', powerKw: 1 })],
        ['timestamp_too_old', topic, JSON.stringify({ ts: Math.floor(now / 1000), kind: 'load', powerKw: 1 })],
        ['invalid_topic', 'gridcast/v1/site b/f1/m1/telemetry', good(0)],
        ['invalid_topic', `gridcast/v1/${'s'.repeat(65)}/f1/m1/telemetry`, good(0)],
        ['invalid_topic', 'gridcast/v1/site.b/f1/m1/telemetry', good(0)],
      ];
      let goodCount = 0;
      for (const [, badTopic, payload] of cases) {
        await publisher.publishAsync(topic, good(goodCount++), { qos: 1 });
        await publisher.publishAsync(badTopic, payload as Buffer, { qos: 1 });
      }
      // An array mixing good and bad readings: the good ones are stored, each bad one reported with its index.
      await publisher.publishAsync(
        topic,
        JSON.stringify([
          { ts: now - 1000, kind: 'load', powerKw: 1000 },
          { ts: now - 1000, kind: 'load' },
          { ts: now - 2000, kind: 'load', powerKw: 1001 },
          { ts: now + 3_600_000, kind: 'load', powerKw: 1 },
        ]),
        { qos: 1 },
      );
      await publisher.publishAsync(topic, good(goodCount++), { qos: 1 });
      const expectedLetters = cases.length + 2;

      expect(await waitForCount(() => countPoints(influxd, db), goodCount + 2, 30_000)).toBe(goodCount + 2);
      const deadline = Date.now() + 10_000;
      while (letters.length < expectedLetters && Date.now() < deadline) await sleep(100);
      expect(letters).toHaveLength(expectedLetters);

      // Dead letters arrive in publish order (one publisher, QoS 1, one ingester).
      cases.forEach(([reason, badTopic, payload], i) => {
        const letter = letters[i]!;
        expect({ i, reason: letter.reason, topic: letter.topic }).toEqual({ i, reason, topic: badTopic });
        expect(letter.detail.length).toBeGreaterThan(15);
        expect(letter.payloadBytes).toBe(Buffer.byteLength(payload));
        expect(Buffer.byteLength(letter.payload, letter.payloadEncoding === 'base64' ? 'base64' : 'utf8')).toBeLessThanOrEqual(4096);
        expect(letter.truncated).toBe(Buffer.byteLength(payload) > 4096);
      });
      const arrayLetters = letters.slice(cases.length);
      expect(arrayLetters.map((l) => [l.index, l.reason])).toEqual([
        [1, 'missing_field'],
        [3, 'timestamp_in_future'],
      ]);
      expect(JSON.parse(arrayLetters[0]!.payload)).toEqual({ ts: now - 1000, kind: 'load' });

      const rows = await readAllRows(influxd, db);
      expect(rows.map((r) => r.power_kw).sort((a, b) => a! - b!)).toEqual([...Array.from({ length: goodCount }, (_, i) => i), 1000, 1001]);
      const counters = await ing.registry.getSingleMetricAsString('gridcast_ingest_readings_rejected_total');
      const covered = new Set(cases.map(([r]) => r));
      for (const reason of REJECT_REASONS.filter((r) => covered.has(r))) {
        const n = cases.filter(([r]) => r === reason).length + arrayLetters.filter((l) => l.reason === reason).length;
        expect(counters).toContain(`gridcast_ingest_readings_rejected_total{reason="${reason}"} ${n}`);
      }
    } finally {
      await watcher.endAsync();
      await ing.stop();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countPoints, startIngester, waitForCount } from '../support/platformHarness.js';
import { Influxd, Mosquitto } from '../support/services.js';
import { connectPublisher, fleetReadings, publishAll, toMessages } from '../support/telemetryFixtures.js';

let mosquitto: Mosquitto;
let influxd: Influxd;
beforeAll(async () => {
  [mosquitto, influxd] = await Promise.all([Mosquitto.start(), Influxd.start()]);
});
afterAll(async () => {
  await Promise.all([mosquitto?.destroy(), influxd?.destroy()]);
});

describe('scale-out: MQTT v5 shared subscription', () => {
  it('two ingesters in one share group split the stream; every reading stored once', async () => {
    const db = 'shared';
    const env = { MQTT_SHARE_GROUP: 'ingesters' };
    const a = await startIngester(mosquitto.url, influxd.url, db, { ...env, MQTT_CLIENT_ID: 'ingest-a' });
    const b = await startIngester(mosquitto.url, influxd.url, db, { ...env, MQTT_CLIENT_ID: 'ingest-b' });
    const publisher = await connectPublisher(mosquitto.url);
    try {
      const readings = fleetReadings({ meters: 100, perMeter: 50, startMs: Date.now() - 3_600_000 });
      await publishAll(publisher, toMessages(readings, 10, 2), 50);
      expect(await waitForCount(() => countPoints(influxd, db), readings.length, 30_000)).toBe(readings.length);
      const received = async (ing: typeof a) => {
        const text = await ing.registry.getSingleMetricAsString('gridcast_ingest_messages_received_total');
        return Number(/ (\d+)$/m.exec(text)?.[1]);
      };
      const [na, nb] = [await received(a), await received(b)];
      expect(na).toBeGreaterThan(0);
      expect(nb).toBeGreaterThan(0);
      expect(na + nb).toBe(toMessages(readings, 10, 2).length);
    } finally {
      await publisher.endAsync();
      await a.stop();
      await b.stop();
    }
  });
});

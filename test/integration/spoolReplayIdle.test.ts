import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countPoints, metricValue, startIngester, waitForCount } from '../support/platformHarness.js';
import { Influxd, Mosquitto, sleep } from '../support/services.js';
import { connectPublisher } from '../support/telemetryFixtures.js';
import { telemetryTopic } from '../../src/contract/index.js';

/**
 * Found while testing store_rejected on replay: a direct write that fell back to the spool did not wake the
 * writer's loop, which had gone idle while the spool was still empty, so nothing was replayed until the next
 * message arrived. With meters that fall silent (an outage upstream), readings sat in the spool for good.
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

describe('spool replay with no further traffic', { timeout: 60_000 }, () => {
  it('one message spooled during an outage is replayed once InfluxDB is back, though nothing else arrives', async () => {
    const db = 'idlereplay';
    const ing = await startIngester(mosquitto.url, influxd.url, db, { INFLUX_TIMEOUT_MS: '1000' });
    try {
      await influxd.stop();
      await publisher.publishAsync(telemetryTopic('s', 'f1', 'm1'), JSON.stringify({ ts: Date.now() - 60_000, kind: 'load', powerKw: 7.5 }), { qos: 1 });
      for (const until = Date.now() + 15_000; (await metricValue(ing.registry, 'gridcast_spool_depth_readings')) < 1 && Date.now() < until; ) await sleep(100);
      expect(await metricValue(ing.registry, 'gridcast_spool_depth_readings')).toBe(1);
      await influxd.start();
      expect(await waitForCount(() => countPoints(influxd, db), 1, 30_000)).toBe(1);
      expect(await metricValue(ing.registry, 'gridcast_spool_depth_readings')).toBe(0);
    } finally {
      await ing.stop();
    }
  });
});

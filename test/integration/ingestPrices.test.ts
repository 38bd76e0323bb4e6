import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.js';
import { createMetricsRegistry } from '../../src/common/metrics.js';
import { loadConfig } from '../../src/config/index.js';
import { DEADLETTER_TOPIC, priceTopic } from '../../src/contract/index.js';
import { Ingester, type DeadLetter } from '../../src/ingest/index.js';
import { openDuckDbStores, type Stores } from '../../src/storage/index.js';
import { Mosquitto, sleep } from '../support/services.js';
import { connectPublisher } from '../support/telemetryFixtures.js';

/** Electricity prices over MQTT end to end: the real Mosquitto, the ingester, a DuckDB file. */
let mosquitto: Mosquitto;
let publisher: MqttClient;
let dir: string;
let stores: Stores;

beforeAll(async () => {
  mosquitto = await Mosquitto.start();
  publisher = await connectPublisher(mosquitto.url);
  dir = await mkdtemp(join(tmpdir(), 'gridcast-prices-'));
  stores = openDuckDbStores({ path: join(dir, 'prices.duckdb') }, silentLogger);
  await stores.init();
});
afterAll(async () => {
  await publisher?.endAsync();
  await stores?.close();
  await mosquitto?.destroy();
  await rm(dir, { recursive: true, force: true });
});

const H = 3_600_000;

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(100);
  }
}

describe('electricity prices over MQTT: Mosquitto → ingester → DuckDB', () => {
  it('stores a good price series exactly (source mqtt) and dead-letters bad ones with their reason', async () => {
    const config = loadConfig({ MQTT_URL: mosquitto.url, MQTT_CLIENT_ID: 'prices-ingest', SPOOL_DIR: join(dir, 'spool') });
    const ingester = new Ingester({ config, mqttUrl: mosquitto.url, store: stores.telemetry, ingestStats: stores.ingestStats, prices: stores.prices, registry: createMetricsRegistry(), logger: silentLogger });
    await ingester.start();
    const watcher = await connectPublisher(mosquitto.url);
    try {
      const letters: DeadLetter[] = [];
      watcher.on('message', (_t, payload) => letters.push(JSON.parse(payload.toString()) as DeadLetter));
      await watcher.subscribeAsync(DEADLETTER_TOPIC, { qos: 1 });

      const dayMs = Math.floor(Date.now() / (24 * H)) * 24 * H + 24 * H; // tomorrow, as day-ahead prices are
      const prices = Array.from({ length: 24 }, (_, h) => ({ start: new Date(dayMs + h * H).toISOString(), importPrice: 40.5 + h, ...(h < 12 ? { exportPrice: 10.25 } : {}) }));
      const sentAt = Date.now();
      await publisher.publishAsync(priceTopic('north'), JSON.stringify({ currency: 'EUR', unit: 'MWh', resolution: 'PT60M', prices }), { qos: 1 });
      await publisher.publishAsync(priceTopic('north'), JSON.stringify({ currency: 'EUR', unit: 'MWh', resolution: 'PT60M', prices: [{ start: dayMs + H / 2, importPrice: 1 }] }), { qos: 1 });
      await publisher.publishAsync(priceTopic('north'), JSON.stringify({ currency: 'EUR', unit: 'MWh', prices: [{ start: dayMs, importPrice: 1 }] }), { qos: 1 });
      await publisher.publishAsync(priceTopic('north'), 'not json', { qos: 1 });
      await publisher.publishAsync(priceTopic('no.rth'), JSON.stringify({ currency: 'EUR', unit: 'MWh', resolution: 'PT60M', prices: [{ start: dayMs, importPrice: 1 }] }), { qos: 1 });

      const query = { site: 'north', fromMs: dayMs - H, toMs: dayMs + 25 * H };
      const stored = await waitFor(async () => {
        const points = await stores.prices.readPrices(query);
        return points.length === 24 ? points : undefined;
      });
      const receivedAtMs = stored[0]!.receivedAtMs;
      expect(receivedAtMs).toBeGreaterThanOrEqual(sentAt - 1000);
      expect(stored).toEqual(
        prices.map((p, h) => ({ site: 'north', source: 'mqtt', currency: 'EUR', timeMs: dayMs + h * H, durationMs: H, receivedAtMs, importPricePerMwh: p.importPrice, ...(p.exportPrice !== undefined ? { exportPricePerMwh: p.exportPrice } : {}) })),
      );
      await waitFor(async () => (letters.length >= 4 ? true : undefined));
      expect(letters.map((l) => [l.topic, l.reason])).toEqual([
        [priceTopic('north'), 'invalid_field'],
        [priceTopic('north'), 'missing_field'],
        [priceTopic('north'), 'invalid_json'],
        [priceTopic('no.rth'), 'invalid_topic'],
      ]);
      expect(letters[0]!.detail).toMatch(/prices\[0\]\.start: .* is not a multiple of the resolution PT60M/);
      expect(letters[1]!.detail).toMatch(/resolution is missing/);
      // Nothing of the refused series was stored.
      expect(await stores.prices.readPrices({ site: 'north', fromMs: dayMs + H / 2, toMs: dayMs + H })).toEqual([]);
    } finally {
      await watcher.endAsync();
      await ingester.stop();
    }
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/common/errors.js';
import { silentLogger } from '../../src/common/logger.js';
import { createMetricsRegistry } from '../../src/common/metrics.js';
import { loadConfig } from '../../src/config/index.js';
import { DEADLETTER_TOPIC, weatherForecastTopic } from '../../src/contract/index.js';
import { Ingester, type DeadLetter } from '../../src/ingest/index.js';
import { openDuckDbStores, type Stores, type WeatherForecastStore } from '../../src/storage/index.js';
import { Mosquitto, sleep } from '../support/services.js';
import { connectPublisher } from '../support/telemetryFixtures.js';

/** The MQTT weather forecast source end to end: the real Mosquitto, the ingester, a DuckDB file. */
let mosquitto: Mosquitto;
let publisher: MqttClient;
let dir: string;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  mosquitto = await Mosquitto.start();
  publisher = await connectPublisher(mosquitto.url);
  dir = await mkdtemp(join(tmpdir(), 'gridcast-wf-'));
});
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});
afterAll(async () => {
  await publisher?.endAsync();
  await mosquitto?.destroy();
  await rm(dir, { recursive: true, force: true });
});

const H = 3_600_000;

async function openStores(name: string): Promise<Stores> {
  const stores = openDuckDbStores({ path: join(dir, `${name}.duckdb`) }, silentLogger);
  await stores.init();
  return stores;
}

async function startIngester(clientId: string, stores: Stores, weatherForecasts: WeatherForecastStore = stores.weatherForecasts): Promise<Ingester> {
  const config = loadConfig({ MQTT_URL: mosquitto.url, MQTT_CLIENT_ID: clientId, SPOOL_DIR: join(dir, 'spool') });
  const ingester = new Ingester({ config, mqttUrl: mosquitto.url, store: stores.telemetry, ingestStats: stores.ingestStats, weatherForecasts, registry: createMetricsRegistry(), logger: silentLogger });
  await ingester.start();
  return ingester;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(100);
  }
}

describe('weather forecasts over MQTT: Mosquitto → ingester → DuckDB', () => {
  it('stores a good forecast exactly and dead-letters a bad one with its reason', async () => {
    const stores = await openStores('good');
    const ingester = await startIngester('wf-good', stores);
    cleanups.push(() => stores.close(), () => ingester.stop());
    const watcher = await connectPublisher(mosquitto.url);
    cleanups.push(() => watcher.endAsync());
    const letters: DeadLetter[] = [];
    watcher.on('message', (_t, payload) => letters.push(JSON.parse(payload.toString()) as DeadLetter));
    await watcher.subscribeAsync(DEADLETTER_TOPIC, { qos: 1 });

    const issuedAtMs = Math.floor(Date.now() / H) * H;
    const hours = Array.from({ length: 72 }, (_, h) => ({ ts: new Date(issuedAtMs + h * H).toISOString(), temperatureC: -3.125 + h / 8, ghiWm2: h % 24 < 8 ? 0 : 250.5, windSpeed100mMs: 7.75 }));
    await publisher.publishAsync(weatherForecastTopic('north'), JSON.stringify({ issuedAt: issuedAtMs, source: 'vendor-nwp', hours }), { qos: 1 });
    await publisher.publishAsync(weatherForecastTopic('north'), JSON.stringify({ issuedAt: issuedAtMs, hours: [{ ts: issuedAtMs, temperatureC: 400 }] }), { qos: 1 });
    await publisher.publishAsync(weatherForecastTopic('no.rth'), JSON.stringify({ issuedAt: issuedAtMs, hours: [{ ts: issuedAtMs, temperatureC: 4 }] }), { qos: 1 });

    const query = { site: 'north', fromMs: issuedAtMs, toMs: issuedAtMs + 72 * H };
    const stored = await waitFor(async () => {
      const points = await stores.weatherForecasts.readWeatherForecasts(query);
      return points.length === 72 ? points : undefined;
    });
    expect(stored).toEqual(
      hours.map((h, i) => ({
        site: 'north',
        source: 'vendor-nwp',
        issuedAtMs,
        timeMs: issuedAtMs + i * H,
        values: { temperature_c: h.temperatureC, ghi_wm2: h.ghiWm2, wind_speed_100m_ms: 7.75 },
      })),
    );
    await waitFor(async () => (letters.length >= 2 ? true : undefined));
    expect(letters.map((l) => [l.topic, l.reason])).toEqual([
      [weatherForecastTopic('north'), 'invalid_field'],
      [weatherForecastTopic('no.rth'), 'invalid_topic'],
    ]);
    expect(letters[0]!.detail).toContain('hours[0].temperatureC');
    // Nothing of the refused forecast was stored: the good one is all there is (source mqtt has nothing).
    expect(await stores.weatherForecasts.readWeatherForecasts({ ...query, source: 'mqtt' })).toEqual([]);
  });

  it('leaves a forecast unacknowledged while the store is down, and stores it when redelivered after a restart', async () => {
    const stores = await openStores('down');
    cleanups.push(() => stores.close());
    let attempts = 0;
    const down: WeatherForecastStore = {
      writeWeatherForecasts: async () => {
        attempts++;
        throw new StoreUnavailableError('store down (test)');
      },
      readWeatherForecasts: (q) => stores.weatherForecasts.readWeatherForecasts(q),
      readWeatherForecastHistory: (q) => stores.weatherForecasts.readWeatherForecastHistory(q),
    };
    const first = await startIngester('wf-down', stores, down);
    const issuedAtMs = Math.floor(Date.now() / H) * H;
    const payload = JSON.stringify({ issuedAt: new Date(issuedAtMs).toISOString(), hours: [{ ts: issuedAtMs + H, cloudCoverPct: 87.5 }] });
    await publisher.publishAsync(weatherForecastTopic('south'), payload, { qos: 1 });
    // Every retry fails (about 8 s of backoff); the ingester then gives up on the message without acknowledging it.
    await waitFor(async () => (attempts >= 6 ? true : undefined), 30_000);
    await sleep(200);
    await first.stop();
    const query = { site: 'south', fromMs: issuedAtMs, toMs: issuedAtMs + 2 * H };
    expect(await stores.weatherForecasts.readWeatherForecasts(query)).toEqual([]);

    // The same ingester identity (persistent session) comes back with a working store: the broker redelivers.
    const second = await startIngester('wf-down', stores);
    cleanups.push(() => second.stop());
    const stored = await waitFor(async () => {
      const points = await stores.weatherForecasts.readWeatherForecasts(query);
      return points.length > 0 ? points : undefined;
    });
    expect(stored).toEqual([{ site: 'south', source: 'mqtt', issuedAtMs, timeMs: issuedAtMs + H, values: { cloud_cover_pct: 87.5 } }]);
  }, 60_000);
});

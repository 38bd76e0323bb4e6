import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { StoreUnavailableError } from '../../src/common/errors.js';
import { silentLogger } from '../../src/common/logger.js';
import { InfluxTelemetryStore } from '../../src/storage/index.js';
import { Influxd, freePort } from '../support/services.js';
import { describeStoreContract } from './storeContract.js';

let influxd: Influxd;
let dbCounter = 0;
beforeAll(async () => {
  influxd = await Influxd.start();
});
afterAll(async () => {
  await influxd?.destroy();
});

function influxConfig(url: string, database: string, extra: Record<string, string> = {}) {
  return loadConfig({ INFLUX_URL: url, INFLUX_DATABASE: database, INFLUX_TIMEOUT_MS: '2000', ...extra }).influx!;
}

describeStoreContract('InfluxDB 1.6 (v1 /write)', async () => {
  // A fresh database per test on the one influxd.
  const cfg = influxConfig(influxd.url, `contract_${++dbCounter}`);
  return {
    store: new InfluxTelemetryStore(cfg, silentLogger),
    reopen: async () => new InfluxTelemetryStore(cfg, silentLogger),
    cleanup: async () => undefined,
  };
});

describe('InfluxTelemetryStore specifics', () => {
  it('fails init with StoreUnavailableError naming the URL when nothing listens', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const store = new InfluxTelemetryStore(influxConfig(url, 'x'), silentLogger);
    await expect(store.init()).rejects.toThrow(StoreUnavailableError);
    await expect(store.init()).rejects.toThrow(url);
  });

  it('creates the database and stores the contract names: measurement telemetry, tags, snake_case float fields', async () => {
    const store = new InfluxTelemetryStore(influxConfig(influxd.url, 'names'), silentLogger);
    await store.init();
    await store.writePoints([{ site: 's', feeder: 'f', meter: 'm', kind: 'battery', timeMs: 1_700_000_000_123, fields: { power_kw: 2, soc_pct: 55 } }]);
    await store.close();
    const keys = await influxd.query('names', 'SHOW FIELD KEYS FROM telemetry');
    expect(keys[0]!.values).toEqual([
      ['power_kw', 'float'],
      ['soc_pct', 'float'],
    ]);
    const tags = await influxd.query('names', 'SHOW TAG KEYS FROM telemetry');
    expect(tags[0]!.values.flat()).toEqual(['feeder', 'kind', 'meter', 'site']);
    const rows = await influxd.query('names', 'SELECT * FROM telemetry');
    expect(rows[0]!.values[0]![0]).toBe(1_700_000_000_123);
  });

  it('writes through the v2 endpoint when told to, and surfaces the 404 of a 1.6 server as unavailable', async () => {
    const store = new InfluxTelemetryStore(influxConfig(influxd.url, 'v2', { INFLUX_WRITE_ENDPOINT: 'v2' }), silentLogger);
    await store.init();
    await expect(store.writePoints([{ site: 's', feeder: 'f', meter: 'm', kind: 'load', timeMs: 1_700_000_000_000, fields: { power_kw: 1 } }])).rejects.toThrow(/404/);
    await store.close();
  });
});

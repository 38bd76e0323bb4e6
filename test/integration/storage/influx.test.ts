import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { StoreUnavailableError } from '../../../src/common/errors.js';
import { silentLogger } from '../../../src/common/logger.js';
import { openInfluxStores, type Stores } from '../../../src/storage/index.js';
import { Influxd, freePort } from '../../support/services.js';
import { describeStoreContracts } from './contract/index.js';

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

describeStoreContracts('InfluxDB 1.6 (v1 /write)', async () => {
  // A fresh database per test on the one influxd.
  const cfg = influxConfig(influxd.url, `contract_${++dbCounter}`);
  return {
    // A short lock settle delay keeps the lock tests fast; one influxd answers writes within it.
    stores: openInfluxStores(cfg, silentLogger, { lockSettleMs: 50 }),
    reopen: async () => openInfluxStores(cfg, silentLogger, { lockSettleMs: 50 }),
    cleanup: async () => undefined,
  };
});

describe('Stores specifics', () => {
  it('fails init with StoreUnavailableError naming the URL when nothing listens', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const stores = openInfluxStores(influxConfig(url, 'x'), silentLogger);
    await expect(stores.init()).rejects.toThrow(StoreUnavailableError);
    await expect(stores.init()).rejects.toThrow(url);
  });

  it('creates the database and stores the contract names: measurement telemetry, tags, snake_case float fields', async () => {
    const stores = openInfluxStores(influxConfig(influxd.url, 'names'), silentLogger);
    await stores.init();
    await stores.telemetry.writePoints([{ site: 's', feeder: 'f', meter: 'm', kind: 'battery', timeMs: 1_700_000_000_123, fields: { power_kw: 2, soc_pct: 55 } }]);
    await stores.close();
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

  it('stores forecasts as measurement forecast: string tags incl. lead, float fields; each model its own series', async () => {
    const stores = openInfluxStores(influxConfig(influxd.url, 'forecast_names'), silentLogger);
    await stores.init();
    const issued = Date.UTC(2024, 0, 1, 6);
    const at = issued + 12 * 3_600_000;
    const point = { site: 's', feeder: 'all', target: 'load', issuedAtMs: issued, timeMs: at, p10Kw: 1, p50Kw: 2, p90Kw: 3 } as const;
    await stores.forecasts.writeForecasts([
      { ...point, model: 'lstm' },
      { ...point, model: 'baseline', issuedAtMs: issued + 60_000, p50Kw: 2.5 },
    ]);
    expect((await influxd.query('forecast_names', 'SHOW TAG KEYS FROM forecast'))[0]!.values.flat()).toEqual(['feeder', 'lead', 'model', 'site', 'target']);
    expect((await influxd.query('forecast_names', 'SHOW FIELD KEYS FROM forecast'))[0]!.values).toEqual([
      ['band_scale_lower', 'float'],
      ['band_scale_upper', 'float'],
      ['issued_at_ms', 'float'],
      ['p10_kw', 'float'],
      ['p50_kw', 'float'],
      ['p90_kw', 'float'],
    ]);
    expect((await influxd.query('forecast_names', 'SHOW TAG VALUES FROM forecast WITH KEY = "lead"'))[0]!.values).toEqual([['lead', '12']]);
    // Two models at the same time and lead are two series; the read takes the later issue across them.
    expect(await stores.forecasts.readForecasts({ site: 's', feeder: 'all', target: 'load', fromMs: at, toMs: at + 1 })).toEqual([
      { ...point, model: 'baseline', issuedAtMs: issued + 60_000, p50Kw: 2.5 },
    ]);
    expect(await stores.forecasts.readForecasts({ site: 's', feeder: 'all', target: 'load', fromMs: at, toMs: at + 1, asOfMs: issued })).toEqual([
      { ...point, model: 'lstm' },
    ]);
    await stores.close();
  });

  it('stores scores as measurement forecast_error: the forecast tags, every field a float, ape_pct only where given', async () => {
    const stores = openInfluxStores(influxConfig(influxd.url, 'error_names'), silentLogger);
    const issued = Date.UTC(2024, 0, 1, 6);
    const base = { site: 's', feeder: 'all', target: 'pv', model: 'lstm@v1', issuedAtMs: issued, actualKw: 2, p50Kw: 3, errorKw: 1, absErrorKw: 1, inBand: 1, pinballKw: 0.5 } as const;
    await stores.forecasts.writeForecastErrors([
      { ...base, timeMs: issued + 3 * 3_600_000, apePct: 50 },
      { ...base, timeMs: issued + 4 * 3_600_000 },
    ]);
    expect((await influxd.query('error_names', 'SHOW TAG KEYS FROM forecast_error'))[0]!.values.flat()).toEqual(['feeder', 'lead', 'model', 'site', 'target']);
    expect((await influxd.query('error_names', 'SHOW FIELD KEYS FROM forecast_error'))[0]!.values).toEqual(
      ['abs_error_kw', 'actual_kw', 'ape_pct', 'error_kw', 'in_band', 'issued_at_ms', 'p50_kw', 'pinball_kw'].map((f) => [f, 'float']),
    );
    expect((await influxd.query('error_names', 'SHOW TAG VALUES FROM forecast_error WITH KEY = "lead"'))[0]!.values).toEqual([['lead', '3'], ['lead', '4']]);
    // What the dashboard's MAPE panels average: only the step that has one.
    expect((await influxd.query('error_names', 'SELECT count("ape_pct"), count("abs_error_kw") FROM forecast_error'))[0]!.values[0]!.slice(1)).toEqual([1, 2]);
    await stores.close();
  });

  it('shares a lock lease between store instances (one point per lock, last write wins)', async () => {
    const cfg = influxConfig(influxd.url, 'locks');
    const a = openInfluxStores(cfg, silentLogger, { lockSettleMs: 50 });
    const b = openInfluxStores(cfg, silentLogger, { lockSettleMs: 50 });
    expect(await a.locks.tryAcquireLock('train', 'a', 60_000)).toBe(true);
    expect(await b.locks.tryAcquireLock('train', 'b', 60_000)).toBe(false);
    await b.locks.releaseLock('train', 'b');
    await a.locks.releaseLock('train', 'a');
    expect(await b.locks.tryAcquireLock('train', 'b', 60_000)).toBe(true);
    expect(await a.locks.tryAcquireLock('train', 'a', 60_000)).toBe(false);
    expect((await influxd.query('locks', 'SELECT * FROM lock'))[0]!.values).toHaveLength(1);
    await a.close();
    await b.close();
  });

  it('writes through the v2 endpoint when told to, and surfaces the 404 of a 1.6 server as unavailable', async () => {
    const stores = openInfluxStores(influxConfig(influxd.url, 'v2', { INFLUX_WRITE_ENDPOINT: 'v2' }), silentLogger);
    await stores.init();
    await expect(stores.telemetry.writePoints([{ site: 's', feeder: 'f', meter: 'm', kind: 'load', timeMs: 1_700_000_000_000, fields: { power_kw: 1 } }])).rejects.toThrow(/404/);
    await stores.close();
  });
});

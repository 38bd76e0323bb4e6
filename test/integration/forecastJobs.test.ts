import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/common/logger.js';
import { ForecastService, ModelRegistry, servingName } from '../../src/forecast/index.js';
import { ForecastJob, RetrainJob, TRAINER_LOCK } from '../../src/scheduler/index.js';
import { InfluxTelemetryStore, type TelemetryPoint } from '../../src/storage/index.js';
import { fleetConfigSchema } from '../../simulators/fleetConfig.js';
import { FleetModel } from '../../simulators/fleetModel.js';
import { READING_FIELDS } from '../../src/ingest/index.js';
import { Influxd } from '../support/services.js';

const HOUR = 3_600_000;
const site = { id: 'town', latitude: 52.1, longitude: 5.1, timeZone: 'Europe/Amsterdam', holidays: [] as string[] };

let influxd: Influxd;
let store: InfluxTelemetryStore;
let modelsDir: string;
let service: ForecastService;
let deps: ConstructorParameters<typeof ForecastService>[0];
const nowMs = Math.floor(Date.now() / HOUR) * HOUR + 10 * 60_000; // 10 past the hour

beforeAll(async () => {
  influxd = await Influxd.start();
  modelsDir = await mkdtemp(join(tmpdir(), 'gridcast-models-'));
  const config = loadConfig({ INFLUX_URL: influxd.url, INFLUX_DATABASE: 'jobs', MODELS_DIR: modelsDir, FORECAST_HISTORY_DAYS: '42', FORECAST_VALIDATION_DAYS: '5' });
  store = new InfluxTelemetryStore(config.influx!, silentLogger, { lockSettleMs: 50 });
  await store.init();
  // Six weeks of hourly telemetry from the simulated fleet, written as the ingester would store it.
  const fleet = new FleetModel(fleetConfigSchema.parse({ sites: [{ ...site, feeders: [{ id: 'f1', load: { residential: 4, commercial: 1 }, pv: 2 }] }] }), 3);
  const points: TelemetryPoint[] = [];
  for (let t = nowMs - 42 * 24 * HOUR - 10 * 60_000; t < nowMs; t += HOUR) {
    fleet.step(t).forEach((r, i) => {
      const m = fleet.meters[i]!;
      const fields: TelemetryPoint['fields'] = {};
      for (const [name, column] of Object.entries(READING_FIELDS)) {
        const v = (r as Record<string, unknown>)[name];
        if (typeof v === 'number') fields[column] = v;
      }
      points.push({ site: m.site, feeder: m.feeder, meter: m.meter, kind: m.kind, timeMs: t, fields });
    });
  }
  await store.writePoints(points);
  deps = {
    store,
    registry: new ModelRegistry(modelsDir),
    config: config.forecast,
    sites: new Map([[site.id, site]]),
    logger: silentLogger,
    now: () => nowMs,
    lstm: { epochs: 2, hiddenUnits: 8, decoderUnits: 8 },
  };
  service = new ForecastService(deps);
}, 120_000);
afterAll(async () => {
  await store?.close();
  await influxd?.destroy();
  await rm(modelsDir, { recursive: true, force: true });
});

describe('scheduled forecasting against the real InfluxDB', () => {
  it('the forecast job writes 48 h of P10/P50/P90 per target that the read path returns, with the serving model named', async () => {
    expect((await service.discoverSeries()).map((s) => s.target).sort()).toEqual(['load', 'pv']);
    await new ForecastJob('0 * * * *', service, silentLogger).runOnce();
    const load = await store.readForecasts({ site: 'town', feeder: 'all', target: 'load', fromMs: nowMs, toMs: nowMs + 49 * HOUR });
    expect(load).toHaveLength(48);
    expect(new Set(load.map((p) => p.model))).toEqual(new Set(['seasonal-naive-week'])); // nothing trained yet
    expect(load.every((p) => p.p10Kw <= p.p50Kw && p.p50Kw <= p.p90Kw && p.issuedAtMs === nowMs)).toBe(true);
    expect(load[0]!.timeMs).toBe(Math.ceil(nowMs / HOUR) * HOUR);
    const pv = await store.readForecasts({ site: 'town', feeder: 'all', target: 'pv', fromMs: nowMs, toMs: nowMs + 49 * HOUR });
    expect(pv.length).toBe(48);
  });

  it('training validates the new model next to the baselines and records what serves; forecasts then carry its name', async () => {
    const outcome = await service.train({ site: 'town', feeder: 'all', target: 'load' });
    const registry = new ModelRegistry(modelsDir);
    const state = await registry.serving(outcome.series);
    expect(state.serving).toEqual(outcome.serving);
    expect(state.history.at(-1)!.reason).toMatch(/MAE/);
    const [meta] = await registry.versions(outcome.series);
    expect(meta!.validation.baselines['seasonal-naive-week']).toBeDefined();
    expect(meta!.backend).toMatch(/wasm|cpu|node/);

    // An hour later the job issues again, now with whatever serves.
    const later = new ForecastService({ ...deps, now: () => nowMs + HOUR });
    await later.forecast(outcome.series);
    const latest = await store.readForecasts({ site: 'town', feeder: 'all', target: 'load', fromMs: nowMs + 2 * HOUR, toMs: nowMs + 48 * HOUR });
    expect(new Set(latest.map((p) => p.model))).toEqual(new Set([servingName(outcome.serving)]));
    // "What did we forecast at the first issue?": as-of reads still return the earlier forecasts.
    const asOf = await store.readForecasts({ site: 'town', feeder: 'all', target: 'load', fromMs: nowMs + 2 * HOUR, toMs: nowMs + 48 * HOUR, asOfMs: nowMs + 1 });
    expect(new Set(asOf.map((p) => p.model))).toEqual(new Set(['seasonal-naive-week']));
    expect(asOf.every((p) => p.issuedAtMs === nowMs)).toBe(true);
  }, 120_000);

  it('the retrain job does nothing while another instance holds the trainer lock', async () => {
    const registry = new ModelRegistry(modelsDir);
    const before = (await registry.versions({ site: 'town', feeder: 'all', target: 'pv' })).length;
    expect(await store.tryAcquireLock(TRAINER_LOCK, 'other-instance', 60_000)).toBe(true);
    await new RetrainJob('0 3 * * *', service, store, silentLogger).runOnce();
    expect((await registry.versions({ site: 'town', feeder: 'all', target: 'pv' })).length).toBe(before);
    await store.releaseLock(TRAINER_LOCK, 'other-instance');
  });
});

describe('15-minute resolution and feeder-level series', () => {
  it('forecasts every feeder and the site total at 15-minute steps, 48 h ahead', async () => {
    const config = loadConfig({ INFLUX_URL: influxd.url, INFLUX_DATABASE: 'quarter', MODELS_DIR: modelsDir, FORECAST_RESOLUTION_MINUTES: '15', FORECAST_LEVELS: 'site,feeder' });
    const quarterStore = new InfluxTelemetryStore(config.influx!, silentLogger, { lockSettleMs: 50 });
    await quarterStore.init();
    try {
      const q = 15 * 60_000;
      const points: TelemetryPoint[] = [];
      for (let t = nowMs - 21 * 24 * HOUR - 10 * 60_000; t < nowMs; t += q) {
        for (const feeder of ['f1', 'f2']) {
          points.push({ site: 'quarter', feeder, meter: `m-${feeder}`, kind: 'load', timeMs: t, fields: { power_kw: 10 + 5 * Math.sin(((t / HOUR) % 24) / 24 * 2 * Math.PI) + (feeder === 'f2' ? 3 : 0) } });
        }
      }
      await quarterStore.writePoints(points);
      const svc = new ForecastService({ store: quarterStore, registry: new ModelRegistry(modelsDir), config: config.forecast, sites: new Map(), logger: silentLogger, now: () => nowMs });
      const series = await svc.discoverSeries();
      expect(series.map((s) => s.feeder).sort()).toEqual(['all', 'f1', 'f2']);
      for (const s of series) await svc.forecast(s);
      const f2 = await quarterStore.readForecasts({ site: 'quarter', feeder: 'f2', target: 'load', fromMs: nowMs, toMs: nowMs + 49 * HOUR });
      expect(f2).toHaveLength(192);
      expect(f2[1]!.timeMs - f2[0]!.timeMs).toBe(q);
      const total = await quarterStore.readForecasts({ site: 'quarter', feeder: 'all', target: 'load', fromMs: nowMs, toMs: nowMs + 49 * HOUR });
      // The site total is the sum of both feeders.
      const f1 = await quarterStore.readForecasts({ site: 'quarter', feeder: 'f1', target: 'load', fromMs: nowMs, toMs: nowMs + 49 * HOUR });
      expect(total[5]!.p50Kw).toBeCloseTo(f1[5]!.p50Kw + f2[5]!.p50Kw, 6);
    } finally {
      await quarterStore.close();
    }
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/common/logger.js';
import { ForecastService, ModelRegistry, servingName } from '../../src/forecast/index.js';
import { ForecastJob, RetrainJob, TRAINER_LOCK } from '../../src/scheduler/index.js';
import { openInfluxStores, type Stores } from '../../src/storage/index.js';
import { fleetConfigSchema } from '../../simulators/fleetConfig.js';
import { FleetModel } from '../../simulators/fleetModel.js';
import { Influxd, Mosquitto } from '../support/services.js';
import mqtt from 'mqtt';
import { DispatchService, dispatchFileSchema, dispatchPlanSchema, mqttPlanPublisher } from '../../src/dispatch/index.js';
import type { TelemetryPoint } from '../../src/contract/index.js';
import { simulatedHistory } from '../support/telemetryFixtures.js';

const HOUR = 3_600_000;
const site = { id: 'town', latitude: 52.1, longitude: 5.1, timeZone: 'Europe/Amsterdam', holidays: [] as string[] };

let influxd: Influxd;
let stores: Stores;
let modelsDir: string;
let service: ForecastService;
let deps: ConstructorParameters<typeof ForecastService>[0];
const nowMs = Math.floor(Date.now() / HOUR) * HOUR + 10 * 60_000; // 10 past the hour

beforeAll(async () => {
  influxd = await Influxd.start();
  modelsDir = await mkdtemp(join(tmpdir(), 'gridcast-models-'));
  const config = loadConfig({ INFLUX_URL: influxd.url, INFLUX_DATABASE: 'jobs', MODELS_DIR: modelsDir, FORECAST_HISTORY_DAYS: '42', FORECAST_VALIDATION_DAYS: '5' });
  stores = openInfluxStores(config.influx!, silentLogger, { lockSettleMs: 50 });
  await stores.init();
  // Six weeks of hourly telemetry from the simulated fleet, written as the ingester would store it.
  const fleet = new FleetModel(fleetConfigSchema.parse({ sites: [{ ...site, feeders: [{ id: 'f1', load: { residential: 4, commercial: 1 }, pv: 2 }] }] }), 3);
  const points = simulatedHistory(fleet, nowMs - 42 * 24 * HOUR - 10 * 60_000, nowMs);
  await stores.telemetry.writePoints(points);
  deps = {
    stores,
    registry: new ModelRegistry(modelsDir),
    config: config.forecast,
    sites: new Map([[site.id, site]]),
    logger: silentLogger,
    now: () => nowMs,
    model: { epochs: 2, hiddenUnits: 8, decoderUnits: 8 },
  };
  service = new ForecastService(deps);
}, 120_000);
afterAll(async () => {
  await stores?.close();
  await influxd?.destroy();
  await rm(modelsDir, { recursive: true, force: true });
});

describe('scheduled forecasting against the real InfluxDB', () => {
  it('the forecast job writes 48 h of P10/P50/P90 per target that the read path returns, with the serving model named', async () => {
    expect((await service.discoverSeries()).map((s) => s.target).sort()).toEqual(['load', 'pv']);
    await new ForecastJob('0 * * * *', service, silentLogger).runOnce();
    const load = await stores.forecasts.readForecasts({ site: 'town', feeder: 'all', target: 'load', fromMs: nowMs, toMs: nowMs + 49 * HOUR });
    expect(load).toHaveLength(48);
    expect(new Set(load.map((p) => p.model))).toEqual(new Set(['seasonal-naive-week'])); // nothing trained yet
    expect(load.every((p) => p.p10Kw <= p.p50Kw && p.p50Kw <= p.p90Kw && p.issuedAtMs === nowMs)).toBe(true);
    expect(load[0]!.timeMs).toBe(Math.ceil(nowMs / HOUR) * HOUR);
    const pv = await stores.forecasts.readForecasts({ site: 'town', feeder: 'all', target: 'pv', fromMs: nowMs, toMs: nowMs + 49 * HOUR });
    expect(pv.length).toBe(48);
  });

  it('after the forecast job, dispatch plans the site on those forecasts, stores the plan and publishes it retained', async () => {
    const mosquitto = await Mosquitto.start();
    const publisher = mqttPlanPublisher(mosquitto.url, loadConfig({ MQTT_URL: mosquitto.url, MQTT_CLIENT_ID: 'jobs-test' }).mqtt);
    try {
      // A battery meter with the battery's id reports its state of charge: the plan starts from it.
      await stores.telemetry.writePoints([{ site: 'town', feeder: 'f1', meter: 'bess', kind: 'battery', timeMs: nowMs - 5 * 60_000, fields: { soc_pct: 70 } }]);
      const sites = dispatchFileSchema.parse({
        sites: [
          {
            site: 'town',
            timeZone: 'Europe/Amsterdam',
            batteries: [{ id: 'bess', capacityKwh: 20, maxChargeKw: 5, maxDischargeKw: 5, socInitialPct: 30 }],
            grid: { importLimitKw: 100, exportLimitKw: 50, importPricePerKwh: { timeOfUse: [{ from: '17:00', to: '21:00', pricePerKwh: 0.4 }], otherwisePerKwh: 0.15 }, exportPricePerKwh: 0.03 },
          },
        ],
      }).sites;
      // Feeder f1 rated: its own load forecast (written here; the site forecasts site totals) against 12 kW.
      const Z90 = 1.2815515655446004;
      await stores.forecasts.writeForecasts(
        Array.from({ length: 48 }, (_, h) => ({ site: 'town', feeder: 'f1', target: 'load' as const, model: 'seasonal-naive-week', issuedAtMs: nowMs, timeMs: Math.ceil(nowMs / HOUR) * HOUR + h * HOUR, p10Kw: 10 - Z90, p50Kw: h === 30 ? 11 : 10, p90Kw: (h === 30 ? 11 : 10) + Z90 })),
      );
      const ratings = { town: [{ feeder: 'f1', ratingKw: 12 }, { feeder: 'f9', ratingKw: 5 }] } as Record<string, { feeder: string; ratingKw: number }[]>;
      const dispatch = new DispatchService({ stores, sites, publisher, logger: silentLogger, now: () => nowMs, feederRatings: (s) => ratings[s] ?? [] });
      await new ForecastJob('0 * * * *', service, silentLogger, () => dispatch.runAll()).runOnce();

      const stored = await stores.dispatchPlans.readDispatchPlan({ site: 'town' });
      expect(stored?.issuedAtMs).toBe(nowMs);
      const plan = dispatchPlanSchema.parse(JSON.parse(stored!.planJson));
      expect(plan.steps).toHaveLength(48);
      expect(plan.steps[0]!.time).toBe(new Date(Math.ceil(nowMs / HOUR) * HOUR).toISOString());
      expect(plan.forecasts?.load).toEqual({ model: 'seasonal-naive-week', issuedAt: new Date(nowMs).toISOString() });
      expect(plan.forecasts?.pv?.model).toBeDefined();
      // The P50s of the stored forecasts are what the plan balanced.
      const load = await stores.forecasts.readForecasts({ site: 'town', feeder: 'all', target: 'load', fromMs: nowMs, toMs: nowMs + 49 * HOUR });
      expect(plan.steps.map((p) => p.loadKw)).toEqual(load.map((p) => p.p50Kw));
      // It started from the measured 70 %, not the file's 30 %: the first step's SoC is within one step's reach of 14 kWh.
      expect(Math.abs(plan.steps[0]!.batteries[0]!.socKwh - 14)).toBeLessThanOrEqual(5 / 0.95 + 1e-6);
      expect(plan.recommendations.length).toBeGreaterThan(0);
      // The plan names each rated feeder's congestion risk: f1 one sigma below its rating at step 30 (15.9 %).
      const [f1, f9] = plan.congestion!;
      expect(f1!.feeder).toBe('f1');
      expect(f1!.maxOverloadProbability).toBeCloseTo(0.158655, 5);
      expect(f1!.maxOverloadAt).toBe(new Date(Math.ceil(nowMs / HOUR) * HOUR + 30 * HOUR).toISOString());
      expect(f1!.reason).toMatch(/^feeder f1: overload \(above 12 kW\) up to 16 % at /);
      expect(f9).toMatchObject({ feeder: 'f9', maxOverloadProbability: null, reason: expect.stringMatching(/no forecast for feeder f9/) as string });

      // Step points for dashboards: one per step for the site and for the battery, queried as Grafana would.
      const q = new URLSearchParams({ db: 'jobs', epoch: 'ms', q: `SELECT count("import_kw") FROM "dispatch" WHERE "site" = 'town' AND "asset" = 'site'; SELECT count("soc_kwh") FROM "dispatch" WHERE "asset" = 'bess'` });
      const body = (await (await fetch(`${influxd.url}/query?${q}`)).json()) as { results: { series?: { values: [number, number][] }[] }[] };
      expect(body.results.map((r) => r.series?.[0]?.values[0]?.[1])).toEqual([48, 48]);

      // A controller that subscribes later still gets the plan in force (retained).
      const late = await mqtt.connectAsync(mosquitto.url, { clientId: 'late-controller' });
      const received = new Promise<string>((resolve) => late.on('message', (_topic, payload) => resolve(payload.toString())));
      await late.subscribeAsync('gridcast/v1/town/dispatch', { qos: 1 });
      expect(JSON.parse(await received)).toEqual(plan);
      await late.endAsync();
    } finally {
      await publisher.close();
      await mosquitto.destroy();
    }
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
    const latest = await stores.forecasts.readForecasts({ site: 'town', feeder: 'all', target: 'load', fromMs: nowMs + 2 * HOUR, toMs: nowMs + 48 * HOUR });
    expect(new Set(latest.map((p) => p.model))).toEqual(new Set([servingName(outcome.serving)]));
    // "What did we forecast at the first issue?": as-of reads still return the earlier forecasts.
    const asOf = await stores.forecasts.readForecasts({ site: 'town', feeder: 'all', target: 'load', fromMs: nowMs + 2 * HOUR, toMs: nowMs + 48 * HOUR, asOfMs: nowMs + 1 });
    expect(new Set(asOf.map((p) => p.model))).toEqual(new Set(['seasonal-naive-week']));
    expect(asOf.every((p) => p.issuedAtMs === nowMs)).toBe(true);
  }, 120_000);

  it("a young site's series starts at its first reading, however far back FORECAST_HISTORY_DAYS reaches", async () => {
    const input = await service.input({ site: 'town', feeder: 'all', target: 'load' }, 3650, nowMs);
    expect(new Date(input.series.startMs).toISOString()).toBe(new Date(nowMs - 42 * 24 * HOUR - 10 * 60_000).toISOString());
    expect(Number.isFinite(input.series.values[0]!)).toBe(true);
    expect(input.series.values.length).toBe(42 * 24);
    for (const w of Object.values(input.weather)) expect(w!.length).toBe(input.series.values.length);
  });

  it('the retrain job does nothing while another instance holds the trainer lock', async () => {
    const registry = new ModelRegistry(modelsDir);
    const before = (await registry.versions({ site: 'town', feeder: 'all', target: 'pv' })).length;
    expect(await stores.locks.tryAcquireLock(TRAINER_LOCK, 'other-instance', 60_000)).toBe(true);
    await new RetrainJob('0 3 * * *', service, stores.locks, silentLogger).runOnce();
    expect((await registry.versions({ site: 'town', feeder: 'all', target: 'pv' })).length).toBe(before);
    await stores.locks.releaseLock(TRAINER_LOCK, 'other-instance');
  });
});

describe('drift-triggered retrain', () => {
  it('a serving model whose scored day-ahead error is twice its validation MAE is retrained at once, and why is recorded', async () => {
    const ref = { site: 'town', feeder: 'all', target: 'load' } as const;
    const registry = new ModelRegistry(modelsDir);
    const meta = (await registry.versions(ref)).at(-1)!;
    await registry.setServing(ref, { kind: 'model', version: meta.version }, 'manual', 'test: the LSTM serves', nowMs);
    const model = `lstm@${meta.version}`;
    const maeKw = meta.validation.model.maeKw;
    const createdMs = Date.parse(meta.createdAt);
    const laterMs = createdMs + 60 * HOUR;
    // Issues every 12 h since the model was made, scored at leads 14–38 h (up to now) with twice its validation MAE.
    const points = [];
    for (let issuedAtMs = createdMs; issuedAtMs < laterMs; issuedAtMs += 12 * HOUR) {
      const firstStepMs = Math.ceil(issuedAtMs / HOUR) * HOUR;
      for (let lead = 14; lead <= 38; lead++) {
        const timeMs = firstStepMs + lead * HOUR;
        if (timeMs + HOUR > laterMs) break;
        points.push({ ...ref, model, issuedAtMs, timeMs, actualKw: 100, p50Kw: 100 + 2 * maeKw, errorKw: 2 * maeKw, absErrorKw: 2 * maeKw, inBand: 0 as const, pinballKw: maeKw });
      }
    }
    await stores.forecasts.writeForecastErrors(points);
    const drifting = new ForecastService({ ...deps, now: () => laterMs });
    const verdict = (await drifting.checkDrift(ref))!;
    expect(verdict.drifted, verdict.reason).toBe(true);
    expect(verdict.liveMaeKw / maeKw).toBeCloseTo(2, 3);
    expect(verdict.days).toBeGreaterThanOrEqual(3);
    expect((await registry.serving(ref)).lastDrift).toMatchObject({ model, reason: expect.stringMatching(/is 2\.00× its validation MAE .*retraining now/) });

    // The forecast job finds it after scoring and hands it to the retrain job, which trains it now.
    const before = (await registry.versions(ref)).length;
    const retrain = new RetrainJob('0 3 * * *', drifting, stores.locks, silentLogger);
    const handed: string[] = [];
    const job = new ForecastJob('5 * * * *', drifting, silentLogger, undefined, (series) => {
      handed.push(...series.map((s) => `${s.site}/${s.feeder}/${s.target}`));
      retrain.retrainSoon(series);
    });
    await job.runOnce();
    expect(handed).toEqual(['town/all/load']);
    await retrain.pendingDriftRetrain;
    expect((await registry.versions(ref)).length).toBe(before + 1);
    // A day has not passed since that fit: the drift (same scores) no longer retrains.
    expect((await new ForecastService({ ...deps, now: () => laterMs + HOUR }).checkDrift(ref))?.drifted ?? false).toBe(false);
  }, 180_000);
});

describe('15-minute resolution and feeder-level series', () => {
  it('forecasts every feeder and the site total at 15-minute steps, 48 h ahead', async () => {
    const config = loadConfig({ INFLUX_URL: influxd.url, INFLUX_DATABASE: 'quarter', MODELS_DIR: modelsDir, FORECAST_RESOLUTION_MINUTES: '15', FORECAST_LEVELS: 'site,feeder' });
    const quarterStore = openInfluxStores(config.influx!, silentLogger, { lockSettleMs: 50 });
    await quarterStore.init();
    try {
      const q = 15 * 60_000;
      const points: TelemetryPoint[] = [];
      for (let t = nowMs - 21 * 24 * HOUR - 10 * 60_000; t < nowMs; t += q) {
        for (const feeder of ['f1', 'f2']) {
          points.push({ site: 'quarter', feeder, meter: `m-${feeder}`, kind: 'load', timeMs: t, fields: { power_kw: 10 + 5 * Math.sin(((t / HOUR) % 24) / 24 * 2 * Math.PI) + (feeder === 'f2' ? 3 : 0) } });
        }
      }
      await quarterStore.telemetry.writePoints(points);
      const svc = new ForecastService({ stores: quarterStore, registry: new ModelRegistry(modelsDir), config: config.forecast, sites: new Map(), logger: silentLogger, now: () => nowMs });
      const series = await svc.discoverSeries();
      expect(series.map((s) => s.feeder).sort()).toEqual(['all', 'f1', 'f2']);
      for (const s of series) await svc.forecast(s);
      const f2 = await quarterStore.forecasts.readForecasts({ site: 'quarter', feeder: 'f2', target: 'load', fromMs: nowMs, toMs: nowMs + 49 * HOUR });
      expect(f2).toHaveLength(192);
      expect(f2[1]!.timeMs - f2[0]!.timeMs).toBe(q);
      const total = await quarterStore.forecasts.readForecasts({ site: 'quarter', feeder: 'all', target: 'load', fromMs: nowMs, toMs: nowMs + 49 * HOUR });
      // The site total is the sum of both feeders.
      const f1 = await quarterStore.forecasts.readForecasts({ site: 'quarter', feeder: 'f1', target: 'load', fromMs: nowMs, toMs: nowMs + 49 * HOUR });
      expect(total[5]!.p50Kw).toBeCloseTo(f1[5]!.p50Kw + f2[5]!.p50Kw, 6);
    } finally {
      await quarterStore.close();
    }
  });
});

describe('the forecast job scores what it forecast once the actuals are in (forecast_error)', () => {
  // 10:05 UTC: the job's issue time; the site's clock is UTC so local days are plain UTC days.
  const issueMs = Date.UTC(2025, 5, 2, 10, 5);
  const scoringSite = { id: 'scored', latitude: 52.1, longitude: 5.1, timeZone: 'UTC', holidays: [] as string[] };
  const loadKw = (t: number) => 20 + 5 * Math.sin((2 * Math.PI * ((t / HOUR) % 24)) / 24) + ((t / HOUR) % 7) / 10;
  const pvKw = (t: number) => Math.max(0, 8 * Math.sin((Math.PI * (((t / HOUR) % 24) - 6)) / 12));
  const windKw = (t: number) => 30 + 10 * Math.sin((2 * Math.PI * ((t / HOUR) % 24)) / 24) + ((t / HOUR) % 5);

  it('after forecasting and the after-forecast step, scores every series: stored points and the baselines on the same issues, idempotently, one failure not stopping the others', async () => {
    const config = loadConfig({ INFLUX_URL: influxd.url, INFLUX_DATABASE: 'scoring', MODELS_DIR: modelsDir });
    const scoringStore = openInfluxStores(config.influx!, silentLogger, { lockSettleMs: 50 });
    await scoringStore.init();
    try {
      // Three weeks up to the issue time and the three hours after it, as if they had arrived since.
      const points: TelemetryPoint[] = [];
      for (let t = Math.floor(issueMs / HOUR) * HOUR - 21 * 24 * HOUR; t < issueMs + 3 * HOUR; t += HOUR) {
        points.push({ site: 'scored', feeder: 'f1', meter: 'home', kind: 'load', timeMs: t, fields: { power_kw: loadKw(t) } });
        points.push({ site: 'scored', feeder: 'f1', meter: 'roof', kind: 'pv', timeMs: t, fields: { power_kw: pvKw(t) } });
        points.push({ site: 'scored', feeder: 'f1', meter: 'mill', kind: 'wind', timeMs: t, fields: { power_kw: windKw(t) } });
      }
      await scoringStore.telemetry.writePoints(points);
      let clock = issueMs;
      const svc = new ForecastService({ stores: scoringStore, registry: new ModelRegistry(join(modelsDir, 'scoring')), config: config.forecast, sites: new Map([[scoringSite.id, scoringSite]]), logger: silentLogger, now: () => clock });
      let afterRuns = 0;
      const job = new ForecastJob('0 * * * *', svc, silentLogger, async () => void afterRuns++);
      const q = { site: 'scored', feeder: 'all', target: 'load', fromMs: issueMs - 48 * HOUR, toMs: issueMs + 48 * HOUR } as const;

      // At 10:05 nothing it forecast has happened yet: nothing to score.
      await job.runOnce();
      expect(afterRuns).toBe(1);
      expect(await scoringStore.forecasts.readForecastErrors(q)).toEqual([]);
      const issued = await scoringStore.forecasts.readForecastHistory(q);
      expect(issued.every((p) => p.model === 'seasonal-naive-week' && p.issuedAtMs === issueMs)).toBe(true);

      // Three hours later (13:05) the steps 11:00 and 12:00 of the 10:05 issue have ended; 13:00–14:00 hasn't.
      clock = issueMs + 3 * HOUR;
      await job.runOnce();
      expect(afterRuns).toBe(2);
      const scored = await scoringStore.forecasts.readForecastErrors(q);
      const firstStep = Math.ceil(issueMs / HOUR) * HOUR;
      // The 13:05 issue has no ended step yet; the 10:05 one has two, scored for the stored model and the other baseline.
      expect(new Set(scored.map((p) => p.issuedAtMs))).toEqual(new Set([issueMs]));
      expect(scored.map((p) => [p.model, p.timeMs - firstStep])).toEqual([
        ['seasonal-naive-day', 0],
        ['seasonal-naive-week', 0],
        ['seasonal-naive-day', HOUR],
        ['seasonal-naive-week', HOUR],
      ]);
      for (const p of scored) {
        expect(p.actualKw).toBeCloseTo(loadKw(p.timeMs), 9);
        expect(p.errorKw).toBeCloseTo(p.p50Kw - p.actualKw, 9);
      }
      // The stored forecast is scored as issued; the daily baseline is yesterday's same hour, all seen before 10:05.
      const storedAt = new Map(issued.map((p) => [p.timeMs, p.p50Kw]));
      for (const p of scored.filter((s) => s.model === 'seasonal-naive-week')) expect(p.p50Kw).toBe(storedAt.get(p.timeMs));
      for (const p of scored.filter((s) => s.model === 'seasonal-naive-day')) expect(p.p50Kw).toBeCloseTo(loadKw(p.timeMs - 24 * HOUR), 9);
      // PV has a position: the clear-sky baseline is scored too.
      const pv = await scoringStore.forecasts.readForecastErrors({ ...q, target: 'pv' });
      expect(new Set(pv.map((p) => p.model))).toEqual(new Set(['seasonal-naive-week', 'seasonal-naive-day', 'clear-sky-persistence']));
      // Wind adds persistence: the last value observed before 10:05, the 09:00–10:00 mean.
      const wind = await scoringStore.forecasts.readForecastErrors({ ...q, target: 'wind' });
      expect(wind.filter((p) => p.model === 'persistence').map((p) => p.p50Kw)).toEqual([windKw(issueMs - 65 * 60_000), windKw(issueMs - 65 * 60_000)]);

      // Run again at the same time: the same points, overwritten, not added. And scoring one series failing
      // leaves the others scored and the after-forecast step run.
      const count = async () => (await influxd.query('scoring', 'SELECT count("abs_error_kw") FROM forecast_error'))[0]!.values[0]![1];
      const before = await count();
      const spy = vi.spyOn(svc, 'scoreForecasts').mockRejectedValueOnce(new Error('store hiccup'));
      await job.runOnce();
      expect(spy).toHaveBeenCalledTimes(3);
      expect(afterRuns).toBe(3);
      spy.mockRestore();
      expect(await count()).toBe(before);
      expect(await scoringStore.forecasts.readForecastErrors(q)).toEqual(scored);

      // No look-ahead: rewriting telemetry the 10:05 issue could not have seen (10:00–11:00, not a scored step)
      // changes no score of that issue; persistence would pick it up first if the re-run saw it.
      const unseen = Math.floor(issueMs / HOUR) * HOUR;
      await scoringStore.telemetry.writePoints([
        { site: 'scored', feeder: 'f1', meter: 'home', kind: 'load', timeMs: unseen, fields: { power_kw: 500 } },
        { site: 'scored', feeder: 'f1', meter: 'mill', kind: 'wind', timeMs: unseen, fields: { power_kw: 500 } },
      ]);
      expect((await svc.scoreForecasts({ site: 'scored', feeder: 'all', target: 'load' })).filter((p) => p.issuedAtMs === issueMs)).toEqual(scored);
      expect((await svc.scoreForecasts({ site: 'scored', feeder: 'all', target: 'wind' })).filter((p) => p.issuedAtMs === issueMs)).toEqual(wind);
    } finally {
      await scoringStore.close();
    }
  });
});

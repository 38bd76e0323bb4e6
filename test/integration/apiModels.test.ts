import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forecastRunSchema, trainingStartSchema } from '../../src/api/index.js';
import { problemSchema } from '../../src/api/problem.js';
import { backtestSchema } from '../../src/api/routes/backtests.js';
import { forecastResponseSchema } from '../../src/api/routes/forecasts.js';
import { modelDetailSchema, modelSeriesSchema } from '../../src/api/routes/models.js';
import { silentLogger } from '../../src/common/logger.js';
import { loadConfig } from '../../src/config/index.js';
import { ForecastService, ModelRegistry } from '../../src/forecast/index.js';
import { OnDemandJobs } from '../../src/scheduler/index.js';
import { openDuckDbStores, type Stores } from '../../src/storage/index.js';
import { HOUR } from '../support/apiData.js';
import { call, postJson, startTestApi, type TestApi } from '../support/apiHarness.js';
import { sleep } from '../support/services.js';
import type { TelemetryPoint } from '../../src/contract/index.js';

/**
 * Forecasting and the model registry through the API, with the real ForecastService (a tiny LSTM) on a
 * real DuckDB store: issue forecasts, train in the background, list and inspect models and backtests,
 * promote and roll back.
 */
const nowMs = Math.floor(Date.now() / HOUR) * HOUR + 10 * 60_000;
let dir: string;
let stores: Stores;
let api: TestApi;
let jobs: OnDemandJobs;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridcast-api-models-'));
  stores = openDuckDbStores({ path: join(dir, 'gridcast.duckdb') }, silentLogger);
  await stores.init();
  // 24 days of hourly load with a daily shape: enough to train (21 days) and validate (1 day).
  const points: TelemetryPoint[] = [];
  for (let t = nowMs - 24 * 24 * HOUR - 10 * 60_000; t < nowMs; t += HOUR) {
    const hour = (t / HOUR) % 24;
    for (const meter of ['m1', 'm2']) points.push({ site: 'town', feeder: 'f1', meter, kind: 'load', timeMs: t, fields: { power_kw: 10 + 4 * Math.sin((hour / 24) * 2 * Math.PI) + (meter === 'm2' ? 2 : 0) } });
  }
  await stores.telemetry.writePoints(points);
  const config = loadConfig({ MODELS_DIR: join(dir, 'models'), FORECAST_HISTORY_DAYS: '30', FORECAST_VALIDATION_DAYS: '1' });
  const service = new ForecastService({ stores, registry: new ModelRegistry(config.forecast.modelsDir), config: config.forecast, sites: new Map(), logger: silentLogger, now: () => nowMs, model: { epochs: 2, hiddenUnits: 8, decoderUnits: 8 } });
  jobs = new OnDemandJobs(service, stores.locks, silentLogger);
  api = await startTestApi(stores, {
    env: { MODELS_DIR: config.forecast.modelsDir },
    deps: { models: new ModelRegistry(config.forecast.modelsDir), runForecasts: (r) => jobs.runForecasts(r), startTraining: (r) => jobs.startTraining(r) },
  });
}, 60_000);
afterAll(async () => {
  await jobs?.stop();
  await api?.close();
  await stores?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('forecasts and models through the API', () => {
  it('POST /forecasts/run issues 48 h per series with what serves; GET /forecasts then returns them', async () => {
    const r = await postJson(`${api.url}/api/v1/forecasts/run`, api.keys.operate, { site: 'town' });
    expect(r.status).toBe(200);
    const run = forecastRunSchema.parse(r.json);
    expect(run.failed).toEqual([]);
    expect(run.issued).toEqual([{ site: 'town', feeder: 'all', target: 'load', model: 'seasonal-naive-week', steps: 48, issuedAt: new Date(nowMs).toISOString() }]);
    const f = forecastResponseSchema.parse((await call(`${api.url}/api/v1/forecasts?site=town&from=${nowMs}&to=now+3d`, api.keys.read)).json);
    expect(f.points).toHaveLength(48);
    expect(f.points.every((p) => p.model === 'seasonal-naive-week' && p.issuedAt === new Date(nowMs).toISOString())).toBe(true);
    // Nothing for a site without telemetry.
    expect(forecastRunSchema.parse((await postJson(`${api.url}/api/v1/forecasts/run`, api.keys.operate, { site: 'elsewhere' })).json)).toEqual({ issued: [], failed: [] });
  });

  it('POST /models/train answers 202 at once and trains in the background (409 while it runs); /models, /models/{id} and /backtests show the result', async () => {
    const started = await postJson(`${api.url}/api/v1/models/train`, api.keys.admin, { site: 'town', target: 'load' });
    expect(started.status).toBe(202);
    expect(trainingStartSchema.parse(started.json).series).toEqual([{ site: 'town', feeder: 'all', target: 'load' }]);
    const again = await postJson(`${api.url}/api/v1/models/train`, api.keys.admin, {});
    expect(again.status).toBe(409);
    expect(problemSchema.parse(again.json).type).toBe('/api/v1/docs#problem-conflict');

    let series: ReturnType<typeof modelSeriesSchema.parse>[] = [];
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      series = modelSeriesSchema.array().parse((await call(`${api.url}/api/v1/models`, api.keys.read)).json);
      if (series[0]?.models.length) break;
      await sleep(250);
    }
    const load = series.find((s) => s.target === 'load')!;
    expect(load.models).toHaveLength(1);
    const model = load.models[0]!;
    expect(model.id).toBe(`town:all:load:${model.version}`);
    expect(load.lastDecision?.reason).toMatch(/MAE/);
    expect(load.serving).toBe(load.lastDecision!.serving);
    expect(model.validationMaeKw).toBeGreaterThan(0);

    const detail = modelDetailSchema.parse((await call(`${api.url}/api/v1/models/${model.id}`, api.keys.read)).json);
    expect(detail.validation.baselines['seasonal-naive-week']!.maeKw).toBeGreaterThanOrEqual(0);
    expect(detail.resolutionMinutes).toBe(60);
    expect(detail.history.length).toBeGreaterThanOrEqual(1);
    const missing = await call(`${api.url}/api/v1/models/town:all:load:20000101T000000Z`, api.keys.read);
    expect(missing.status).toBe(404);

    const backtests = backtestSchema.array().parse((await call(`${api.url}/api/v1/backtests?site=town`, api.keys.read)).json);
    expect(backtests).toHaveLength(1);
    expect(backtests[0]!.results.map((r) => r.kind)).toEqual(['model', 'baseline', 'baseline']);
    expect(backtests[0]!.results[0]!.metrics.maeKw).toBe(model.validationMaeKw);
    const csv = (await call(`${api.url}/api/v1/backtests`, api.keys.read, { accept: 'text/csv' })).text.trim().split('\r\n');
    expect(csv[0]).toBe('modelId,site,feeder,target,windowFrom,windowTo,method,kind,n,maeKw,rmseKw,mapePct,nmaePct,mase,pinballKw,coverageP10P90');
    expect(csv).toHaveLength(4);
    // The trainer lock is free again once training is done: a second run may start.
    await waitForLockFree();
  }, 120_000);

  it('promote (admin only) switches what serves; rollback goes back; rollback with nothing before is a 409 problem', async () => {
    const [load] = modelSeriesSchema.array().parse((await call(`${api.url}/api/v1/models`, api.keys.read)).json);
    const before = load!.serving;
    const other = before === 'seasonal-naive-day' ? 'seasonal-naive-week' : 'seasonal-naive-day';
    const id = `town:all:load:baseline:${other}`;
    expect((await postJson(`${api.url}/api/v1/models/${id}/promote`, api.keys.operate, {})).status).toBe(403);
    const promoted = await postJson<{ serving: string }>(`${api.url}/api/v1/models/${id}/promote`, api.keys.admin, {});
    expect(promoted.status).toBe(200);
    expect(promoted.json.serving).toBe(other);
    expect(modelSeriesSchema.array().parse((await call(`${api.url}/api/v1/models`, api.keys.read)).json)[0]!.serving).toBe(other);
    const unknown = await postJson<{ invalidParams: { allowed: string }[] }>(`${api.url}/api/v1/models/town:all:load:baseline:nope/promote`, api.keys.admin, {});
    expect(unknown.status).toBe(404);
    expect(unknown.json.invalidParams[0]!.allowed).toContain('seasonal-naive-week');

    const back = await postJson<{ serving: string }>(`${api.url}/api/v1/models/rollback`, api.keys.admin, { site: 'town', feeder: 'all', target: 'load' });
    expect(back.status).toBe(200);
    expect(back.json.serving).toBe(before);
    const nothing = await postJson(`${api.url}/api/v1/models/rollback`, api.keys.admin, { site: 'town', feeder: 'all', target: 'wind' });
    expect(nothing.status).toBe(409);
  });
});

async function waitForLockFree(): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await stores.locks.tryAcquireLock('trainer', 'test', 1000)) {
      await stores.locks.releaseLock('trainer', 'test');
      return;
    }
    await sleep(100);
  }
  throw new Error('trainer lock still held after training');
}

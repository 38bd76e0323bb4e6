import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/common/errors.js';
import { silentLogger } from '../../src/common/logger.js';
import { createMetricsRegistry, type Registry } from '../../src/common/metrics.js';
import { loadConfig } from '../../src/config/index.js';
import { DispatchService, dispatchFileSchema, mqttPlanPublisher } from '../../src/dispatch/index.js';
import { ForecastService, ModelRegistry, type SeriesRef } from '../../src/forecast/index.js';
import { startEmbeddedBroker } from '../../src/ingest/index.js';
import { JobMetrics, startScheduler } from '../../src/scheduler/index.js';
import { openDuckDbStores, type Stores } from '../../src/storage/index.js';
import { forecastPoints, HOUR, SITE } from '../support/apiData.js';
import { sleep } from '../support/services.js';

/**
 * The job metrics an operator alerts on, from real scheduler runs over a real (DuckDB) store: the forecast
 * job with dispatch re-planning after it, once succeeding and once failing each.
 */
const baseMs = Math.floor(Date.now() / HOUR) * HOUR;
let dir: string;
let stores: Stores;
let config: ReturnType<typeof loadConfig>;

/** A forecast service whose store "goes down" on request: discoverSeries is the run's first read. */
class FlakyForecastService extends ForecastService {
  storeDown = false;
  override async discoverSeries(): Promise<SeriesRef[]> {
    if (this.storeDown) throw new StoreUnavailableError('store unreachable (test)');
    return super.discoverSeries();
  }
}

const sites = (...ids: string[]) =>
  dispatchFileSchema.parse({
    sites: ids.map((site) => ({
      site,
      timeZone: 'Europe/Amsterdam',
      stepMinutes: 60,
      horizonHours: 24,
      batteries: [{ id: 'bess', capacityKwh: 40, maxChargeKw: 10, maxDischargeKw: 10, socInitialPct: 50 }],
      grid: { importLimitKw: 200, exportLimitKw: 100, importPricePerKwh: 0.2, exportPricePerKwh: 0.05 },
      reserve: { method: 'none' },
      solver: { relaxIntegrality: true },
    })),
  }).sites;

async function values(registry: Registry, name: string): Promise<Map<string, number>> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values: vs } = await metric.get();
  // A histogram's values are its _bucket, _sum and _count series, each named.
  const seriesName = (v: (typeof vs)[number]) => ('metricName' in v && typeof v.metricName === 'string' ? v.metricName : name);
  return new Map(vs.map((v) => [`${seriesName(v)}${v.labels.job !== undefined ? `{${String(v.labels.job)}}` : ''}`, v.value]));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridcast-job-metrics-'));
  config = loadConfig({ MODELS_DIR: join(dir, 'models') });
  stores = openDuckDbStores({ path: join(dir, 'gridcast.duckdb') }, silentLogger);
  await stores.init();
  // Stored forecasts for `town` only: a site without any can't be planned.
  await stores.forecasts.writeForecasts(forecastPoints(SITE, baseMs, baseMs - 2 * HOUR, 'A'));
}, 60_000);
afterAll(async () => {
  await stores?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('job metrics from real scheduler runs', () => {
  it('counts successes (timestamp), failures and durations per job; dispatch solve time per plan', async () => {
    const registry = createMetricsRegistry();
    const service = new FlakyForecastService({ stores, registry: new ModelRegistry(config.forecast.modelsDir), config: config.forecast, sites: new Map(), logger: silentLogger });
    let dispatch = new DispatchService({ stores, sites: sites(SITE), logger: silentLogger, now: () => baseMs, metrics: registry });
    const scheduler = startScheduler(config.forecast, service, stores.locks, silentLogger, { dispatch: () => dispatch.runAll(), metrics: new JobMetrics(registry) });
    try {
      const forecast = scheduler.jobs.find((j) => j.name === 'forecast')!;
      // Before any run every job's failures show, at 0; no success timestamp yet.
      expect(await values(registry, 'gridcast_job_failures_total')).toEqual(new Map([['gridcast_job_failures_total{forecast}', 0], ['gridcast_job_failures_total{retrain}', 0], ['gridcast_job_failures_total{dispatch}', 0]]));
      expect((await values(registry, 'gridcast_job_last_success_timestamp_seconds')).size).toBe(0);

      const before = Date.now() / 1000;
      await forecast.runOnce();
      const after = Date.now() / 1000;
      const ok = await values(registry, 'gridcast_job_last_success_timestamp_seconds');
      for (const job of ['forecast', 'dispatch']) {
        expect(ok.get(`gridcast_job_last_success_timestamp_seconds{${job}}`)).toBeGreaterThanOrEqual(before);
        expect(ok.get(`gridcast_job_last_success_timestamp_seconds{${job}}`)).toBeLessThanOrEqual(after);
      }
      expect(ok.has('gridcast_job_last_success_timestamp_seconds{retrain}')).toBe(false);
      const solve = await values(registry, 'gridcast_dispatch_solve_seconds');
      expect(solve.get('gridcast_dispatch_solve_seconds_count')).toBe(1);
      expect(solve.get('gridcast_dispatch_solve_seconds_sum')).toBeGreaterThan(0);

      // The store goes down: the forecast run fails (and dispatch doesn't run after it).
      service.storeDown = true;
      await sleep(5); // a later success must show a later timestamp
      await forecast.runOnce();
      expect((await values(registry, 'gridcast_job_failures_total')).get('gridcast_job_failures_total{forecast}')).toBe(1);
      expect((await values(registry, 'gridcast_job_last_success_timestamp_seconds')).get('gridcast_job_last_success_timestamp_seconds{forecast}')).toBe(ok.get('gridcast_job_last_success_timestamp_seconds{forecast}'));

      // The store is back, but one site has no forecast: the forecast run succeeds, the dispatch run fails.
      service.storeDown = false;
      dispatch = new DispatchService({ stores, sites: sites(SITE, 'nowhere'), logger: silentLogger, now: () => baseMs, metrics: registry });
      await forecast.runOnce();
      const failures = await values(registry, 'gridcast_job_failures_total');
      expect(failures.get('gridcast_job_failures_total{forecast}')).toBe(1);
      expect(failures.get('gridcast_job_failures_total{dispatch}')).toBe(1);
      expect(failures.get('gridcast_job_failures_total{retrain}')).toBe(0);
      const last = await values(registry, 'gridcast_job_last_success_timestamp_seconds');
      expect(last.get('gridcast_job_last_success_timestamp_seconds{forecast}')).toBeGreaterThan(ok.get('gridcast_job_last_success_timestamp_seconds{forecast}')!);
      expect(last.get('gridcast_job_last_success_timestamp_seconds{dispatch}')).toBe(ok.get('gridcast_job_last_success_timestamp_seconds{dispatch}'));

      // Every run timed, failed ones included; town was planned again on the last run.
      const duration = await values(registry, 'gridcast_job_duration_seconds');
      expect(duration.get('gridcast_job_duration_seconds_count{forecast}')).toBe(3);
      expect(duration.get('gridcast_job_duration_seconds_count{dispatch}')).toBe(2);
      expect((await values(registry, 'gridcast_dispatch_solve_seconds')).get('gridcast_dispatch_solve_seconds_count')).toBe(2);
    } finally {
      await scheduler.stop();
    }
  });

  it('gridcast_mqtt_connected{client="dispatch"}: 0 before the connection, 1 while connected, 0 once closed', async () => {
    const registry = createMetricsRegistry();
    const broker = await startEmbeddedBroker('127.0.0.1', 0, silentLogger);
    try {
      const publisher = mqttPlanPublisher(broker.url, { ...config.mqtt, protocolVersion: 4 }, registry);
      const connected = async () => (await registry.getSingleMetric('gridcast_mqtt_connected')!.get()).values.find((v) => v.labels.client === 'dispatch')?.value;
      expect(await connected()).toBe(0);
      for (let i = 0; i < 100 && (await connected()) !== 1; i++) await sleep(20);
      expect(await connected()).toBe(1);
      await publisher.close();
      expect(await connected()).toBe(0);
    } finally {
      await broker.close();
    }
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.js';
import { loadConfig } from '../../src/config/index.js';
import { simulatedHistory } from '../support/telemetryFixtures.js';
import { ForecastService, ModelRegistry, type SeriesRef } from '../../src/forecast/index.js';
import { startScheduler, TrainQueue } from '../../src/scheduler/index.js';
import { openInfluxStores, type Stores } from '../../src/storage/index.js';
import { fleetConfigSchema } from '../../simulators/fleetConfig.js';
import { FleetModel } from '../../simulators/fleetModel.js';
import { Influxd, Redis, freePort, sleep } from '../support/services.js';
import { GridcastProcess } from '../support/gridcastProcess.js';

/**
 * Training shared through BullMQ on a real Redis by two real worker processes (test/support/trainWorker.ts: the
 * TrainQueue's worker with the real ForecastService, on a real InfluxDB and one model registry), one of them
 * SIGKILLed while it trains: its series goes to the other once its lock lapses; every series is trained, none
 * by two workers at once, and queuing a series already queued adds nothing.
 */
const HOUR = 3_600_000;
const WORKER = fileURLToPath(new URL('../support/trainWorker.ts', import.meta.url));
const sites = ['north', 'south'].map((id, i) => ({ id, latitude: 52.1 + i, longitude: 5.1, timeZone: 'Europe/Amsterdam', holidays: [] as string[] }));
const nowMs = Math.floor(Date.now() / HOUR) * HOUR + 10 * 60_000;
const LOCK_SECONDS = 5;

let redis: Redis;
let influxd: Influxd;
let stores: Stores;
let modelsDir: string;
const procs: ChildProcess[] = [];

beforeAll(async () => {
  [redis, influxd] = await Promise.all([Redis.start(), Influxd.start()]);
  modelsDir = await mkdtemp(join(tmpdir(), 'gridcast-queue-models-'));
  stores = openInfluxStores(loadConfig({ INFLUX_URL: influxd.url, INFLUX_DATABASE: 'queue' }).influx!, silentLogger);
  await stores.init();
  // Four weeks of hourly load and PV at two sites (three weeks to train, three days to validate): four series.
  const fleet = new FleetModel(fleetConfigSchema.parse({ sites: sites.map((s) => ({ ...s, feeders: [{ id: 'f1', load: { residential: 4, commercial: 1 }, pv: 2 }] })) }), 5);
  const points = simulatedHistory(fleet, nowMs - 28 * 24 * HOUR - 10 * 60_000, nowMs);
  await stores.telemetry.writePoints(points);
}, 120_000);
afterAll(async () => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  await stores?.close();
  await Promise.all([redis?.destroy(), influxd?.destroy()]);
  if (modelsDir) await rm(modelsDir, { recursive: true, force: true });
});

interface Event {
  event: 'ready' | 'start' | 'done' | 'failed';
  error?: string;
  series?: string;
  pid: number;
  atMs: number;
}

function startWorker(events: Event[]): ChildProcess {
  const env = {
    ...process.env,
    INFLUX_URL: influxd.url,
    INFLUX_DATABASE: 'queue',
    MODELS_DIR: modelsDir,
    JOB_QUEUE_URL: redis.url,
    JOB_LOCK_SECONDS: String(LOCK_SECONDS),
    NOW_MS: String(nowMs),
    FORECAST_HISTORY_DAYS: '28',
    FORECAST_VALIDATION_DAYS: '3',
    SITES_JSON: JSON.stringify(sites),
  };
  const proc = spawn(process.execPath, ['--import', 'tsx', WORKER], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let buffered = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) if (line.startsWith('{')) events.push({ ...(JSON.parse(line) as Event) });
  });
  proc.stderr!.on('data', (d: Buffer) => process.stderr.write(d));
  procs.push(proc);
  return proc;
}

let seen: Event[] = [];
async function until(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !done(); await sleep(100)) if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(seen)}`);
}

describe('training queue (BullMQ on Redis) across two worker processes', () => {
  it('a SIGKILLed worker\'s series goes to the other after JOB_LOCK_SECONDS; every series trained, none twice at once, none queued twice', async () => {
    const series: SeriesRef[] = sites.flatMap((s) => (['load', 'pv'] as const).map((target) => ({ site: s.id, feeder: 'all', target })));
    const events: Event[] = [];
    seen = events;
    const a = startWorker(events);
    const b = startWorker(events);
    await until('both workers ready', () => events.filter((e) => e.event === 'ready').length === 2, 60_000);

    const queue = new TrainQueue({ url: redis.url, lockSeconds: LOCK_SECONDS, logger: silentLogger });
    try {
      expect(await queue.submit(series, 'test')).toHaveLength(4);
      // The cron firing on a second instance: all four are waiting or running already.
      expect(await queue.submit(series, 'test')).toHaveLength(0);

      // Kill a as soon as it has started a series.
      await until('worker a to start a series', () => events.some((e) => e.event === 'start' && e.pid === a.pid), 60_000);
      const killed = events.find((e) => e.event === 'start' && e.pid === a.pid)!;
      a.kill('SIGKILL');
      const killedAtMs = Date.now();
      await new Promise((r) => a.once('exit', r));

      // b trains everything else, and a's series once its lock lapses.
      const doneSeries = () => new Set(events.filter((e) => e.event === 'done').map((e) => e.series));
      await until('every series trained', () => series.every((s) => doneSeries().has(`${s.site}/${s.feeder}/${s.target}`)), 240_000);
      const again = events.find((e) => e.event === 'start' && e.pid === b.pid && e.series === killed.series)!;
      expect(again.atMs).toBeGreaterThan(killedAtMs);
      expect(events.filter((e) => e.event === 'done' && e.pid === a.pid && e.series === killed.series)).toHaveLength(0);

      // One run at a time per series: no two starts of a series without a kill or a finish between them.
      for (const s of series) {
        const key = `${s.site}/${s.feeder}/${s.target}`;
        const runs = events.filter((e) => e.series === key && e.event !== 'ready');
        const starts = runs.filter((e) => e.event === 'start');
        expect(starts.length, key).toBe(key === killed.series ? 2 : 1);
        expect(runs.filter((e) => e.event === 'done'), key).toHaveLength(1);
      }
      // Each trained version is in the shared registry, and nothing is left queued.
      const registry = new ModelRegistry(modelsDir);
      for (const s of series) expect((await registry.versions(s)).length, `${s.site}/${s.target}`).toBeGreaterThanOrEqual(1);
      expect(await queue.pending()).toBe(0);
      // The queue takes a series again once its last run is done (and b trains it).
      expect(await queue.submit(series.slice(0, 1), 'test')).toHaveLength(1);
      for (const deadline = Date.now() + 60_000; (await queue.pending()) > 0 && Date.now() < deadline; ) await sleep(200);
      expect(await queue.pending()).toBe(0);
    } finally {
      await queue.close();
      b.kill('SIGTERM');
      await new Promise((r) => b.once('exit', r));
    }
  }, 300_000);

  it('in one process: the retrain job queues every series, the scheduler\'s worker trains each once; a second run while they wait adds nothing', async () => {
    const config = loadConfig({
      INFLUX_URL: influxd.url,
      INFLUX_DATABASE: 'queue',
      MODELS_DIR: modelsDir,
      JOB_QUEUE_URL: redis.url,
      JOB_LOCK_SECONDS: String(LOCK_SECONDS),
      FORECAST_HISTORY_DAYS: '28',
      FORECAST_VALIDATION_DAYS: '3',
      // Never on their own during the test: the retrain job runs once, by hand.
      FORECAST_CRON: '0 0 1 1 *',
      RETRAIN_CRON: '0 0 1 1 *',
    });
    const registry = new ModelRegistry(modelsDir);
    const service = new ForecastService({ stores, registry, config: config.forecast, sites: new Map(sites.map((s) => [s.id, s])), logger: silentLogger, now: () => nowMs + HOUR, model: { epochs: 2, hiddenUnits: 8, decoderUnits: 8 } }); // versions are named by creation time: an hour on from the first test's
    const queue = new TrainQueue({ ...config.forecast.jobQueue!, logger: silentLogger });
    const before = new Map<string, number>();
    const series = await service.discoverSeries();
    expect(series).toHaveLength(4);
    for (const s of series) before.set(`${s.site}/${s.target}`, (await registry.versions(s)).length);
    const scheduler = startScheduler(config.forecast, service, stores.locks, silentLogger, { queue });
    try {
      const retrain = scheduler.jobs.find((j) => j.name === 'retrain')!;
      await retrain.runOnce();
      await retrain.runOnce();
      for (const deadline = Date.now() + 120_000; (await queue.pending()) > 0 && Date.now() < deadline; ) await sleep(200);
      expect(await queue.pending()).toBe(0);
      // One new version per series: each trained once, though the retrain job ran twice.
      for (const s of series) expect((await registry.versions(s)).length, `${s.site}/${s.target}`).toBe(before.get(`${s.site}/${s.target}`)! + 1);
    } finally {
      await scheduler.stop();
      await queue.close();
    }
  }, 180_000);

  it('gridcast schedule with JOB_QUEUE_URL: /ready names the queue\'s Redis, and answers 503 while it is down', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gridcast-queue-schedule-'));
    const proc = new GridcastProcess('schedule', { JOB_QUEUE_URL: redis.url, DUCKDB_PATH: join(dir, 'g.duckdb'), MODELS_DIR: join(dir, 'models'), API_KEYS_FILE: join(dir, 'keys.json') }, await freePort());
    try {
      await proc.start();
      const ready = async () => {
        const r = await fetch(`${proc.httpUrl}/ready`);
        return { status: r.status, checks: ((await r.json()) as { checks: { name: string; ok: boolean; detail?: string }[] }).checks };
      };
      const up = await ready();
      expect(up.status).toBe(200);
      expect(up.checks.find((c) => c.name === 'train-queue')).toEqual({ name: 'train-queue', ok: true, detail: `redis 127.0.0.1:${redis.port}` });
      await redis.stop();
      const down = await ready();
      expect(down.status).toBe(503);
      expect(down.checks.find((c) => c.name === 'train-queue')).toMatchObject({ ok: false, detail: expect.stringMatching(/^redis 127\.0\.0\.1:\d+: /) as string });
      await redis.start();
      for (let deadline = Date.now() + 20_000; (await ready()).status !== 200 && Date.now() < deadline; ) await sleep(250);
      expect((await ready()).status).toBe(200);
      expect(await proc.kill('SIGTERM')).toBe(0);
    } finally {
      await proc.ensureStopped();
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

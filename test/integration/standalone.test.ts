import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.js';
import { openDuckDbStores } from '../../src/storage/index.js';
import { ARTIFACTS, launchChromium, panels } from '../support/browser.js';
import { GridcastProcess } from '../support/gridcastProcess.js';
import { freePort, sleep } from '../support/services.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('gridcast start (standalone: embedded broker, DuckDB)', () => {
  it('ingests over the embedded broker, answers /health /ready /metrics, stops on SIGTERM with exit 0 and everything stored', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gridcast-standalone-'));
    dirs.push(dir);
    const brokerPort = await freePort();
    const proc = new GridcastProcess('start', { MQTT_BROKER_PORT: String(brokerPort), DUCKDB_PATH: join(dir, 'db', 'gridcast.duckdb'), SPOOL_DIR: join(dir, 'spool') }, await freePort());
    await proc.start();
    try {
      expect(proc.output).toContain('mosquitto_pub');
      const health = await (await fetch(`${proc.httpUrl}/health`)).json();
      expect(health).toMatchObject({ status: 'ok' });
      const ready = (await (await fetch(`${proc.httpUrl}/ready`)).json()) as { checks: { name: string; ok: boolean }[] };
      expect(ready.checks.map((c) => [c.name, c.ok])).toEqual([
        ['mqtt', true],
        ['store', true],
      ]);

      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort}`, { protocolVersion: 4, clientId: 'standalone-test' });
      const now = Date.now();
      const readings = Array.from({ length: 500 }, (_, i) => ({ ts: now - 500_000 + i * 1000, kind: 'pv', powerKw: i / 2 }));
      await client.publishAsync('gridcast/v1/home/f1/roof/telemetry', JSON.stringify(readings.slice(0, 250)), { qos: 1 });
      for (const r of readings.slice(250)) await client.publishAsync('gridcast/v1/home/f1/roof/telemetry', JSON.stringify(r), { qos: 1 });
      await client.publishAsync('gridcast/v1/home/f1/roof/telemetry', 'oops', { qos: 1 });
      await client.endAsync();

      const deadline = Date.now() + 15_000;
      while ((await proc.metric('gridcast_ingest_readings_accepted_total')) < 500 && Date.now() < deadline) await sleep(100);
      expect(await proc.metric('gridcast_ingest_readings_accepted_total')).toBe(500);
      const metrics = await (await fetch(`${proc.httpUrl}/metrics`)).text();
      expect(metrics).toContain('gridcast_ingest_readings_rejected_total{reason="invalid_json"} 1');
      expect(metrics).toContain('gridcast_spool_depth_readings 0');
      expect(metrics).toMatch(/gridcast_store_write_duration_seconds_count [1-9]/);
      expect(metrics).toMatch(/gridcast_ingest_lag_seconds_count [1-9]/);
      // What an operator's dashboards and alerts read besides ingestion (docs/observability.md).
      expect(metrics).toContain('gridcast_mqtt_connected{client="ingester"} 1');
      expect(metrics).toMatch(/^process_resident_memory_bytes [1-9]/m);
      expect(metrics).toContain('gridcast_job_failures_total{job="forecast"} 0');
      expect(metrics).toMatch(/^http_request_duration_seconds_count\{.*route="\/health".*\} 1$/m);
    } finally {
      expect(await proc.kill('SIGTERM')).toBe(0);
    }
    const stores = openDuckDbStores({ path: join(dir, 'db', 'gridcast.duckdb') }, silentLogger);
    await stores.init();
    const series = await stores.telemetry.queryTelemetry({ field: 'power_kw', fromMs: 0, toMs: Date.now() + 60_000, bucketMs: 86_400_000 * 365, aggregate: 'sum', where: { site: 'home' } });
    await stores.close();
    expect(series[0]!.points.reduce((n, p) => n + p.value, 0)).toBe((499 * 500) / 4);
  });

  describe('start --simulate 12: the demo, as a newcomer meets it', { timeout: 240_000 }, () => {
    let proc: GridcastProcess;
    let startedAtMs: number;
    let backfill: { meters: number; backfillMinutes: number; backfillIntervalSeconds: number; intervalSeconds: number };
    interface ForecastAnswer {
      points: { time: string; issuedAt: string; model: string; p10Kw: number; p50Kw: number; p90Kw: number }[];
    }
    interface PlanAnswer {
      site: string;
      forecasts: Record<'load' | 'pv' | 'wind', { model: string; issuedAt: string }>;
      steps: { time: string; loadKw: number; pvAvailableKw: number; windAvailableKw: number; netLoadKw: number }[];
    }

    /** The whole stored forecast: the API's default range (this hour + 48 h) would cut its last step. */
    const forecastUrl = (target: string) => `${proc.httpUrl}/api/v1/forecasts?site=demo-site&target=${target}&to=${new Date(Date.now() + 72 * 3_600_000).toISOString()}`;

    beforeAll(async () => {
      const dir = await mkdtemp(join(tmpdir(), 'gridcast-standalone-sim-'));
      dirs.push(dir);
      const env = { MQTT_BROKER_PORT: String(await freePort()), DUCKDB_PATH: join(dir, 'gridcast.duckdb'), SPOOL_DIR: join(dir, 'spool'), MODELS_DIR: join(dir, 'models') };
      proc = new GridcastProcess('start', env, await freePort(), [], ['--simulate', '12']);
      startedAtMs = Date.now();
      await proc.start();
      // The demo forecasts (and plans) once the backfill has landed: wait for that run to finish.
      const deadline = Date.now() + 150_000;
      while (!/"job":"forecast"[^\n]*"msg":"job done"/.test(proc.output) && Date.now() < deadline) await sleep(500);
      const started = /\{[^\n]*"msg":"simulated meters publishing"[^\n]*\}/.exec(proc.output);
      backfill = JSON.parse(started![0]) as typeof backfill;
    }, 180_000);
    afterAll(async () => {
      if (proc) expect(await proc.kill('SIGTERM')).toBe(0);
    });

    it('backfills 44 days (5 weeks to train on, 1 to validate), a reading every 15 minutes per meter, then one a minute: every reading is accounted for, none refused for a bad field', async () => {
      expect(backfill).toMatchObject({ backfillMinutes: 44 * 24 * 60, backfillIntervalSeconds: 900, intervalSeconds: 60 });
      const accepted = await proc.metric('gridcast_ingest_readings_accepted_total');
      const tooOld = await proc.metric('gridcast_ingest_readings_rejected_total{reason="timestamp_too_old"}');
      // The backfill's ticks (one more where both ends fall on a quarter hour), then a reading a minute from the
      // last quarter hour on (up to 15 before the start), plus the live minutes since.
      const perMeter = (accepted + tooOld) / backfill.meters;
      const backfillTicks = (backfill.backfillMinutes * 60) / backfill.backfillIntervalSeconds;
      const liveMinutes = Math.ceil((Date.now() - startedAtMs) / 60_000) + 1;
      expect(Number.isInteger(perMeter)).toBe(true);
      expect(perMeter).toBeGreaterThanOrEqual(backfillTicks);
      expect(perMeter).toBeLessThanOrEqual(backfillTicks + 1 + 15 + liveMinutes);
      for (const reason of ['invalid_field', 'missing_field', 'implausible_value', 'invalid_payload_shape', 'processing_failed']) {
        expect(await proc.metric(`gridcast_ingest_readings_rejected_total{reason="${reason}"}`), reason).toBe(0);
      }
      expect(await proc.metric('gridcast_spool_depth_readings')).toBe(0);
    });

    // The demo backfills 44 days while INGEST_MAX_AGE_HOURS defaults to 7: the demo's ingester raises its own limit.
    it('stores the whole backfill (nothing dead-lettered as too old)', async () => {
      expect(await proc.metric('gridcast_ingest_readings_rejected_total{reason="timestamp_too_old"}')).toBe(0);
    });

    it('issues the first forecast from the backfill: 48 hourly steps for load, pv and wind, P10 ≤ P50 ≤ P90', async () => {
      for (const target of ['load', 'pv', 'wind'] as const) {
        const f = (await (await fetch(forecastUrl(target))).json()) as ForecastAnswer;
        expect(f.points, target).toHaveLength(48);
        const times = f.points.map((p) => Date.parse(p.time));
        expect(times.every((t, i) => i === 0 || t - times[i - 1]! === 3_600_000), target).toBe(true);
        expect(times[0]! - Date.now()).toBeLessThanOrEqual(3_600_000);
        expect(new Set(f.points.map((p) => p.issuedAt)).size, target).toBe(1);
        for (const p of f.points) {
          expect(Number.isFinite(p.p50Kw) && p.p10Kw <= p.p50Kw && p.p50Kw <= p.p90Kw, `${target} ${p.time}`).toBe(true);
          expect(p.p50Kw, `${target} ${p.time}`).toBeGreaterThanOrEqual(0);
        }
        if (target === 'load') expect(Math.min(...f.points.map((p) => p.p50Kw))).toBeGreaterThan(0);
      }
    });

    it('plans dispatch for demo-site from exactly those forecasts: each step balances load − pv − wind', async () => {
      const plan = (await (await fetch(`${proc.httpUrl}/api/v1/dispatch?site=demo-site`)).json()) as PlanAnswer;
      expect(plan.site).toBe('demo-site');
      expect(plan.steps).toHaveLength(48);
      const load = (await (await fetch(forecastUrl('load'))).json()) as ForecastAnswer;
      expect(plan.forecasts.load).toEqual({ model: load.points[0]!.model, issuedAt: load.points[0]!.issuedAt });
      const p50At = new Map(load.points.map((p) => [p.time, p.p50Kw]));
      for (const step of plan.steps) {
        expect(step.loadKw, step.time).toBeCloseTo(p50At.get(step.time)!, 6);
        expect(step.netLoadKw, step.time).toBeCloseTo(step.loadKw - step.pvAvailableKw - step.windAvailableKw, 6);
      }
    });

    it('wind and PV baselines an operator would accept before a model serves: persistence for wind, clear-sky persistence for PV', async () => {
      const first = async (target: string) => {
        const f = (await (await fetch(forecastUrl(target))).json()) as ForecastAnswer;
        return f.points[0]!.model;
      };
      // Before training has finished (or where the model lost): the target's default baseline, never the week-old wind.
      expect(await first('wind')).toMatch(/^(persistence|lstm@.+)$/);
      expect(await first('pv')).toMatch(/^(clear-sky-persistence|lstm@.+)$/);
    });

    it('within 3 minutes of a fresh start the page (headless Chromium) shows training progress, then names an LSTM for load and draws its band', async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
        await page.goto(`${proc.httpUrl}/?site=demo-site&refresh=2`);
        const note = () => page.$eval('#panel-load .note', (el) => el.textContent ?? '');
        const model = () => page.$eval('#panel-load', (el) => (el as unknown as { dataset: Record<string, string> }).dataset.model ?? '');
        let sawTraining = false;
        while (!(await model()).startsWith('lstm@') && Date.now() - startedAtMs < 180_000) {
          if (/Training (load|pv|wind) model/.test(await note())) sawTraining = true;
          if (/The last model trained does not serve/.test(await note())) break;
          await sleep(1000);
        }
        await mkdir(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: join(ARTIFACTS, 'demo-first-run.png'), fullPage: true });
        expect(await model(), `after ${((Date.now() - startedAtMs) / 1000).toFixed(0)} s the load panel says: ${await note()}`).toMatch(/^lstm@/);
        expect(Date.now() - startedAtMs).toBeLessThan(180_000);
        expect(sawTraining || /lstm@/.test(proc.output), 'the page showed training progress, or the LSTM was already there').toBe(true);
        // Its band: P10 < P90 on the forecast the page draws, and the chart has ink.
        const f = (await (await fetch(forecastUrl('load'))).json()) as ForecastAnswer;
        // The step under way may still be the baseline's: the LSTM's first issue starts at the next full step,
        // and the latest issue covering each step answers. Every step from the LSTM's first on is the LSTM's.
        const fromLstm = f.points.findIndex((p) => /^lstm@/.test(p.model));
        expect(fromLstm, 'a step forecast by the LSTM').toBeGreaterThanOrEqual(0);
        expect(fromLstm, 'at most the step under way is the baseline\'s').toBeLessThanOrEqual(1);
        expect(f.points.slice(fromLstm).every((p) => /^lstm@/.test(p.model))).toBe(true);
        expect(f.points.filter((p) => p.p90Kw > p.p10Kw).length).toBeGreaterThan(f.points.length / 2);
        const inked = (await panels(page)).find((p) => p.id === 'panel-load')!.inked;
        expect(inked).toBeGreaterThan(1000);
      } finally {
        await browser.close();
      }
    });
  });

  it('gridcast schedule runs the forecast jobs alone: ready when the store is, exits 0 on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gridcast-schedule-'));
    dirs.push(dir);
    const proc = new GridcastProcess('schedule', { DUCKDB_PATH: join(dir, 'gridcast.duckdb'), MODELS_DIR: join(dir, 'models') }, await freePort());
    await proc.start();
    expect(proc.output).toContain('"job":"forecast"');
    expect(proc.output).toContain('"job":"retrain"');
    expect(await proc.kill('SIGTERM')).toBe(0);
  });

  it('refuses a bad setting at start with a message naming the variable, the value and what is allowed', () => {
    const cli = fileURLToPath(new URL('../../bin/gridcast.js', import.meta.url));
    const r = spawnSync(process.execPath, [cli, 'start'], { env: { ...process.env, HTTP_PORT: '80000', MQTT_SESSION_EXPIRY_SECONDS: 'soon' }, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("HTTP_PORT: got '80000' (from environment)");
    expect(r.stderr).toContain('Allowed: integer 0–65535');
    expect(r.stderr).toContain("MQTT_SESSION_EXPIRY_SECONDS: got 'soon'");
  });

  it('gridcast --version prints the package version; a usage error exits 2 like a config error', async () => {
    const cli = fileURLToPath(new URL('../../bin/gridcast.js', import.meta.url));
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const version = spawnSync(process.execPath, [cli, '--version'], { encoding: 'utf8' });
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);
    const unknown = spawnSync(process.execPath, [cli, 'strat'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'strat'/);
    const badArgument = spawnSync(process.execPath, [cli, 'start', '--simulate', 'lots'], { encoding: 'utf8' });
    expect(badArgument.status).toBe(2);
    expect(badArgument.stderr).toMatch(/'lots' is not a whole number of meters/);
  });

  it('gridcast ingest without MQTT_URL says so', () => {
    const cli = fileURLToPath(new URL('../../bin/gridcast.js', import.meta.url));
    const r = spawnSync(process.execPath, [cli, 'ingest'], { env: { ...process.env, MQTT_URL: '' }, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/MQTT_URL: got nothing/);
  });
});

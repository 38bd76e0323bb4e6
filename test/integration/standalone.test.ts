import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.js';
import { openDuckDbStores } from '../../src/storage/index.js';
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
    } finally {
      expect(await proc.kill('SIGTERM')).toBe(0);
    }
    const stores = openDuckDbStores({ path: join(dir, 'db', 'gridcast.duckdb') }, silentLogger);
    await stores.init();
    const series = await stores.telemetry.queryTelemetry({ field: 'power_kw', fromMs: 0, toMs: Date.now() + 60_000, bucketMs: 86_400_000 * 365, aggregate: 'sum', where: { site: 'home' } });
    await stores.close();
    expect(series[0]!.points.reduce((n, p) => n + p.value, 0)).toBe((499 * 500) / 4);
  });

  it('start --simulate N: simulated meters backfill an hour through the embedded broker, then report live', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gridcast-standalone-sim-'));
    dirs.push(dir);
    const env = { MQTT_BROKER_PORT: String(await freePort()), DUCKDB_PATH: join(dir, 'gridcast.duckdb'), SPOOL_DIR: join(dir, 'spool') };
    const proc = new GridcastProcess('start', env, await freePort(), [], ['--simulate', '6']);
    await proc.start();
    try {
      // 6 meters plus the weather station, one reading a minute for the last hour.
      const deadline = Date.now() + 30_000;
      while ((await proc.metric('gridcast_ingest_readings_accepted_total')) < 60 * 7 && Date.now() < deadline) await sleep(200);
      expect(await proc.metric('gridcast_ingest_readings_accepted_total')).toBeGreaterThanOrEqual(60 * 7);
      expect(await proc.metric('gridcast_ingest_readings_rejected_total{reason="invalid_field"}')).toBe(0);
    } finally {
      expect(await proc.kill('SIGTERM')).toBe(0);
    }
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

  it('gridcast ingest without MQTT_URL says so', () => {
    const cli = fileURLToPath(new URL('../../bin/gridcast.js', import.meta.url));
    const r = spawnSync(process.execPath, [cli, 'ingest'], { env: { ...process.env, MQTT_URL: '' }, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/MQTT_URL: got nothing/);
  });
});

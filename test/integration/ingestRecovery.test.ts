import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GridcastProcess } from '../support/gridcastProcess.js';
import { checkStored, countPoints, ingesterProcess as spawnIngester, startIngester, waitForCount } from '../support/platformHarness.js';
import { Influxd, Mosquitto, sleep } from '../support/services.js';
import { connectPublisher, fleetReadings, paced, publishAll, toMessages, type FleetReading } from '../support/telemetryFixtures.js';

let mosquitto: Mosquitto;
let influxd: Influxd;
let publisher: MqttClient;
const dirs: string[] = [];
const processes: GridcastProcess[] = [];

beforeAll(async () => {
  [mosquitto, influxd] = await Promise.all([Mosquitto.start(), Influxd.start()]);
  publisher = await connectPublisher(mosquitto.url);
});
afterEach(async () => {
  for (const p of processes.splice(0)) await p.ensureStopped();
  if (!(await fetch(`${influxd.url}/ping`).then(() => true, () => false))) await influxd.start();
});
afterAll(async () => {
  await publisher?.endAsync();
  await Promise.all([mosquitto?.destroy(), influxd?.destroy()]);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Every expected reading is in the store with its exact value (duplicates would have overwritten in place). */
async function expectAllStored(db: string, readings: FleetReading[]): Promise<void> {
  expect(await waitForCount(() => countPoints(influxd, db), readings.length, 45_000)).toBe(readings.length);
  const stored = await checkStored(influxd, db, readings);
  expect(stored.missing.length).toBe(0);
  expect(stored.rows).toBe(readings.length);
}

async function ingesterProcess(db: string): Promise<{ proc: GridcastProcess; spoolDir: string }> {
  const spoolDir = await mkdtemp(join(tmpdir(), 'gridcast-spool-'));
  dirs.push(spoolDir);
  const proc = await spawnIngester({ mqttUrl: mosquitto.url, influxUrl: influxd.url, database: db, clientId: `crash-${db}`, spoolDir });
  processes.push(proc);
  return { proc, spoolDir };
}

describe('nothing lost', { timeout: 120_000 }, () => {
  it('InfluxDB stopped for 10 s mid-stream: readings spool to disk and replay in order once it is back', async () => {
    const db = 'outage';
    const ing = await startIngester(mosquitto.url, influxd.url, db);
    try {
      const readings = fleetReadings({ meters: 100, perMeter: 200, startMs: Date.now() - 3_600_000 });
      const messages = toMessages(readings, 10, 2); // 1,000 arrays of 10 and 10,000 single readings
      let outage: Promise<void> | undefined;
      await publishAll(
        publisher,
        messages,
        20,
        paced(800, (sent) => {
          if (sent === 2000) {
            outage = (async () => {
              await influxd.stop();
              await sleep(10_000);
              await influxd.start();
            })();
          }
        }),
      );
      await outage;
      await expectAllStored(db, readings);
      const spooled = await ing.registry.getSingleMetricAsString('gridcast_ingest_readings_spooled_total');
      expect(Number(/ (\d+)$/m.exec(spooled)?.[1])).toBeGreaterThan(1000);
      const replayed = await ing.registry.getSingleMetricAsString('gridcast_ingest_readings_replayed_total');
      expect(replayed).toContain(`gridcast_ingest_readings_replayed_total ${/ (\d+)$/m.exec(spooled)?.[1]}`);
      expect(await ing.registry.getSingleMetricAsString('gridcast_spool_depth_readings')).toContain('gridcast_spool_depth_readings 0');
    } finally {
      await ing.stop();
    }
  });

  it('ingester killed with SIGKILL mid-stream and started again: nothing lost; SIGTERM then exits 0', async () => {
    const db = 'sigkill';
    const { proc } = await ingesterProcess(db);
    await proc.start();
    const readings = fleetReadings({ meters: 200, perMeter: 100, startMs: Date.now() - 3_600_000 });
    const messages = toMessages(readings, 20, 2); // 500 arrays of 20 and 10,000 single readings
    let restart: Promise<void> | undefined;
    await publishAll(
      publisher,
      messages,
      50,
      paced(2000, (sent) => {
        if (sent === 4000) {
          restart = (async () => {
            expect(await proc.kill('SIGKILL')).toBe('SIGKILL');
            await sleep(1000);
            await proc.start();
          })();
        }
      }),
    );
    await restart;
    await expectAllStored(db, readings);
    expect(await proc.kill('SIGTERM')).toBe(0);
  });

  it('spooled readings survive a crash: InfluxDB down, ingester SIGKILLed, both back → all replayed', async () => {
    const db = 'spoolcrash';
    const { proc, spoolDir } = await ingesterProcess(db);
    await proc.start();
    await influxd.stop();
    const readings = fleetReadings({ meters: 50, perMeter: 60, startMs: Date.now() - 3_600_000 });
    await publishAll(publisher, toMessages(readings, 30, 2), 50);
    // Every reading acknowledged is on disk: the spool depth metric shows all of them.
    const deadline = Date.now() + 20_000;
    while ((await proc.metric('gridcast_spool_depth_readings')) < readings.length && Date.now() < deadline) await sleep(200);
    expect(await proc.metric('gridcast_spool_depth_readings')).toBe(readings.length);
    expect(await proc.kill('SIGKILL')).toBe('SIGKILL');

    await influxd.start();
    await proc.start();
    await expectAllStored(db, readings);
    expect(await proc.metric('gridcast_spool_depth_readings')).toBe(0);
    expect((await readdir(join(spoolDir, `crash-${db}`))).filter((f) => f.endsWith('.spool'))).toEqual([]);
    expect(await proc.kill('SIGTERM')).toBe(0);
  });

  it('InfluxDB down when a new ingester starts: it subscribes, spools, /ready says why; nothing lost once InfluxDB is up', async () => {
    const db = 'coldstart';
    await influxd.stop();
    const { proc } = await ingesterProcess(db);
    await proc.start(30_000, 'health');
    // /health answers before the MQTT connection is up: poll /ready until it reports the broker connected.
    const readyChecks = async () => {
      const ready = await fetch(`${proc.httpUrl}/ready`);
      return { status: ready.status, checks: ((await ready.json()) as { checks: { name: string; ok: boolean }[] }).checks };
    };
    let ready = await readyChecks();
    for (const until = Date.now() + 15_000; !ready.checks.find((c) => c.name === 'mqtt')?.ok && Date.now() < until; ready = await readyChecks()) await sleep(100);
    expect(ready.status).toBe(503);
    const checks = ready.checks;
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ['mqtt', true],
      ['store', false],
    ]);
    const readings = fleetReadings({ meters: 20, perMeter: 50, startMs: Date.now() - 3_600_000 });
    await publishAll(publisher, toMessages(readings, 25, 2), 50);
    const deadline = Date.now() + 20_000;
    while ((await proc.metric('gridcast_spool_depth_readings')) < readings.length && Date.now() < deadline) await sleep(200);
    expect(await proc.metric('gridcast_spool_depth_readings')).toBe(readings.length);
    await influxd.start();
    await expectAllStored(db, readings);
    expect(await proc.kill('SIGTERM')).toBe(0);
  });
});

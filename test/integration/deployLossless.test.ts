import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DeployMosquitto } from '../support/deployMosquitto.js';
import { GridcastProcess } from '../support/gridcastProcess.js';
import { countPoints, readAllRows, waitForCount } from '../support/platformHarness.js';
import { Influxd, freePort, sleep } from '../support/services.js';
import { fleetReadings, publishAll, toMessages, type FleetReading } from '../support/telemetryFixtures.js';

/**
 * Nothing lost, against the reference deployment's broker: deploy/mosquitto/mosquitto.conf and acl, started by
 * entrypoint.sh, with `gridcast ingest` logging in as gridcast-ingest on the ingesters' listener and the
 * simulator's account publishing on the meters' listener.
 */
const INGEST_PASSWORD = 'pw-ingest-5c1e';
const SIMULATOR = { username: 'gridcast-simulator', password: 'pw-sim-0b7d' };

let broker: DeployMosquitto;
let influxd: Influxd;
let publisher: MqttClient;
const dirs: string[] = [];
const processes: GridcastProcess[] = [];

beforeAll(async () => {
  [broker, influxd] = await Promise.all([DeployMosquitto.start({ meters: [], ingestPassword: INGEST_PASSWORD, simulatorPassword: SIMULATOR.password }), Influxd.start()]);
  publisher = await mqtt.connectAsync(broker.url, { protocolVersion: 5, ...SIMULATOR, reconnectPeriod: 500 });
});
afterEach(async () => {
  for (const p of processes.splice(0)) await p.ensureStopped();
});
afterAll(async () => {
  await publisher?.endAsync(true);
  await Promise.all([broker?.destroy(), influxd?.destroy()]);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function ingestProcess(db: string): Promise<GridcastProcess> {
  const spoolDir = await mkdtemp(join(tmpdir(), 'gridcast-deploy-spool-'));
  dirs.push(spoolDir);
  const proc = new GridcastProcess(
    'ingest',
    {
      MQTT_URL: broker.servicesUrl,
      MQTT_USERNAME: 'gridcast-ingest',
      MQTT_PASSWORD: INGEST_PASSWORD,
      MQTT_CLIENT_ID: `gridcast-ingest-${db}`,
      INFLUX_URL: influxd.url,
      INFLUX_DATABASE: db,
      INFLUX_TIMEOUT_MS: '1000',
      SPOOL_DIR: spoolDir,
    },
    await freePort(),
  );
  processes.push(proc);
  return proc;
}

async function expectAllStored(db: string, readings: FleetReading[]): Promise<void> {
  expect(await waitForCount(() => countPoints(influxd, db), readings.length, 45_000)).toBe(readings.length);
  const rows = await readAllRows(influxd, db);
  const stored = new Map(rows.map((r) => [`${r.meter}@${r.timeMs}`, r.power_kw]));
  expect(readings.filter((r) => stored.get(`${r.meter}@${r.reading.ts}`) !== r.reading.powerKw)).toEqual([]);
  expect(rows.length).toBe(readings.length);
}

describe('nothing lost with deploy/mosquitto (authenticated ingester)', { timeout: 120_000 }, () => {
  it('ingester SIGKILLed mid-stream, then the broker restarted while readings queue for the stopped ingester: all stored', async () => {
    const db = 'deploykill';
    const proc = await ingestProcess(db);
    await proc.start();
    const first = fleetReadings({ meters: 50, perMeter: 60, startMs: Date.now() - 3_600_000 });
    let killed: Promise<void> | undefined;
    await publishAll(publisher, toMessages(first, 20, 2), 50, (sent) => {
      if (sent === 800) killed = proc.kill('SIGKILL').then((r) => void expect(r).toBe('SIGKILL'));
    });
    await killed;

    // While the ingester is down its session queues; the broker restarts in between (persistence on disk).
    const second = fleetReadings({ meters: 20, perMeter: 30, startMs: Date.now() - 1_800_000, site: 'site-b' });
    await publishAll(publisher, toMessages(second, 10, 2), 50);
    await sleep(200);
    await broker.stop();
    await broker.start();
    for (const until = Date.now() + 10_000; !publisher.connected && Date.now() < until; ) await sleep(100);

    await proc.start();
    await expectAllStored(db, [...first, ...second]);
    expect(await proc.metric('gridcast_ingest_mqtt_sessions_lost_total')).toBe(0);
    expect(await proc.kill('SIGTERM')).toBe(0);
  });
});

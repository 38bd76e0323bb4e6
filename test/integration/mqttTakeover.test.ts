import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeployMosquitto } from '../support/deployMosquitto.js';
import { countPoints, metricValue, startIngester, waitForCount } from '../support/platformHarness.js';
import { Influxd, findBinary, sleep } from '../support/services.js';
import { telemetryTopic } from '../../src/contract/index.js';

/**
 * Client-id takeover against the reference broker (deploy/mosquitto, started by its entrypoint.sh): a meter
 * that connects with an ingester's client id must not wipe the ingester's persistent session and the readings
 * queued in it; and an ingester that finds its session gone says so.
 */
const run = promisify(execFile);
const METER = { username: 'north/feeder-7/m-0043', password: 'pw-b-81d2' };
const INGEST_PASSWORD = 'pw-ingest-77e1';
const CLIENT_ID = 'gridcast-ingest-1';

let broker: DeployMosquitto;
let influxd: Influxd;
const dirs: string[] = [];

beforeAll(async () => {
  [broker, influxd] = await Promise.all([DeployMosquitto.start({ meters: [METER], ingestPassword: INGEST_PASSWORD, simulatorPassword: 'pw-sim-19a0' }), Influxd.start()]);
});
afterAll(async () => {
  await Promise.all([broker?.destroy(), influxd?.destroy()]);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** An ingester as compose runs it: on the ingesters' listener, logged in as gridcast-ingest, a spool that outlives restarts. */
async function ingester(db: string, spoolDir: string) {
  return startIngester(broker.servicesUrl, influxd.url, db, {
    MQTT_CLIENT_ID: CLIENT_ID,
    MQTT_USERNAME: 'gridcast-ingest',
    MQTT_PASSWORD: INGEST_PASSWORD,
    SPOOL_DIR: spoolDir,
  });
}

async function meterPublishes(n: number): Promise<void> {
  const meter = await mqtt.connectAsync(broker.url, { protocolVersion: 5, ...METER, reconnectPeriod: 0 });
  const now = Date.now();
  for (let i = 0; i < n; i++) await meter.publishAsync(telemetryTopic('north', 'feeder-7', 'm-0043'), JSON.stringify({ ts: now - 60_000 + i, kind: 'load', powerKw: i }), { qos: 1 });
  await meter.endAsync();
}

describe('client-id takeover (deploy/mosquitto)', { timeout: 60_000 }, () => {
  it("a meter connecting with the ingester's client id wipes nothing: the 10 readings queued while the ingester was down all arrive", async () => {
    const db = 'takeover';
    const spoolDir = await mkdtemp(join(tmpdir(), 'gridcast-takeover-'));
    dirs.push(spoolDir);
    const first = await ingester(db, spoolDir);
    await first.stop(); // the broker keeps the session and queues for it
    await meterPublishes(10);

    // The issue's attack, on the meters' listener: mosquitto_pub -V mqttv5 -u <meter> -P … -i gridcast-ingest-1.
    const pub = findBinary('mosquitto_pub', 'mosquitto-clients');
    for (let i = 0; i < 5; i++) {
      await run(pub, ['-V', 'mqttv5', '-h', '127.0.0.1', '-p', String(broker.port), '-u', METER.username, '-P', METER.password, '-i', CLIENT_ID, '-q', '1', '-t', telemetryTopic('north', 'feeder-7', 'm-0043'), '-m', 'x']);
    }
    // On the ingesters' listener a meter's credentials open nothing.
    await expect(
      mqtt.connectAsync(broker.servicesUrl, { protocolVersion: 5, ...METER, clientId: CLIENT_ID, clean: true, reconnectPeriod: 0, connectTimeout: 5000 }),
    ).rejects.toThrow(/authori[sz]ed|bad user name or password/i);

    const second = await ingester(db, spoolDir);
    try {
      expect(await waitForCount(() => countPoints(influxd, db), 10, 15_000)).toBe(10);
      expect(await metricValue(second.registry, 'gridcast_ingest_mqtt_sessions_lost_total')).toBe(0);
    } finally {
      await second.stop();
    }
  });

  it('an ingester that finds its session gone (a clean start under its client id) warns and counts it', async () => {
    const db = 'sessionlost';
    const spoolDir = await mkdtemp(join(tmpdir(), 'gridcast-sessionlost-'));
    dirs.push(spoolDir);
    const first = await ingester(db, spoolDir);
    expect(await metricValue(first.registry, 'gridcast_ingest_mqtt_sessions_lost_total')).toBe(0);
    await first.stop();
    // Someone with the service credentials starts clean under the ingester's client id: the session is gone.
    const rogue = await mqtt.connectAsync(broker.servicesUrl, { protocolVersion: 5, username: 'gridcast-ingest', password: INGEST_PASSWORD, clientId: CLIENT_ID, clean: true, reconnectPeriod: 0 });
    await rogue.endAsync();

    const second = await ingester(db, spoolDir);
    try {
      expect(await metricValue(second.registry, 'gridcast_ingest_mqtt_sessions_lost_total')).toBe(1);
      // The same while running: taken over, the ingester reconnects and finds no session again.
      const rogue2 = await mqtt.connectAsync(broker.servicesUrl, { protocolVersion: 5, username: 'gridcast-ingest', password: INGEST_PASSWORD, clientId: CLIENT_ID, clean: true, reconnectPeriod: 0 });
      await rogue2.endAsync(true);
      for (const until = Date.now() + 10_000; (await metricValue(second.registry, 'gridcast_ingest_mqtt_sessions_lost_total')) < 2 && Date.now() < until; ) await sleep(100);
      expect(await metricValue(second.registry, 'gridcast_ingest_mqtt_sessions_lost_total')).toBe(2);
    } finally {
      await second.stop();
    }
  });
});

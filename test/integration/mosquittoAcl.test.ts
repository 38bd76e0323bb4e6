import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DEADLETTER_TOPIC,
  DISPATCH_SUBSCRIPTION,
  METER_DEADLETTER_SUBSCRIPTION,
  TELEMETRY_SUBSCRIPTION,
  WEATHER_FORECAST_SUBSCRIPTION,
  PRICE_SUBSCRIPTION,
  priceTopic,
  meterDeadLetterTopic,
  dispatchTopic,
  telemetryTopic,
  weatherForecastTopic,
  ingesterPresenceSubscription,
  ingesterPresenceTopic,
} from '../../src/contract/index.js';
import type { DeadLetter } from '../../src/ingest/index.js';
import { DeployMosquitto } from '../support/deployMosquitto.js';
import { metricValue, startIngester, type InProcessIngester } from '../support/platformHarness.js';
import { Influxd, findBinary, sleep } from '../support/services.js';

/**
 * The repository's broker configuration (deploy/mosquitto/mosquitto.conf and acl), started by its own
 * entrypoint.sh with the real Mosquitto: only the container paths and the listeners' ports are rewritten.
 */

// Per-meter credentials as docs/security.md tells operators to create them: username <site>/<feeder>/<meter>.
const METER_A = { username: 'north/feeder-7/m-0042', password: 'pw-a-3f9c' };
const METER_B = { username: 'north/feeder-7/m-0043', password: 'pw-b-81d2' };
const INGEST = { username: 'gridcast-ingest', password: 'pw-ingest-77e1' };
const WEATHER = { username: 'gridcast-weather', password: 'pw-weather-5b0a' };
const PRICES = { username: 'gridcast-prices', password: 'pw-prices-77c1' };
// docker-compose.yml's forecaster (listener 1884) and a site controller (listener 1883).
const FORECASTER = { username: 'gridcast-forecaster', password: 'pw-forecaster-2d71' };
const CONTROLLER = { username: 'gridcast-controller', password: 'pw-controller-a95e' };
// An operator watching every dead letter, added to meters.passwd and the ACL as docs/security.md says.
const OPS = { username: 'gridcast-ops', password: 'pw-ops-c4e2' };

let broker: DeployMosquitto;

beforeAll(async () => {
  broker = await DeployMosquitto.start({
    meters: [METER_A, METER_B, OPS],
    ingestPassword: INGEST.password,
    simulatorPassword: 'pw-sim-19a0',
    weatherPassword: WEATHER.password,
    pricesPassword: PRICES.password,
    forecasterPassword: FORECASTER.password,
    controllerPassword: CONTROLLER.password,
    aclAppend: `user ${OPS.username}\ntopic read ${DEADLETTER_TOPIC}`,
  });
});
afterAll(async () => {
  await broker?.destroy();
});

const clients: MqttClient[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
});

/** Connects to the meters' listener, or with `services` to the ingesters' one. */
async function connect(opts: IClientOptions, listener: 'meters' | 'services' = 'meters'): Promise<MqttClient> {
  const client = await mqtt.connectAsync(listener === 'meters' ? broker.url : broker.servicesUrl, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  clients.push(client);
  return client;
}

/** An ingester's view: the shared subscription docker-compose's ingesters use, collecting what arrives. */
let groups = 0;
async function ingesterInbox(): Promise<{ topic: string; payload: string }[]> {
  const inbox: { topic: string; payload: string }[] = [];
  // A group of its own per test: a shared subscription hands each message to one member only.
  const group = `ingesters-${++groups}`;
  const ingester = await connect({ ...INGEST, clientId: `acl-${group}` }, 'services');
  ingester.on('message', (topic, payload) => inbox.push({ topic, payload: payload.toString() }));
  const granted = await ingester.subscribeAsync(`$share/${group}/${TELEMETRY_SUBSCRIPTION}`, { qos: 1 });
  expect(granted[0]?.qos).toBe(1);
  return inbox;
}

let forgeries = 0;
/** Meter A publishes under a topic that isn't its own, on a connection of its own; the broker must drop it. */
async function expectForgedPublishRefused(protocolVersion: 4 | 5, topic: string): Promise<void> {
  const client = await connect({ ...METER_A, clientId: `acl-forger-${++forgeries}`, protocolVersion });
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  if (protocolVersion === 5) await expect(client.publishAsync(topic, 'forged', { qos: 1 })).rejects.toThrow(/authori[sz]ed/i);
  else await client.publishAsync(topic, 'forged', { qos: 0 });
  await closed;
}

async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate()) && Date.now() < deadline) await sleep(25);
}

describe('Mosquitto with deploy/mosquitto (per-meter credentials, ACL)', () => {
  it("lets a meter publish under its own topic only: its reading arrives, one under another meter's topic does not", async () => {
    const inbox = await ingesterInbox();
    // MQTT 5: PUBACK reason code 135 (not authorised), which mqtt.js reports as an error; MQTT 3.1.1 at
    // QoS 0 gets no answer. Either way Mosquitto (2.0) then drops the meter's connection.
    await expectForgedPublishRefused(5, telemetryTopic('north', 'feeder-7', 'm-0043'));
    await expectForgedPublishRefused(5, telemetryTopic('south', 'feeder-1', 'm-0042'));
    await expectForgedPublishRefused(4, telemetryTopic('north', 'feeder-7', 'm-0043'));
    const meter = await connect({ ...METER_A, clientId: 'acl-meter-a', protocolVersion: 4 });
    await meter.publishAsync(telemetryTopic('north', 'feeder-7', 'm-0042'), 'own', { qos: 1 });

    await waitFor(() => inbox.length >= 1);
    // Give anything wrongly forwarded time to show up too.
    await sleep(300);
    expect(inbox).toEqual([{ topic: 'gridcast/v1/north/feeder-7/m-0042/telemetry', payload: 'own' }]);
  });

  it("keeps a meter from reading other meters' telemetry and from writing dead letters; the ingester may write them", async () => {
    // Mosquitto grants a wildcard subscription and checks read access per message: nothing may arrive.
    const snooper = await connect({ ...METER_B, clientId: 'acl-meter-b' });
    const seen: string[] = [];
    snooper.on('message', (topic) => seen.push(topic));
    await snooper.subscribeAsync(TELEMETRY_SUBSCRIPTION, { qos: 1 });
    const inbox = await ingesterInbox();
    const meter = await connect({ ...METER_A, clientId: 'acl-meter-a2' });
    await meter.publishAsync(telemetryTopic('north', 'feeder-7', 'm-0042'), 'private', { qos: 1 });
    await waitFor(() => inbox.length >= 1);
    await sleep(300);
    expect(inbox.map((m) => m.payload)).toEqual(['private']);
    expect(seen).toEqual([]);

    await expect(snooper.publishAsync(DEADLETTER_TOPIC, '{}', { qos: 1 })).rejects.toThrow(/authori[sz]ed/i);
    // Nor its own dead-letter topic: only the ingester says why a reading was refused.
    await expectForgedPublishRefused(5, meterDeadLetterTopic('north', 'feeder-7', 'm-0042'));

    const ingester = await connect({ ...INGEST, clientId: 'acl-ingest-dl' }, 'services');
    await expect(ingester.publishAsync(DEADLETTER_TOPIC, '{}', { qos: 1 })).resolves.toBeDefined();
    await expect(ingester.publishAsync(meterDeadLetterTopic('north', 'feeder-7', 'm-0042'), '{}', { qos: 1 })).resolves.toBeDefined();
  });

  it('lets the weather user publish weather forecasts, which the ingester reads; a meter may not publish them', async () => {
    const ingester = await connect({ ...INGEST, clientId: 'acl-ingest-wf' }, 'services');
    const inbox: string[] = [];
    ingester.on('message', (topic, payload) => inbox.push(`${topic} ${payload.toString()}`));
    expect((await ingester.subscribeAsync(WEATHER_FORECAST_SUBSCRIPTION, { qos: 1 }))[0]?.qos).toBe(1);
    await expectForgedPublishRefused(5, weatherForecastTopic('north'));
    const weather = await connect({ ...WEATHER, clientId: 'acl-weather' });
    await weather.publishAsync(weatherForecastTopic('north'), 'nwp', { qos: 1 });
    // The weather user publishes forecasts only, not telemetry.
    await expect(weather.publishAsync(telemetryTopic('north', 'feeder-7', 'm-0042'), 'x', { qos: 1 })).rejects.toThrow(/authori[sz]ed/i);
    await waitFor(() => inbox.length >= 1);
    await sleep(300);
    expect(inbox).toEqual(['gridcast/v1/north/weather-forecast nwp']);
  });

  it('lets the prices user publish prices, which the ingester reads; a meter may not publish them', async () => {
    const ingester = await connect({ ...INGEST, clientId: 'acl-ingest-prices' }, 'services');
    const inbox: string[] = [];
    ingester.on('message', (topic, payload) => inbox.push(`${topic} ${payload.toString()}`));
    expect((await ingester.subscribeAsync(PRICE_SUBSCRIPTION, { qos: 1 }))[0]?.qos).toBe(1);
    await expectForgedPublishRefused(5, priceTopic('north'));
    const prices = await connect({ ...PRICES, clientId: 'acl-prices' });
    await prices.publishAsync(priceTopic('north'), 'day-ahead', { qos: 1 });
    await expect(prices.publishAsync(telemetryTopic('north', 'feeder-7', 'm-0042'), 'x', { qos: 1 })).rejects.toThrow(/authori[sz]ed/i);
    await waitFor(() => inbox.length >= 1);
    await sleep(300);
    expect(inbox).toEqual(['gridcast/v1/north/prices day-ahead']);
  });

  it("lets ingesters announce themselves to their share group, retained and with the broker's will; a meter may not", async () => {
    const group = 'acl-presence';
    const watcher = await connect({ ...INGEST, clientId: 'acl-presence-watch' }, 'services');
    const seen: string[] = [];
    watcher.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
    expect((await watcher.subscribeAsync(ingesterPresenceSubscription(group), { qos: 1 }))[0]?.qos).toBe(1);
    // As the ingester connects (src/ingest/ingester.ts): its will on its presence topic, which the ACL must allow.
    const topic = ingesterPresenceTopic(group, 'acl-presence-a');
    const [present, absent] = ['present', 'absent'].map((state) => JSON.stringify({ state, clientId: 'acl-presence-a' }));
    const member = await connect({ ...INGEST, clientId: 'acl-presence-a', will: { topic, payload: Buffer.from(absent!), qos: 1, retain: true } }, 'services');
    await member.publishAsync(topic, present!, { qos: 1, retain: true });
    member.stream.destroy(); // the connection drops without a DISCONNECT: the broker publishes the will
    await waitFor(() => seen.length >= 2);
    expect(seen).toEqual([`${topic} ${present}`, `${topic} ${absent}`]);
    await expectForgedPublishRefused(5, topic);
    await sleep(300);
    expect(seen).toHaveLength(2);
    await watcher.publishAsync(topic, '', { qos: 1, retain: true });
  });

  it('lets the forecaster publish a retained plan that a controller reads, even subscribing later; a meter neither reads nor writes plans', async () => {
    const plan = JSON.stringify({ schemaVersion: 'gridcast-dispatch/1', site: 'north', steps: [{ batteries: [{ id: 'bess-1', powerKw: -50 }] }] });
    // The forecaster publishes as dispatch does (src/dispatch/publisher.ts): QoS 1, retained, its own client id.
    const forecaster = await connect({ ...FORECASTER, clientId: 'gridcast-forecaster-dispatch' }, 'services');
    await expect(forecaster.publishAsync(dispatchTopic('north'), plan, { qos: 1, retain: true })).resolves.toBeDefined();

    // Subscribing after the plan was published: the retained copy arrives.
    const controller = await connect({ ...CONTROLLER, clientId: 'acl-controller' });
    const got: { topic: string; payload: string; retain: boolean }[] = [];
    controller.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), retain: packet.retain }));
    expect((await controller.subscribeAsync(DISPATCH_SUBSCRIPTION, { qos: 1 }))[0]?.qos).toBe(1);
    // A meter subscribing to every plan gets none (Mosquitto grants the subscription, checks read per message).
    const snooper = await connect({ ...METER_B, clientId: 'acl-meter-b-plans' });
    const snooped: string[] = [];
    snooper.on('message', (topic) => snooped.push(topic));
    await snooper.subscribeAsync(DISPATCH_SUBSCRIPTION, { qos: 1 });
    await waitFor(() => got.length >= 1);
    await sleep(300);
    expect(got).toEqual([{ topic: 'gridcast/v1/north/dispatch', payload: plan, retain: true }]);
    expect(snooped).toEqual([]);

    // Only the forecaster writes plans: not a meter, not the controller; and the forecaster writes nothing else.
    await expectForgedPublishRefused(5, dispatchTopic('north'));
    await expect(controller.publishAsync(dispatchTopic('north'), '{}', { qos: 1 })).rejects.toThrow(/authori[sz]ed/i);
    const forecaster2 = await connect({ ...FORECASTER, clientId: 'acl-forecaster-2' }, 'services');
    await expect(forecaster2.publishAsync(telemetryTopic('north', 'feeder-7', 'm-0042'), 'x', { qos: 1 })).rejects.toThrow(/authori[sz]ed/i);
    await sleep(300);
    expect(got).toHaveLength(1);
    // Each listener knows only its own users: the forecaster is a service user, the controller is not.
    await expect(connect({ ...FORECASTER, clientId: 'acl-forecaster-on-meters' })).rejects.toThrow(/authori[sz]ed|bad user name or password/i);
    await expect(connect({ ...CONTROLLER, clientId: 'acl-controller-on-services' }, 'services')).rejects.toThrow(/authori[sz]ed|bad user name or password/i);
    // Clear the retained plan (an empty retained payload) so it doesn't outlive this test in the broker's store.
    await forecaster.publishAsync(dispatchTopic('north'), '', { qos: 1, retain: true });
  });

  it("passes docker-compose.yml's broker health check, which fails with a wrong password", async () => {
    const compose = z
      .object({ services: z.object({ mosquitto: z.object({ healthcheck: z.object({ test: z.tuple([z.literal('CMD-SHELL'), z.string()]) }) }) }) })
      .parse(parse(await readFile(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }));
    const [kind, command] = compose.services.mosquitto.healthcheck.test;
    expect(kind).toBe('CMD-SHELL');
    // As the container's shell runs it: compose turns $$ into $; the services' listener is on a free port here.
    const port = new URL(broker.servicesUrl).port;
    const shell = command.replaceAll('$$', '$').replace(' -p 1884 ', ` -p ${port} `).replace(/^mosquitto_sub /, `${findBinary('mosquitto_sub', 'mosquitto-clients')} `);
    expect(shell).toContain(` -p ${port} `);
    const run = promisify(execFile);
    await expect(run('/bin/sh', ['-c', shell], { env: { ...process.env, MQTT_INGEST_PASSWORD: INGEST.password }, timeout: 10_000 })).resolves.toBeDefined();
    await expect(run('/bin/sh', ['-c', shell], { env: { ...process.env, MQTT_INGEST_PASSWORD: 'wrong' }, timeout: 10_000 })).rejects.toThrow();
  });

  it('refuses anonymous clients and wrong passwords', async () => {
    await expect(connect({ clientId: 'acl-anon' })).rejects.toThrow(/authori[sz]ed/i);
    await expect(connect({ clientId: 'acl-wrong', username: METER_A.username, password: 'guess' })).rejects.toThrow(/authori[sz]ed|bad user name or password/i);
    // A meter's password does not open another meter's account.
    await expect(connect({ clientId: 'acl-swap', username: METER_B.username, password: METER_A.password })).rejects.toThrow(/authori[sz]ed|bad user name or password/i);
    // Each listener knows only its own users: a meter can't log in where ingesters choose their client ids,
    // and the ingesters' account does not open the meters' listener.
    await expect(connect({ clientId: 'acl-meter-on-services', ...METER_A }, 'services')).rejects.toThrow(/authori[sz]ed|bad user name or password/i);
    await expect(connect({ clientId: 'acl-ingest-on-meters', ...INGEST })).rejects.toThrow(/authori[sz]ed|bad user name or password/i);
  });
});

/** Subscribes and collects what arrives, parsed as dead letters. */
async function inboxOf(client: MqttClient, topics: string[]): Promise<{ topic: string; letter: DeadLetter }[]> {
  const inbox: { topic: string; letter: DeadLetter }[] = [];
  client.on('message', (topic, payload) => inbox.push({ topic, letter: JSON.parse(payload.toString()) as DeadLetter }));
  const granted = await client.subscribeAsync(topics, { qos: 1 });
  expect(granted.map((g) => g.qos)).toEqual(topics.map(() => 1));
  return inbox;
}

describe("per-meter dead letters through gridcast's ingester and deploy/mosquitto's ACL", () => {
  let influxd: Influxd;
  let ing: InProcessIngester;
  beforeAll(async () => {
    influxd = await Influxd.start();
    ing = await startIngester(broker.servicesUrl, influxd.url, 'acldeadletters', {
      MQTT_USERNAME: INGEST.username,
      MQTT_PASSWORD: INGEST.password,
      MQTT_CLIENT_ID: 'gridcast-ingest-acl',
    });
  });
  afterAll(async () => {
    await ing?.stop();
    await influxd?.destroy();
  });

  it('a meter reads why its own reading was refused: the same record as on the global topic', async () => {
    const ops = await inboxOf(await connect({ ...OPS, clientId: 'acl-ops-a' }), [DEADLETTER_TOPIC]);
    // One connection for the meter: on the meters' listener its client id is its username, a second would take over.
    const meter = await connect({ ...METER_A, clientId: 'acl-meter-a-dl' });
    const own = await inboxOf(meter, [meterDeadLetterTopic('north', 'feeder-7', 'm-0042')]);
    const now = Date.now();
    await meter.publishAsync(telemetryTopic('north', 'feeder-7', 'm-0042'), JSON.stringify([{ ts: now, kind: 'load', powerKw: 1.5 }, { ts: now, kind: 'load' }]), { qos: 1 });

    await waitFor(() => own.length >= 1 && ops.length >= 1);
    await sleep(300);
    expect(own).toHaveLength(1);
    expect(ops).toHaveLength(1);
    expect(own[0]!.topic).toBe('gridcast/v1/north/feeder-7/m-0042/deadletter');
    expect(own[0]!.letter).toEqual(ops[0]!.letter);
    expect(own[0]!.letter).toEqual({
      topic: 'gridcast/v1/north/feeder-7/m-0042/telemetry',
      reason: 'missing_field',
      detail: expect.stringContaining('reading [1]: powerKw is missing') as unknown as string,
      index: 1,
      receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown as string,
      payloadBytes: Buffer.byteLength(JSON.stringify({ ts: now, kind: 'load' })),
      payloadEncoding: 'utf8',
      truncated: false,
      payload: JSON.stringify({ ts: now, kind: 'load' }),
    });
  });

  it("keeps a meter from reading another meter's dead letters, by name or by wildcard", async () => {
    const ops = await inboxOf(await connect({ ...OPS, clientId: 'acl-ops-b' }), [DEADLETTER_TOPIC]);
    // Mosquitto grants these subscriptions and checks read access per message: nothing may arrive.
    const snooper = await connect({ ...METER_A, clientId: 'acl-meter-a-snoop' });
    const snooped = await inboxOf(snooper, [meterDeadLetterTopic('north', 'feeder-7', 'm-0043'), METER_DEADLETTER_SUBSCRIPTION, DEADLETTER_TOPIC]);
    const meterB = await connect({ ...METER_B, clientId: 'acl-meter-b-dl' });
    const own = await inboxOf(meterB, [meterDeadLetterTopic('north', 'feeder-7', 'm-0043')]);
    await meterB.publishAsync(telemetryTopic('north', 'feeder-7', 'm-0043'), 'not json', { qos: 1 });

    await waitFor(() => own.length >= 1 && ops.length >= 1);
    // The letter has been delivered to its readers; give a wrongly forwarded copy time to show up too.
    await sleep(500);
    expect(ops.map((m) => [m.topic, m.letter.reason, m.letter.topic])).toEqual([[DEADLETTER_TOPIC, 'invalid_json', 'gridcast/v1/north/feeder-7/m-0043/telemetry']]);
    expect(own.map((m) => m.letter)).toEqual(ops.map((m) => m.letter));
    expect(snooped).toEqual([]);
  });
});

describe('an operator ACL from before the per-meter dead-letter topic', () => {
  let older: DeployMosquitto;
  let influxd: Influxd;
  let ing: InProcessIngester;
  beforeAll(async () => {
    const line = 'topic write gridcast/v1/+/+/+/deadletter\n';
    older = await DeployMosquitto.start({
      meters: [METER_A, OPS],
      ingestPassword: INGEST.password,
      simulatorPassword: 'pw-sim-19a0',
      aclAppend: `user ${OPS.username}\ntopic read ${DEADLETTER_TOPIC}`,
      aclEdit: (acl) => {
        if (!acl.includes(line)) throw new Error(`deploy/mosquitto/acl changed shape: '${line.trim()}' missing`);
        return acl.replace(line, '');
      },
    });
    influxd = await Influxd.start();
    ing = await startIngester(older.servicesUrl, influxd.url, 'acloldacl', { MQTT_USERNAME: INGEST.username, MQTT_PASSWORD: INGEST.password, MQTT_CLIENT_ID: 'gridcast-ingest-old-acl' });
  });
  afterAll(async () => {
    await ing?.stop();
    await influxd?.destroy();
    await older?.destroy();
  });

  it("still dead-letters on the global topic and acknowledges the message; the refused meter copy is counted, nothing is stuck", async () => {
    const open = (opts: IClientOptions) => mqtt.connectAsync(older.url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    const ops = await open({ ...OPS, clientId: 'old-acl-ops' });
    const meter = await open({ ...METER_A, clientId: 'old-acl-meter' });
    try {
      const global = await inboxOf(ops, [DEADLETTER_TOPIC]);
      await meter.publishAsync(telemetryTopic('north', 'feeder-7', 'm-0042'), 'not json', { qos: 1 });
      await waitFor(async () => global.length >= 1 && (await metricValue(ing.registry, 'gridcast_ingest_meter_deadletters_refused_total')) >= 1);
      expect(await metricValue(ing.registry, 'gridcast_ingest_meter_deadletters_refused_total')).toBeGreaterThanOrEqual(1);
      // Mosquitto drops the ingester's connection for the refused copy: the message comes once more and the
      // global copy in flight is sent again (duplicates, never a loss), and then no more, since meter copies
      // stop after the first refusal.
      await waitFor(() => ing.ingester.stuckMessages() === 0 && ing.ingester.isConnected, 10_000);
      await sleep(1500);
      expect(global.length).toBeGreaterThanOrEqual(1);
      expect(global.length).toBeLessThanOrEqual(3);
      expect(new Set(global.map((m) => `${m.letter.reason} ${m.letter.topic}`))).toEqual(new Set(['invalid_json gridcast/v1/north/feeder-7/m-0042/telemetry']));
      expect(ing.ingester.stuckMessages()).toBe(0);
      // The next refused reading: one global dead letter, no refusal.
      const before = global.length;
      const refused = await metricValue(ing.registry, 'gridcast_ingest_meter_deadletters_refused_total');
      const again = await open({ ...METER_A, clientId: 'old-acl-meter-2' });
      await again.publishAsync(telemetryTopic('north', 'feeder-7', 'm-0042'), JSON.stringify({ ts: Date.now(), kind: 'load' }), { qos: 1 });
      await waitFor(() => global.length > before);
      await sleep(500);
      expect(global.slice(before).map((m) => m.letter.reason)).toEqual(['missing_field']);
      expect(await metricValue(ing.registry, 'gridcast_ingest_meter_deadletters_refused_total')).toBe(refused);
      await again.endAsync(true);
    } finally {
      await Promise.all([ops.endAsync(true), meter.endAsync(true)]);
    }
  });
});

describe("an operator ACL from before the share group's presence topic", () => {
  let older: DeployMosquitto;
  let influxd: Influxd;
  let ing: InProcessIngester;
  beforeAll(async () => {
    const line = 'topic readwrite gridcast/v1/ingesters/+/+/presence\n';
    older = await DeployMosquitto.start({
      meters: [METER_A],
      ingestPassword: INGEST.password,
      simulatorPassword: 'pw-sim-19a0',
      aclEdit: (acl) => {
        if (!acl.includes(line)) throw new Error(`deploy/mosquitto/acl changed shape: '${line.trim()}' missing`);
        return acl.replace(line, '');
      },
    });
    influxd = await Influxd.start();
    ing = await startIngester(older.servicesUrl, influxd.url, 'aclnopresence', {
      MQTT_USERNAME: INGEST.username,
      MQTT_PASSWORD: INGEST.password,
      MQTT_CLIENT_ID: 'gridcast-ingest-no-presence',
      MQTT_SHARE_GROUP: 'ingesters',
    });
  });
  afterAll(async () => {
    await ing?.stop();
    await influxd?.destroy();
    await older?.destroy();
  });

  it('stops announcing after the first refusal (Mosquitto drops a connection per refused publish) and goes on storing', async () => {
    // Mosquitto grants the presence subscription and refuses the publish, dropping the connection once; the
    // ingester reconnects and announces no more. Announcing on every connect would drop it every second.
    await sleep(2000);
    let down = 0;
    for (let i = 0; i < 40; i++, await sleep(50)) if (!ing.ingester.isConnected) down++;
    expect(down).toBe(0);
    const meter = await mqtt.connectAsync(older.url, { protocolVersion: 5, reconnectPeriod: 0, ...METER_A, clientId: 'no-presence-meter' });
    try {
      await meter.publishAsync(telemetryTopic('north', 'feeder-7', 'm-0042'), JSON.stringify({ ts: new Date().toISOString(), kind: 'load', powerKw: 12.5 }), { qos: 1 });
      await waitFor(async () => (await metricValue(ing.registry, 'gridcast_ingest_readings_accepted_total')) === 1, 10_000);
      expect(await metricValue(ing.registry, 'gridcast_ingest_readings_accepted_total')).toBe(1);
    } finally {
      await meter.endAsync(true);
    }
  });
});

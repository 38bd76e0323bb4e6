import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEADLETTER_TOPIC, TELEMETRY_SUBSCRIPTION, WEATHER_FORECAST_SUBSCRIPTION, telemetryTopic, weatherForecastTopic } from '../../src/contract/index.js';
import { DeployMosquitto } from '../support/deployMosquitto.js';
import { sleep } from '../support/services.js';

/**
 * The repository's broker configuration (deploy/mosquitto/mosquitto.conf and acl), started by its own
 * entrypoint.sh with the real Mosquitto: only the container paths and the listeners' ports are rewritten.
 */

// Per-meter credentials as docs/security.md tells operators to create them: username <site>/<feeder>/<meter>.
const METER_A = { username: 'north/feeder-7/m-0042', password: 'pw-a-3f9c' };
const METER_B = { username: 'north/feeder-7/m-0043', password: 'pw-b-81d2' };
const INGEST = { username: 'gridcast-ingest', password: 'pw-ingest-77e1' };
const WEATHER = { username: 'gridcast-weather', password: 'pw-weather-5b0a' };

let broker: DeployMosquitto;

beforeAll(async () => {
  broker = await DeployMosquitto.start({ meters: [METER_A, METER_B], ingestPassword: INGEST.password, simulatorPassword: 'pw-sim-19a0', weatherPassword: WEATHER.password });
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

async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate() && Date.now() < deadline) await sleep(25);
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

    const ingester = await connect({ ...INGEST, clientId: 'acl-ingest-dl' }, 'services');
    await expect(ingester.publishAsync(DEADLETTER_TOPIC, '{}', { qos: 1 })).resolves.toBeDefined();
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

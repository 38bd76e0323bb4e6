import { readdir } from 'node:fs/promises';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { Mosquitto, sleep } from '../support/services.js';

/**
 * The harness's broker really persists: queued messages of a persistent session survive a broker restart.
 * (Run as root, Debian's mosquitto drops to the `mosquitto` user; with a root-owned persistence directory it
 * could not write mosquitto.db and every "broker restart" test silently ran without persistence.)
 */
let broker: Mosquitto | undefined;
afterAll(async () => {
  await broker?.destroy();
});

describe('test harness Mosquitto', () => {
  it('keeps a persistent session and its queued QoS 1 messages across a restart', async () => {
    broker = await Mosquitto.start();
    const subscriber = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'persist-sub', clean: false, properties: { sessionExpiryInterval: 3600 }, reconnectPeriod: 0 });
    await subscriber.subscribeAsync('persist/test', { qos: 1 });
    await subscriber.endAsync();
    const publisher = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'persist-pub', reconnectPeriod: 0 });
    for (let i = 0; i < 10; i++) await publisher.publishAsync('persist/test', `m${i}`, { qos: 1 });
    await publisher.endAsync();

    await broker.stop(); // SIGTERM: mosquitto writes mosquitto.db on exit
    expect(await readdir(broker.dir)).toContain('mosquitto.db');
    await broker.start();

    const received: string[] = [];
    // The queued messages follow the CONNACK at once: listen before connecting.
    const again = mqtt.connect(broker.url, { protocolVersion: 5, clientId: 'persist-sub', clean: false, properties: { sessionExpiryInterval: 3600 }, reconnectPeriod: 0 });
    again.on('message', (_t, p) => received.push(p.toString()));
    for (const until = Date.now() + 5000; received.length < 10 && Date.now() < until; ) await sleep(50);
    await again.endAsync();
    expect(received).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
  });
});

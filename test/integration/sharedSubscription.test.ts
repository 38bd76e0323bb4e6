import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GridcastProcess } from '../support/gridcastProcess.js';
import { checkStored, countPoints, ingesterProcess, startIngester, waitForCount } from '../support/platformHarness.js';
import { Influxd, Mosquitto, sleep } from '../support/services.js';
import { ingesterPresenceTopic } from '../../src/contract/index.js';
import { connectPublisher, fleetReadings, paced, publishAll, toMessages, type FleetReading } from '../support/telemetryFixtures.js';

let mosquitto: Mosquitto;
let influxd: Influxd;
const dirs: string[] = [];
const processes: GridcastProcess[] = [];
beforeAll(async () => {
  [mosquitto, influxd] = await Promise.all([Mosquitto.start(), Influxd.start()]);
});
afterEach(async () => {
  for (const p of processes.splice(0)) await p.ensureStopped();
});
afterAll(async () => {
  await Promise.all([mosquitto?.destroy(), influxd?.destroy()]);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/**
 * Every member of a group: the same share group, each its own client id. A group of its own per test: each group
 * gets every message, and the broker keeps an earlier test's sessions (queuing their share) after it ends.
 */
const SHARE = { MQTT_SHARE_GROUP: 'ingesters' };

describe('scale-out: MQTT v5 shared subscription', () => {
  it('two ingesters in one share group split the stream; every reading stored once', async () => {
    const db = 'shared';
    const a = await startIngester(mosquitto.url, influxd.url, db, { MQTT_SHARE_GROUP: 'splitters', MQTT_CLIENT_ID: 'split-a' });
    const b = await startIngester(mosquitto.url, influxd.url, db, { MQTT_SHARE_GROUP: 'splitters', MQTT_CLIENT_ID: 'split-b' });
    const publisher = await connectPublisher(mosquitto.url);
    try {
      const readings = fleetReadings({ meters: 100, perMeter: 50, startMs: Date.now() - 3_600_000 });
      await publishAll(publisher, toMessages(readings, 10, 2), 50);
      expect(await waitForCount(() => countPoints(influxd, db), readings.length, 30_000)).toBe(readings.length);
      const received = async (ing: typeof a) => {
        const text = await ing.registry.getSingleMetricAsString('gridcast_ingest_messages_received_total');
        return Number(/ (\d+)$/m.exec(text)?.[1]);
      };
      const [na, nb] = [await received(a), await received(b)];
      expect(na).toBeGreaterThan(0);
      expect(nb).toBeGreaterThan(0);
      expect(na + nb).toBe(toMessages(readings, 10, 2).length);
    } finally {
      await publisher.endAsync();
      await a.stop();
      await b.stop();
    }
  });

  it('a member stopped on purpose (SIGTERM) is covered too: the other stores everything meanwhile, the member gets its session back on restart, and once retired (presence cleared) its session is drained and ended', { timeout: 60_000 }, async () => {
    const db = 'sharedstop';
    const spoolDir = await mkdtemp(join(tmpdir(), 'gridcast-spool-'));
    dirs.push(spoolDir);
    const env = { MQTT_SHARE_GROUP: 'stoppers', MQTT_SHARE_TAKEOVER_SECONDS: '1' };
    const [a, b] = await Promise.all(['stop-a', 'stop-b'].map((clientId) => ingesterProcess({ mqttUrl: mosquitto.url, influxUrl: influxd.url, database: db, clientId, spoolDir, env })));
    processes.push(a!, b!);
    await Promise.all([a!.start(), b!.start()]);
    expect(await b!.kill('SIGTERM')).toBe(0);
    const publisher = await connectPublisher(mosquitto.url);
    try {
      const readings = fleetReadings({ meters: 20, perMeter: 20, startMs: Date.now() - 3_600_000 });
      // Published while b is gone: half of it is dealt to b's session, which a takes over after a second.
      await publishAll(publisher, toMessages(readings, 10, 2), 20);
      expect(await waitForCount(() => countPoints(influxd, db), readings.length, 20_000)).toBe(readings.length);
      expect(await a!.metric('gridcast_ingest_readings_accepted_total')).toBe(readings.length);
      expect(await a!.metric('gridcast_ingest_share_sessions_covered')).toBe(1);
      await b!.start();
      for (let until = Date.now() + 10_000; (await a!.metric('gridcast_ingest_share_sessions_covered')) > 0 && Date.now() < until; ) await sleep(200);
      expect(await a!.metric('gridcast_ingest_share_sessions_covered')).toBe(0);
      const more = fleetReadings({ meters: 20, perMeter: 20, startMs: Date.now() - 1_800_000 });
      await publishAll(publisher, toMessages(more, 10, 2), 20);
      expect(await waitForCount(() => countPoints(influxd, db), readings.length + more.length, 20_000)).toBe(readings.length + more.length);
      expect(await b!.metric('gridcast_ingest_readings_accepted_total')).toBeGreaterThan(0);
      // Retired: stopped, and its retained presence cleared. a unsubscribes b's session, drains it and ends it, so
      // the broker deals b nothing more: a stores the whole stream from then on.
      expect(await b!.kill('SIGTERM')).toBe(0);
      for (let until = Date.now() + 10_000; (await a!.metric('gridcast_ingest_share_sessions_covered')) < 1 && Date.now() < until; ) await sleep(200);
      expect(await a!.metric('gridcast_ingest_share_sessions_covered')).toBe(1);
      await publisher.publishAsync(ingesterPresenceTopic('stoppers', 'stop-b'), '', { qos: 1, retain: true });
      for (let until = Date.now() + 10_000; (await a!.metric('gridcast_ingest_share_sessions_covered')) > 0 && Date.now() < until; ) await sleep(200);
      expect(await a!.metric('gridcast_ingest_share_sessions_covered')).toBe(0);
      const acceptedBefore = await a!.metric('gridcast_ingest_readings_accepted_total');
      const last = fleetReadings({ meters: 20, perMeter: 20, startMs: Date.now() - 900_000 });
      await publishAll(publisher, toMessages(last, 10, 2), 20);
      const all = [...readings, ...more, ...last];
      expect(await waitForCount(() => countPoints(influxd, db), all.length, 20_000)).toBe(all.length);
      expect((await a!.metric('gridcast_ingest_readings_accepted_total')) - acceptedBefore).toBe(last.length);
      const check = await checkStored(influxd, db, all);
      expect({ missing: check.missing.length, doubled: check.doubled, unexpected: check.unexpected }).toEqual({ missing: 0, doubled: 0, unexpected: 0 });
    } finally {
      await publisher.endAsync();
    }
  });

  it(
    "three ingesters, one SIGKILLed mid-stream and restarted with its identity: a survivor takes over its session and stores its share while it is down, hands it back when it returns; none lost, none doubled",
    { timeout: 90_000 },
    async () => {
      const db = 'shared3';
      // One spool volume for the group, as in docker-compose: each ingester spools under its client id.
      const spoolDir = await mkdtemp(join(tmpdir(), 'gridcast-spool-'));
      dirs.push(spoolDir);
      const env = { ...SHARE, MQTT_SHARE_TAKEOVER_SECONDS: '1' };
      const [a, b, c] = await Promise.all(
        ['ingest-a', 'ingest-b', 'ingest-c'].map((clientId) => ingesterProcess({ mqttUrl: mosquitto.url, influxUrl: influxd.url, database: db, clientId, spoolDir, env })),
      );
      const all = [a!, b!, c!];
      processes.push(...all);
      await Promise.all(all.map((p) => p.start()));
      const survivors = [a!, b!];
      const stored = (p: GridcastProcess) => p.metric('gridcast_ingest_readings_accepted_total');
      const sum = async (ps: GridcastProcess[], name: string) => (await Promise.all(ps.map((p) => p.metric(name)))).reduce((x, y) => x + y, 0);

      const readings = fleetReadings({ meters: 60, perMeter: 100, startMs: Date.now() - 3_600_000 });
      const messages = toMessages(readings, 10, 2); // 300 arrays of 10 and 3,000 single readings
      const byMessage = messageReadings(readings, messages);
      const WINDOW = 50;
      const RATE = 250; // messages/s: about 13 s of stream
      const KILL_AT = 600;
      const RESTART_AT = 2000;
      const TAIL = 600; // published once c is back: it takes a share again

      const publisher = await connectPublisher(mosquitto.url);
      try {
        let killedAt: number | undefined;
        let downFrom: number | undefined; // first message published after the broker saw c go
        let downtime: { readings: number; missing: number; covered: number; takeovers: number } | undefined;
        let restart: Promise<void> | undefined;
        const head = messages.slice(0, messages.length - TAIL);
        await publishAll(
          publisher,
          head,
          WINDOW,
          paced(RATE, async (sent) => {
            if (sent === KILL_AT) {
              expect(await c!.kill('SIGKILL')).toBe('SIGKILL');
              killedAt = Date.now();
            }
            // A second after the kill the broker has long seen the socket close. At most WINDOW messages are
            // in flight, so every message from index sent + WINDOW on starts after this point.
            if (killedAt !== undefined && downFrom === undefined && Date.now() - killedAt >= 1000) downFrom = sent + WINDOW;
            if (sent === RESTART_AT) {
              restart = (async () => {
                // Everything published up to now, c's share included, is stored by the survivors: wait until the
                // number missing stops falling, then count what is still missing.
                const due = byMessage.slice(0, RESTART_AT).flat();
                let missing = (await checkStored(influxd, db, due)).missing.length;
                for (let steady = 0, until = Date.now() + 20_000; steady < 6 && Date.now() < until; ) {
                  await sleep(250);
                  const now = (await checkStored(influxd, db, due)).missing.length;
                  steady = now === missing ? steady + 1 : 0;
                  missing = now;
                }
                downtime = {
                  readings: byMessage.slice(downFrom, RESTART_AT).flat().length,
                  missing,
                  covered: await sum(survivors, 'gridcast_ingest_share_sessions_covered'),
                  takeovers: await sum(survivors, 'gridcast_ingest_share_takeovers_total'),
                };
                await c!.start(); // as a supervisor would: same client id, same spool directory
              })();
            }
          }),
        );
        await restart;
        expect(downFrom).toBeLessThan(RESTART_AT - 1000);
        // While c was down one survivor held its session: nothing published meanwhile (nor what c had in flight
        // at the kill) waited for c.
        expect(downtime).toEqual({ readings: expect.any(Number) as number, missing: 0, covered: 1, takeovers: 1 });
        expect(downtime!.readings).toBeGreaterThan(1000);

        // c back: it took its session back, and the survivor let it go.
        const headReadings = byMessage.slice(0, head.length).flat();
        expect(await waitForCount(() => countPoints(influxd, db), headReadings.length, 20_000)).toBe(headReadings.length);
        for (let until = Date.now() + 10_000; (await sum(survivors, 'gridcast_ingest_share_sessions_covered')) > 0 && Date.now() < until; ) await sleep(200);
        expect(await sum(survivors, 'gridcast_ingest_share_sessions_covered')).toBe(0);
        const before = await settled(all, stored);
        // Then every member takes a share of the tail, each reading once.
        await publishAll(publisher, messages.slice(head.length), WINDOW, paced(RATE));
        const tailReadings = byMessage.slice(head.length).flat().length;
        expect(await waitForCount(() => countPoints(influxd, db), readings.length, 20_000)).toBe(readings.length);
        const tailShares = (await settled(all, stored)).map((n, i) => n - before[i]!);
        for (const share of tailShares) expect(share).toBeGreaterThan(0);
        expect(tailShares.reduce((x, y) => x + y, 0)).toBe(tailReadings);

        const check = await checkStored(influxd, db, readings);
        expect({ missing: check.missing.length, doubled: check.doubled, unexpected: check.unexpected, rows: check.rows }).toEqual({
          missing: 0,
          doubled: 0,
          unexpected: 0,
          rows: readings.length,
        });
        for (const p of all) expect(await p.kill('SIGTERM')).toBe(0);
      } finally {
        await publisher.endAsync();
      }
    },
  );
});

/** Polls `value` of each process until none changed for a second; returns the values. */
async function settled(ps: GridcastProcess[], value: (p: GridcastProcess) => Promise<number>): Promise<number[]> {
  let last = await Promise.all(ps.map(value));
  for (let until = Date.now() + 20_000; Date.now() < until; ) {
    await sleep(1000);
    const now = await Promise.all(ps.map(value));
    if (now.every((n, i) => n === last[i])) return now;
    last = now;
  }
  return last;
}

/** The readings each message carries, in message order (toMessages groups each meter's readings in order). */
function messageReadings(readings: FleetReading[], messages: { topic: string; payload: string }[]): FleetReading[][] {
  const queues = new Map<string, FleetReading[]>();
  for (const r of readings) {
    const key = r.meter;
    const q = queues.get(key);
    if (q) q.push(r);
    else queues.set(key, [r]);
  }
  return messages.map((m) => {
    const meter = m.topic.split('/').at(-2)!;
    const n = m.payload.startsWith('[') ? (JSON.parse(m.payload) as unknown[]).length : 1;
    return queues.get(meter)!.splice(0, n);
  });
}

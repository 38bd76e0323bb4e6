import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetter } from '../../src/ingest/index.js';
import type { RunSummary } from '../../simulators/summary.js';
import { lastJsonLine, runCli } from '../support/cli.js';
import { readAllRows, startIngester, waitForCount, type InProcessIngester } from '../support/platformHarness.js';
import { Influxd, Mosquitto, sleep } from '../support/services.js';
import { connectPublisher } from '../support/telemetryFixtures.js';
import { DEADLETTER_TOPIC } from '../../src/contract/index.js';

const PJME = new URL('../fixtures/pjme_dst_2017_2018.csv', import.meta.url).pathname;

let mosquitto: Mosquitto;
let influxd: Influxd;
beforeAll(async () => {
  [mosquitto, influxd] = await Promise.all([Mosquitto.start(), Influxd.start()]);
});
afterAll(async () => {
  await Promise.all([mosquitto?.destroy(), influxd?.destroy()]);
});

async function countAll(db: string): Promise<number> {
  // Weather readings have no power_kw; every other kind has.
  const power = await influxd.query(db, 'SELECT count(power_kw) FROM telemetry').catch(() => []);
  const weather = await influxd.query(db, "SELECT count(temperature_c) FROM telemetry WHERE kind = 'weather'").catch(() => []);
  return Number(power[0]?.values[0]?.[1] ?? 0) + Number(weather[0]?.values[0]?.[1] ?? 0);
}

describe('gridcast replay → Mosquitto → ingester → InfluxDB', () => {
  it('stores the exact values of a real dataset slice at the right UTC instants (PJM, hour-ending, Eastern, both DST days)', async () => {
    const db = 'replay';
    // Historic data: raise the age bound, as docs/simulators.md says to for a backfill.
    const ing = await startIngester(mosquitto.url, influxd.url, db, { INGEST_MAX_AGE_HOURS: String(24 * 365 * 30) });
    try {
      const r = await runCli(['replay', '--csv', PJME, '--time-col', 'Datetime', '--value-col', 'PJME_MW', '--unit', 'MW', '--tz', 'America/New_York', '--time-label', 'end', '--site', 'pjm', '--feeder', 'east', '--meter', 'pjme', '--kind', 'load', '--url', mosquitto.url, '--batch', '24']);
      expect(r.code, r.stderr).toBe(0);
      const summary = lastJsonLine<RunSummary>(r.stdout);
      expect(summary.readings).toBe(144);
      expect(await waitForCount(() => countAll(db), 144, 30_000)).toBe(144);
      const rows = await readAllRows(influxd, db);
      const stored = new Map(rows.map((row) => [new Date(row.timeMs).toISOString(), row.power_kw]));
      expect(stored.get('2017-11-05T05:00:00.000Z')).toBe(21_236_000); // first HE02 of the fall-back day (01:00 EDT)
      expect(stored.get('2017-11-05T06:00:00.000Z')).toBe(20_666_000); // second HE02 (01:00 EST)
      expect(stored.get('2018-03-11T06:00:00.000Z')).toBe(27_012_000); // HE02 before the spring gap
      expect(stored.get('2018-03-11T07:00:00.000Z')).toBe(26_866_000); // HE04 right after it
      expect(new Set(rows.map((row) => `${row.site}/${row.feeder}/${row.meter}/${row.kind}`))).toEqual(new Set(['pjm/east/pjme/load']));
    } finally {
      await ing.stop();
    }
  });
});

describe('gridcast simulate with faults', () => {
  let ing: InProcessIngester;
  let watcher: MqttClient;
  const letters: DeadLetter[] = [];
  beforeAll(async () => {
    ing = await startIngester(mosquitto.url, influxd.url, 'faults');
    watcher = await connectPublisher(mosquitto.url);
    watcher.on('message', (_t, payload) => letters.push(JSON.parse(payload.toString()) as DeadLetter));
    await watcher.subscribeAsync(DEADLETTER_TOPIC, { qos: 1 });
  });
  afterAll(async () => {
    await watcher?.endAsync();
    await ing?.stop();
  });

  it('counts every fault in its summary, and the counts match what the ingester stored and dead-lettered', async () => {
    const r = await runCli([
      'simulate', '--meters', '40', '--seed', '7', '--start', 'now-3h', '--until', 'now-1m', '--speed', 'max', '--interval', '1m',
      '--batch', '5', '--url', mosquitto.url,
      '--dropout', '0.01', '--duplicate', '0.05', '--out-of-order', '0.05', '--late', '0.01', '--spike', '0.01', '--stuck', '0.01', '--skew', '0.1', '--malformed', '0.1',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const s = lastJsonLine<RunSummary>(r.stdout);
    for (const kind of Object.keys(s.faults)) expect(s.faults[kind as keyof RunSummary['faults']], kind).toBeGreaterThan(0);
    expect(Object.keys(s.malformedByReason).length).toBeGreaterThanOrEqual(8);

    // Stored: every distinct valid reading, once (duplicates overwrite; late and reordered ones arrive).
    expect(await waitForCount(() => countAll('faults'), s.readings, 60_000)).toBe(s.readings);
    // Dead-lettered: exactly the malformed messages, each with the reason it was built to trigger.
    const deadline = Date.now() + 20_000;
    while (letters.length < s.faults.malformed && Date.now() < deadline) await sleep(100);
    await sleep(500);
    const byReason: Record<string, number> = {};
    for (const l of letters) byReason[l.reason] = (byReason[l.reason] ?? 0) + 1;
    expect(byReason).toEqual(s.malformedByReason);
  });
});

describe('gridcast simulate is deterministic', () => {
  const run = (seed: string) =>
    runCli(['simulate', '--dry-run', '--meters', '12', '--seed', seed, '--start', '2026-06-01T00:00:00Z', '--until', '2026-06-01T06:00:00Z', '--speed', 'max', '--interval', '15m']);

  it('same seed → identical readings; another seed → different ones', async () => {
    const [a, b, c] = await Promise.all([run('42'), run('42'), run('43')]);
    for (const x of [a, b, c]) expect(x.code, x.stderr).toBe(0);
    const readings = (out: string) => out.trim().split('\n').slice(0, -1); // the last line is the summary
    expect(readings(a.stdout).length).toBeGreaterThan(12 * 24);
    expect(readings(a.stdout)).toEqual(readings(b.stdout));
    expect(readings(a.stdout)).not.toEqual(readings(c.stdout));
    const first = JSON.parse(readings(a.stdout)[0]!) as { topic: string; ts: number };
    expect(first.topic).toMatch(/^gridcast\/v1\/demo-site\/feeder-\d+\/[A-Za-z0-9_-]+\/telemetry$/);
    expect(first.ts).toBe(Date.parse('2026-06-01T00:00:00Z'));
  });
});

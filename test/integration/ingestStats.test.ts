import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreRejectedError } from '../../src/common/errors.js';
import { silentLogger } from '../../src/common/logger.js';
import { INGEST_STATS_FIELDS } from '../../src/ingest/index.js';
import { openDuckDbStores, openInfluxStores } from '../../src/storage/index.js';
import { loadConfig } from '../../src/config/index.js';
import { startIngester } from '../support/platformHarness.js';
import { Influxd, Mosquitto, sleep } from '../support/services.js';
import { connectPublisher } from '../support/telemetryFixtures.js';
import { telemetryTopic, type IngestStatsPoint } from '../../src/contract/index.js';

let mosquitto: Mosquitto;
let influxd: Influxd;
let publisher: MqttClient;

beforeAll(async () => {
  [mosquitto, influxd] = await Promise.all([Mosquitto.start(), Influxd.start()]);
  publisher = await connectPublisher(mosquitto.url);
});
afterAll(async () => {
  await publisher?.endAsync();
  await Promise.all([mosquitto?.destroy(), influxd?.destroy()]);
});

type Row = Record<string, unknown>;

async function statsRows(db: string): Promise<Row[]> {
  const series = await influxd.query(db, 'SELECT * FROM ingest_stats').catch(() => []);
  const s = series[0];
  if (!s) return [];
  return s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]])));
}

describe('ingest_stats: each ingester writes its own figures into the store', () => {
  it('counts readings, rejections by reason, spool depth and lag, tagged with the client id, every interval', async () => {
    const db = 'stats';
    const ing = await startIngester(mosquitto.url, influxd.url, db, { INGEST_STATS_INTERVAL_SECONDS: '0.2' });
    try {
      const now = Date.now();
      const topic = telemetryTopic('site-s', 'f1', 'm1');
      for (let i = 0; i < 5; i++) await publisher.publishAsync(topic, JSON.stringify({ ts: now - 60_000 + i, kind: 'load', powerKw: i }), { qos: 1 });
      await publisher.publishAsync(topic, 'not json', { qos: 1 });
      await publisher.publishAsync(topic, JSON.stringify({ ts: now, kind: 'load', powerKw: 1, colour: 'red' }), { qos: 1 });
      await publisher.publishAsync(topic, JSON.stringify({ ts: now, kind: 'load', powerKw: 1, bogus: 1 }), { qos: 1 });

      // The newest sample reaches the final counts once the ingester has handled all eight messages.
      let last: Row | undefined;
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const rows = await statsRows(db);
        last = rows[rows.length - 1];
        if (last?.readings_total === 5 && last.rejected_total === 3) break;
        await sleep(100);
      }
      expect(last).toMatchObject({
        ingester: ing.config.mqtt.clientId,
        messages_total: 8,
        readings_total: 5,
        rejected_total: 3,
        rejected_invalid_json_total: 1,
        rejected_unknown_field_total: 2,
        rejected_missing_field_total: 0,
        spool_depth: 0,
        spooled_total: 0,
      });
      await sleep(700);
      const rows = await statsRows(db);
      expect(rows.length).toBeGreaterThanOrEqual(3);
      // Every field of the documented list is written (lag_ms only when batches were made durable in the interval).
      const written = new Set(rows.flatMap((r) => Object.keys(r).filter((k) => r[k] !== null)));
      for (const field of INGEST_STATS_FIELDS) expect(written, field).toContain(field);
      // The readings were about a minute old when stored: the lag says so.
      const lags = rows.map((r) => r.lag_ms).filter((v): v is number => typeof v === 'number');
      expect(Math.max(...lags)).toBeGreaterThan(50_000);
      expect(Math.max(...lags)).toBeLessThan(120_000);
      // Samples keep coming at the configured interval (200 ms; timers may run late, never early).
      const times = rows.map((r) => Number(r.time));
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(190);
    } finally {
      await ing.stop();
    }
  });

  it('writes nothing with INGEST_STATS_INTERVAL_SECONDS=0', async () => {
    const db = 'nostats';
    const ing = await startIngester(mosquitto.url, influxd.url, db, { INGEST_STATS_INTERVAL_SECONDS: '0' });
    try {
      await publisher.publishAsync(telemetryTopic('site-s', 'f1', 'm1'), JSON.stringify({ ts: Date.now(), kind: 'load', powerKw: 1 }), { qos: 1 });
      await sleep(600);
      expect(await statsRows(db)).toEqual([]);
    } finally {
      await ing.stop();
    }
  });
});

describe('writeIngestStats in both stores', () => {
  const point: IngestStatsPoint = { ingester: 'ing-1', timeMs: Date.UTC(2026, 0, 1), fields: { readings_total: 12, spool_depth: 3 } };

  it('InfluxDB: one point per sample, and refuses bad names and values', async () => {
    const stores = openInfluxStores(loadConfig({ INFLUX_URL: influxd.url, INFLUX_DATABASE: 'statsdirect' }).influx!, silentLogger);
    try {
      await stores.ingestStats.writeIngestStats([point]);
      const series = await influxd.query('statsdirect', 'SELECT readings_total, spool_depth, ingester FROM ingest_stats');
      expect(series[0]?.values).toEqual([[point.timeMs, 12, 3, 'ing-1']]);
      await expect(stores.ingestStats.writeIngestStats([{ ...point, fields: { 'bad name': 1 } }])).rejects.toBeInstanceOf(StoreRejectedError);
      await expect(stores.ingestStats.writeIngestStats([{ ...point, fields: { x: Number.NaN } }])).rejects.toBeInstanceOf(StoreRejectedError);
      await expect(stores.ingestStats.writeIngestStats([{ ...point, ingester: 'a\\b' }])).rejects.toBeInstanceOf(StoreRejectedError);
    } finally {
      await stores.close();
    }
  });

  it('DuckDB: one row per ingester and time (a re-write replaces it), same validation', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gridcast-stats-duckdb-'));
    const path = join(dir, 'g.duckdb');
    try {
      const stores = openDuckDbStores({ path }, silentLogger);
      await stores.init();
      await stores.ingestStats.writeIngestStats([point]);
      await stores.ingestStats.writeIngestStats([{ ...point, fields: { readings_total: 13, spool_depth: 0 } }]);
      await expect(stores.ingestStats.writeIngestStats([{ ...point, fields: {} }])).rejects.toBeInstanceOf(StoreRejectedError);
      await stores.close();
      const instance = await DuckDBInstance.create(path);
      const conn = await instance.connect();
      const rows = (await conn.runAndReadAll('SELECT ingester, epoch_ms(time) AS t, fields_json FROM ingest_stats')).getRowObjects();
      conn.closeSync();
      instance.closeSync();
      expect(rows.map((r) => [r.ingester, Number(r.t), JSON.parse(String(r.fields_json))])).toEqual([['ing-1', point.timeMs, { readings_total: 13, spool_depth: 0 }]]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('readIngestStats in both stores (what GET /api/v1/ingest/stats reads)', () => {
  const t0 = Date.UTC(2026, 0, 2);
  const points: IngestStatsPoint[] = [
    { ingester: 'ing-b', timeMs: t0, fields: { readings_total: 5, spool_depth: 0 } },
    { ingester: 'ing-a', timeMs: t0 + 10_000, fields: { readings_total: 20, spool_depth: 1 } },
    { ingester: 'ing-a', timeMs: t0, fields: { readings_total: 10, spool_depth: 0, lag_ms: 12.5 } },
    { ingester: 'ing-a', timeMs: t0 + 20_000, fields: { readings_total: 30, spool_depth: 2 } },
  ];
  const expected = [points[2], points[1], points[0]];

  async function check(stores: { ingestStats: { writeIngestStats: (p: IngestStatsPoint[]) => Promise<void>; readIngestStats: (q: { fromMs: number; toMs: number; ingester?: string }) => Promise<IngestStatsPoint[]> } }) {
    await stores.ingestStats.writeIngestStats(points);
    // Sorted by ingester, then time; `to` exclusive.
    expect(await stores.ingestStats.readIngestStats({ fromMs: t0, toMs: t0 + 20_000 })).toEqual(expected);
    expect(await stores.ingestStats.readIngestStats({ fromMs: t0, toMs: t0 + 20_001, ingester: 'ing-a' })).toEqual([points[2], points[1], points[3]]);
    expect(await stores.ingestStats.readIngestStats({ fromMs: t0 + 30_000, toMs: t0 + 40_000 })).toEqual([]);
  }

  it('InfluxDB: every field back as written, one series per ingester', async () => {
    const stores = openInfluxStores(loadConfig({ INFLUX_URL: influxd.url, INFLUX_DATABASE: 'statsread' }).influx!, silentLogger);
    try {
      await check(stores);
    } finally {
      await stores.close();
    }
  });

  it('DuckDB: the same', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gridcast-stats-read-'));
    const stores = openDuckDbStores({ path: join(dir, 'g.duckdb') }, silentLogger);
    try {
      await stores.init();
      await check(stores);
    } finally {
      await stores.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

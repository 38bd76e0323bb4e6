/**
 * npm run bench:sizing — bytes on disk per reading, for the sizing table in docs/scaling.md:
 *
 * - InfluxDB 1.x (the real `influxd`): N readings written through gridcast's own store, then the TSM files of
 *   the database once the cache is snapshotted and fully compacted (short cold durations, so that happens in
 *   seconds instead of the default 10 minutes and 4 hours). The WAL before the snapshot is reported too.
 * - DuckDB: the same readings through the embedded store; the database file after close.
 * - Spool: readings appended to the on-disk spool (what an ingester writes while the store is down) in batches,
 *   the segment files' size.
 *
 * Readings are one a minute per meter, power a random walk at 1 W resolution and voltage at 0.1 V (what a
 * meter sends); same seed, same bytes. Env: SIZING_METERS (1000), SIZING_READINGS_PER_METER (1440: a day),
 * SIZING_SPOOL_READINGS (100000), SIZING_SPOOL_BATCH (100 readings per record). Prints one JSON line and writes
 * .bench/sizing.json.
 */
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { silentLogger } from '../src/common/logger.js';
import type { TelemetryPoint } from '../src/contract/index.js';
import { Spool } from '../src/ingest/spool.js';
import { openStores } from '../src/storage/index.js';
import { Influxd, sleep } from '../test/support/index.js';

const METERS = Number(process.env.SIZING_METERS ?? 1000);
const PER_METER = Number(process.env.SIZING_READINGS_PER_METER ?? 1440);
const SPOOL_READINGS = Number(process.env.SIZING_SPOOL_READINGS ?? 100_000);
const SPOOL_BATCH = Number(process.env.SIZING_SPOOL_BATCH ?? 100);
const WRITE_BATCH = 5000;
const STEP_MS = 60_000;

/** Readings in time order (every meter at t, then t + 1 min), as a fleet reports them. */
function* fleet(meters: number, perMeter: number): Generator<TelemetryPoint[]> {
  let seed = 42;
  const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const power = Array.from({ length: meters }, () => 0.5 + rand() * 3);
  const t0 = Date.UTC(2026, 0, 1);
  let batch: TelemetryPoint[] = [];
  for (let i = 0; i < perMeter; i++) {
    for (let m = 0; m < meters; m++) {
      power[m] = Math.max(0, power[m]! + (rand() - 0.5) * 0.4);
      batch.push({
        site: `site-${m % 4}`,
        feeder: `feeder-${m % 40}`,
        meter: `meter-${String(m).padStart(6, '0')}`,
        kind: 'load',
        timeMs: t0 + i * STEP_MS,
        fields: { power_kw: Math.round(power[m]! * 1000) / 1000, voltage_v: Math.round((230 + (rand() - 0.5) * 8) * 10) / 10 },
      });
      if (batch.length === WRITE_BATCH) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

async function bytesUnder(path: string, suffix = ''): Promise<number> {
  let total = 0;
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(path, e.name);
    if (e.isDirectory()) total += await bytesUnder(p, suffix);
    else if (e.name.endsWith(suffix)) total += (await stat(p)).size;
  }
  return total;
}

async function influx(readings: number): Promise<Record<string, number>> {
  // Snapshot the cache after 2 s without writes and fully compact a shard after 5 s cold.
  const influxd = await Influxd.start({ data: ['cache-snapshot-write-cold-duration = "2s"', 'compact-full-write-cold-duration = "5s"'] });
  const db = 'sizing';
  try {
    const stores = openStores(loadConfig({ INFLUX_URL: influxd.url, INFLUX_DATABASE: db, INFLUX_TIMEOUT_MS: '30000' }), silentLogger);
    await stores.init();
    const started = performance.now();
    for (const batch of fleet(METERS, PER_METER)) await stores.telemetry.writePoints(batch);
    const writeSeconds = (performance.now() - started) / 1000;
    await stores.close();
    const walBytes = await bytesUnder(join(influxd.dir, 'wal', db));
    // Done when the WAL is emptied into TSM and the TSM files stop changing (a full compaction rewrote them).
    let last = -1;
    let steady = 0;
    for (const until = Date.now() + 180_000; Date.now() < until && steady < 4; ) {
      await sleep(2000);
      const [wal, tsm, tmp] = [await bytesUnder(join(influxd.dir, 'wal', db), '.wal'), await bytesUnder(join(influxd.dir, 'data', db), '.tsm'), await bytesUnder(join(influxd.dir, 'data', db), '.tmp')];
      steady = wal < 1024 && tmp === 0 && tsm === last ? steady + 1 : 0;
      last = tsm;
    }
    const series = await influxd.query(db, 'SELECT count(power_kw) FROM telemetry');
    const stored = Number(series[0]?.values[0]?.[1] ?? 0);
    if (stored !== readings) throw new Error(`InfluxDB holds ${stored} readings of ${readings}`);
    const tsmBytes = await bytesUnder(join(influxd.dir, 'data', db), '.tsm');
    const dataBytes = await bytesUnder(join(influxd.dir, 'data', db));
    return {
      influxWalBytesPerReading: round(walBytes / readings),
      influxTsmBytesPerReading: round(tsmBytes / readings),
      // The series file (_series) is preallocated in segments: a fixed cost per database, not per reading.
      influxSeriesFileBytes: dataBytes - tsmBytes,
      influxWriteReadingsPerSec: Math.round(readings / writeSeconds),
    };
  } finally {
    await influxd.destroy();
  }
}

async function duckdb(readings: number): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'gridcast-sizing-duckdb-'));
  try {
    const path = join(dir, 'gridcast.duckdb');
    const stores = openStores(loadConfig({ DUCKDB_PATH: path }), silentLogger);
    await stores.init();
    const emptyBytes = await bytesUnder(dir);
    const started = performance.now();
    for (const batch of fleet(METERS, PER_METER)) await stores.telemetry.writePoints(batch);
    const writeSeconds = (performance.now() - started) / 1000;
    await stores.close();
    const bytes = await bytesUnder(dir);
    return { duckdbBytesPerReading: round((bytes - emptyBytes) / readings), duckdbWriteReadingsPerSec: Math.round(readings / writeSeconds) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function spool(): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'gridcast-sizing-spool-'));
  try {
    const s = await Spool.open(dir, silentLogger);
    let n = 0;
    for (const batch of fleet(METERS, Math.ceil(SPOOL_READINGS / METERS))) {
      for (let i = 0; i < batch.length && n < SPOOL_READINGS; i += SPOOL_BATCH) {
        const part = batch.slice(i, Math.min(i + SPOOL_BATCH, i + SPOOL_READINGS - n));
        await s.append(part);
        n += part.length;
      }
      if (n >= SPOOL_READINGS) break;
    }
    await s.close();
    return { spoolBytesPerReading: round((await bytesUnder(dir, '.spool')) / n), spoolReadings: n };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const round = (x: number) => Number(x.toFixed(2));

async function main(): Promise<void> {
  const readings = METERS * PER_METER;
  const result = {
    readings,
    meters: METERS,
    readingsPerMeter: PER_METER,
    stepSeconds: STEP_MS / 1000,
    spoolBatch: SPOOL_BATCH,
    ...(await spool()),
    ...(await duckdb(readings)),
    ...(await influx(readings)),
  };
  await mkdir('.bench', { recursive: true });
  await writeFile('.bench/sizing.json', `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

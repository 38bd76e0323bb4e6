import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { loadConfig, type GridcastConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/common/logger.js';
import { createMetricsRegistry } from '../../src/common/metrics.js';
import { Ingester } from '../../src/ingest/index.js';
import { openStores, type Stores, type TelemetryStore } from '../../src/storage/index.js';
import { GridcastProcess } from './gridcastProcess.js';
import { freePort, sleep, type Influxd } from './services.js';
import type { FleetReading } from './telemetryFixtures.js';

export interface InProcessIngester {
  ingester: Ingester;
  stores: Stores;
  registry: Registry;
  config: GridcastConfig;
  stop(): Promise<void>;
}

/**
 * A real ingester in this process, against the given broker and InfluxDB, with its own spool directory.
 * `wrapStore` may put something between the ingester and the real store (e.g. gatedStore, to hold writes open).
 */
export async function startIngester(
  mqttUrl: string,
  influxUrl: string,
  database: string,
  env: Record<string, string> = {},
  wrapStore: (store: TelemetryStore) => TelemetryStore = (s) => s,
  /** Changes the loaded config before the ingester gets it (fault injection). */
  adjust: (config: GridcastConfig) => GridcastConfig = (c) => c,
): Promise<InProcessIngester> {
  const spoolDir = await mkdtemp(join(tmpdir(), 'gridcast-spool-'));
  const config = adjust(loadConfig({
    MQTT_URL: mqttUrl,
    MQTT_CLIENT_ID: `test-ingest-${database}`,
    INFLUX_URL: influxUrl,
    INFLUX_DATABASE: database,
    INFLUX_TIMEOUT_MS: '2000',
    SPOOL_DIR: spoolDir,
    ...env,
  }));
  const stores = openStores(config, silentLogger);
  await stores.init();
  const registry = createMetricsRegistry();
  const ingester = new Ingester({ config, mqttUrl, store: wrapStore(stores.telemetry), ingestStats: stores.ingestStats, registry, logger: silentLogger });
  await ingester.start();
  return {
    ingester,
    stores,
    registry,
    config,
    stop: async () => {
      await ingester.stop();
      await stores.close();
      await rm(spoolDir, { recursive: true, force: true });
    },
  };
}

export async function countPoints(influxd: Influxd, db: string, field = 'power_kw'): Promise<number> {
  const series = await influxd.query(db, `SELECT count(${field}) FROM telemetry`).catch(() => []);
  return Number(series[0]?.values[0]?.[1] ?? 0);
}

/** Polls until `count()` reaches `expected` (or stops changing for `stallMs` past it). */
export async function waitForCount(count: () => Promise<number>, expected: number, timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let n = 0;
  while (Date.now() < deadline) {
    n = await count();
    if (n >= expected) return n;
    await sleep(250);
  }
  return n;
}

/**
 * `gridcast ingest` as a child process (for SIGKILL and restart) against the given broker and InfluxDB. The same
 * client id and spool directory on a second start is the same identity: the broker's session and the spool
 * (`<spoolDir>/<clientId>`) are its own again.
 */
export async function ingesterProcess(opts: { mqttUrl: string; influxUrl: string; database: string; clientId: string; spoolDir: string; env?: Record<string, string> }): Promise<GridcastProcess> {
  return new GridcastProcess(
    'ingest',
    {
      MQTT_URL: opts.mqttUrl,
      MQTT_CLIENT_ID: opts.clientId,
      INFLUX_URL: opts.influxUrl,
      INFLUX_DATABASE: opts.database,
      INFLUX_TIMEOUT_MS: '1000',
      SPOOL_DIR: opts.spoolDir,
      ...opts.env,
    },
    await freePort(),
  );
}

/** What the store holds against what was published. */
export interface StoredCheck {
  /** Rows in the telemetry measurement. */
  rows: number;
  /** Published readings not stored with their exact value. */
  missing: FleetReading[];
  /** Meter and time pairs stored more than once. */
  doubled: number;
  /** Rows that match no published reading. */
  unexpected: number;
}

/**
 * Compares every row of `telemetry` with the readings published. A reading written twice with the same series and
 * time overwrites itself in InfluxDB; `doubled` counts any that landed as a second row all the same.
 */
export async function checkStored(influxd: Influxd, db: string, readings: FleetReading[]): Promise<StoredCheck> {
  const rows = await readAllRows(influxd, db);
  const expected = new Map(readings.map((r) => [`${r.meter}@${r.reading.ts}`, r.reading.powerKw]));
  const seen = new Map<string, number>();
  let unexpected = 0;
  for (const r of rows) {
    const key = `${r.meter}@${r.timeMs}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    if (expected.get(key) !== r.power_kw) unexpected++;
  }
  const stored = new Map(rows.map((r) => [`${r.meter}@${r.timeMs}`, r.power_kw]));
  return {
    rows: rows.length,
    missing: readings.filter((r) => stored.get(`${r.meter}@${r.reading.ts}`) !== r.reading.powerKw),
    doubled: [...seen.values()].filter((n) => n > 1).length,
    unexpected,
  };
}

export interface StoredRow {
  timeMs: number;
  site: string;
  feeder: string;
  meter: string;
  kind: string;
  power_kw: number | null;
  voltage_v: number | null;
}

export async function readAllRows(influxd: Influxd, db: string): Promise<StoredRow[]> {
  const series = await influxd.query(db, 'SELECT time, site, feeder, meter, kind, power_kw, voltage_v FROM telemetry');
  const s = series[0];
  if (!s) return [];
  const idx = (c: string) => s.columns.indexOf(c);
  return s.values.map((v) => ({
    timeMs: Number(v[idx('time')]),
    site: String(v[idx('site')]),
    feeder: String(v[idx('feeder')]),
    meter: String(v[idx('meter')]),
    kind: String(v[idx('kind')]),
    power_kw: v[idx('power_kw')] as number | null,
    voltage_v: v[idx('voltage_v')] as number | null,
  }));
}

/** A store whose writePoints can be held open (while `hold()`ed) to see what the ingester does meanwhile. */
export interface GatedStore {
  wrap(store: TelemetryStore): TelemetryStore;
  hold(): void;
  release(): void;
  /** writePoints calls that started (held or not), and the readings in them. */
  readonly writes: { readings: number }[];
}

export function gatedStore(): GatedStore {
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  const writes: { readings: number }[] = [];
  return {
    writes,
    hold() {
      gate ??= new Promise<void>((resolve) => (open = resolve));
    },
    release() {
      open?.();
      gate = undefined;
    },
    wrap(store) {
      return new Proxy(store, {
        get(target, prop, receiver) {
          if (prop === 'writePoints') {
            return async (points: Parameters<TelemetryStore['writePoints']>[0]) => {
              writes.push({ readings: points.length });
              while (gate) await gate;
              return target.writePoints(points);
            };
          }
          const value: unknown = Reflect.get(target, prop, receiver);
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
    },
  };
}

/** The value of one unlabelled metric of a registry. */
export async function metricValue(registry: Registry, name: string): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return Number.NaN;
  return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);
}

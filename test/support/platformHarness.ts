import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { loadConfig, type GridcastConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/common/logger.js';
import { createMetricsRegistry } from '../../src/common/metrics.js';
import { Ingester } from '../../src/ingest/index.js';
import { openStores, type Stores, type TelemetryStore } from '../../src/storage/index.js';
import { sleep, type Influxd } from './services.js';

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

/**
 * API benchmark (`npm run bench:api`): the two hot read endpoints, the latest forecast and the latest
 * dispatch plan, under 200 concurrent connections, next to a bare Express handler sending a static JSON of
 * exactly the same bytes, in the same run. Prints a table and writes .bench/api.json.
 *
 * The servers run in a child process (this file with --serve) so autocannon's own work does not share
 * their event loop. The store is a real one filled with 48 h × 3 targets of hourly forecasts (two issues)
 * and a 48-step plan from the optimizer. Options: --store duckdb|influxdb (default duckdb),
 * --duration SECONDS (default 10), --connections N (default 200).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import express from 'express';
import { ApiKeyFile, startHttpServer } from '../src/api/index.js';
import { storesForApi } from '../src/cli/index.js';
import { silentLogger } from '../src/common/logger.js';
import { createMetricsRegistry } from '../src/common/metrics.js';
import { loadConfig } from '../src/config/index.js';
import { openStores, type Stores } from '../src/storage/index.js';
import { buildDataset, fillStore, HOUR, Influxd, SITE } from '../test/support/index.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};

interface Endpoints {
  key: string;
  /** path → base URL of the server that answers it */
  targets: { name: string; url: string; bytes: number }[];
}

/** Child: fills a store, starts the API (cached and uncached) and the bare handler, prints the endpoints as one JSON line. */
async function serve(): Promise<void> {
  const engine = option('store', 'duckdb');
  const dir = await mkdtemp(join(tmpdir(), 'gridcast-bench-api-'));
  const influxd = engine === 'influxdb' ? await Influxd.start() : undefined;
  const env = {
    API_KEYS_FILE: join(dir, 'keys.json'),
    DUCKDB_PATH: join(dir, 'gridcast.duckdb'),
    MODELS_DIR: join(dir, 'models'),
    // The limiter stays in the path (its cost is measured); its limit is out of reach.
    API_RATE_LIMIT_PER_MINUTE: '1000000000',
    ...(influxd ? { INFLUX_URL: influxd.url, INFLUX_DATABASE: 'bench' } : {}),
  };
  const config = loadConfig(env);
  const raw: Stores = openStores(config, silentLogger);
  await raw.init();
  await fillStore(raw, await buildDataset(Math.floor(Date.now() / HOUR) * HOUR));
  const { key } = await new ApiKeyFile(config.api.keysFile).create('bench', 'read');

  const start = async (cacheSeconds: string) => {
    const c = loadConfig({ ...env, API_CACHE_SECONDS: cacheSeconds });
    const { stores, cache } = storesForApi(c, raw);
    const http = await startHttpServer({ host: '127.0.0.1', port: 0, registry: createMetricsRegistry(), logger: silentLogger, readiness: async () => [], stores, config: c.api, ui: false, cache });
    return http.url;
  };
  const cached = await start(String(config.api.cacheSeconds));
  const uncached = await start('0');
  const paths = { forecast: `/api/v1/forecasts?site=${SITE}&target=load`, plan: `/api/v1/dispatch?site=${SITE}` };
  const bodies: Record<string, string> = {};
  for (const [name, path] of Object.entries(paths)) {
    const res = await fetch(`${cached}${path}`, { headers: { authorization: `Bearer ${key}` } });
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    bodies[name] = await res.text();
  }

  // The yardstick: Express with nothing but a route sending the same bytes.
  const bare = express();
  bare.get('/bare/:name', (req, res) => {
    res.type('application/json').send(bodies[req.params.name]);
  });
  const bareUrl = await new Promise<string>((resolve) => {
    const s = bare.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as { port: number }).port}`));
  });

  const out: Endpoints = {
    key,
    targets: [
      { name: 'latest forecast (48 h, P10/P50/P90)', url: `${cached}${paths.forecast}`, bytes: bodies.forecast!.length },
      { name: '  bare Express, same bytes', url: `${bareUrl}/bare/forecast`, bytes: bodies.forecast!.length },
      { name: '  API without cache', url: `${uncached}${paths.forecast}`, bytes: bodies.forecast!.length },
      { name: 'latest dispatch plan (48 steps)', url: `${cached}${paths.plan}`, bytes: bodies.plan!.length },
      { name: '  bare Express, same bytes', url: `${bareUrl}/bare/plan`, bytes: bodies.plan!.length },
      { name: '  API without cache', url: `${uncached}${paths.plan}`, bytes: bodies.plan!.length },
    ],
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.once('SIGTERM', () => {
    void raw
      .close()
      .then(() => influxd?.destroy())
      .then(() => rm(dir, { recursive: true, force: true }))
      .finally(() => process.exit(0));
  });
}

interface Row {
  name: string;
  bytes: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

async function fire(url: string, key: string, connections: number, duration: number): Promise<Row & { url: string }> {
  const r = await autocannon({ url, connections, duration, headers: { authorization: `Bearer ${key}` } });
  return { name: '', url, bytes: 0, requestsPerSec: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

async function main(): Promise<void> {
  const connections = Number(option('connections', '200'));
  const duration = Number(option('duration', '10'));
  const child: ChildProcess = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--serve', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    });
    const endpoints = JSON.parse(line) as Endpoints;
    const rows: Row[] = [];
    for (const t of endpoints.targets) {
      await fire(t.url, endpoints.key, connections, 2); // warm-up: JIT, connections, first cache fill
      const row = await fire(t.url, endpoints.key, connections, duration);
      rows.push({ ...row, name: t.name, bytes: t.bytes });
      process.stderr.write(`${t.name.trim()}: ${Math.round(row.requestsPerSec)} req/s, p99 ${row.p99Ms} ms\n`);
    }
    const [forecast, bareForecast, forecastUncached, plan, barePlan, planUncached] = rows as [Row, Row, Row, Row, Row, Row];
    const ratio = (a: Row, b: Row) => Number((a.requestsPerSec / b.requestsPerSec).toFixed(3));
    const result = {
      store: option('store', 'duckdb'),
      connections,
      durationSeconds: duration,
      rows: rows.map((r) => ({ ...r, requestsPerSec: Math.round(r.requestsPerSec) })),
      forecastRatioToBare: ratio(forecast, bareForecast),
      planRatioToBare: ratio(plan, barePlan),
      forecastUncachedRatioToBare: ratio(forecastUncached, bareForecast),
      planUncachedRatioToBare: ratio(planUncached, barePlan),
      targets: { p99Ms: 50, ratioToBare: 0.5 },
      met: forecast.p99Ms < 50 && plan.p99Ms < 50 && ratio(forecast, bareForecast) >= 0.5 && ratio(plan, barePlan) >= 0.5,
      machine: { cpus: cpus().length, node: process.version },
    };
    console.log(`\n${'endpoint'.padEnd(40)} ${'bytes'.padStart(7)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'errors'.padStart(7)} ${'vs bare'.padStart(8)}`);
    const bareOf = [bareForecast, bareForecast, bareForecast, barePlan, barePlan, barePlan];
    rows.forEach((r, i) =>
      console.log(
        `${r.name.padEnd(40)} ${String(r.bytes).padStart(7)} ${Math.round(r.requestsPerSec).toLocaleString('en').padStart(8)} ${r.p50Ms.toFixed(0).padStart(7)} ${r.p99Ms.toFixed(0).padStart(7)} ${String(r.errors + r.non2xx).padStart(7)} ${(r.requestsPerSec / bareOf[i]!.requestsPerSec).toFixed(2).padStart(8)}`,
      ),
    );
    console.log(`\n${connections} connections, ${duration} s per row; targets: p99 < 50 ms and ≥ 50 % of bare req/s (cached API rows): ${result.met ? 'met' : 'NOT met'}`);
    await mkdir('.bench', { recursive: true });
    await writeFile('.bench/api.json', `${JSON.stringify(result, null, 2)}\n`);
    console.log('written to .bench/api.json');
    if (rows.some((r) => r.errors + r.non2xx > 0)) process.exitCode = 1;
  } finally {
    child.kill('SIGTERM');
  }
}

if (args.includes('--serve')) await serve();
else await main();

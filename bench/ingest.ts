/**
 * npm run bench:ingest — MQTT → ingester → InfluxDB throughput on this machine, with the broker-only
 * and database-only rates measured in the same run so the result reads as ratios, not absolutes.
 * Prints a table, writes .bench/ingest.json, and ends with one JSON line.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import { toLine } from '../src/storage/index.js';
import { connectPublisher, fleetReadings, freePort, GridcastProcess, Influxd, lastJsonLine, Mosquitto, publishAll, runCli, sleep, toMessages, type PublishPlanEntry } from '../test/support/index.js';
import type { RunSummary } from '../simulators/index.js';
import type { TelemetryPoint } from '../src/contract/index.js';

const ARRAY_READINGS = Number(process.env.BENCH_ARRAY_READINGS ?? 300_000);
const SINGLE_READINGS = Number(process.env.BENCH_SINGLE_READINGS ?? 60_000);
const WINDOW = 1000;
/**
 * How the ingester runs: from source through tsx (unset or 0, as before), from a compiled build (1, what the image
 * and `gridcast ingest` with a dist/ run), or both one after the other in the same run (`both`).
 */
const RUNTIMES: Runtime[] = ({ '1': ['compiled'], both: ['tsx', 'compiled'] } as Record<string, Runtime[]>)[process.env.BENCH_INGEST_COMPILED ?? ''] ?? ['tsx'];
/** The compiled build bench:ingest runs (its own outDir: a dist/ would make every test's bin/gridcast.js run it). */
const COMPILED_DIR = resolve('.bench/dist');
const COMPILED_CLI = join(COMPILED_DIR, 'src', 'cli', 'main.js');
const MEMORY_SAMPLER = resolve('bench/support/memorySampler.mjs');

type Runtime = 'tsx' | 'compiled';
/**
 * BENCH_INGEST_HEAP=both also runs each end-to-end pair with INGEST_HEAP_GROWTH_PERCENT=0 (V8's own heap growth),
 * after the default, side by side in the same run.
 */
const HEAP_VARIANTS: ('default' | 'v8')[] = process.env.BENCH_INGEST_HEAP === 'both' ? ['default', 'v8'] : ['default'];

/** Peaks of process.memoryUsage() inside the ingester (bench/support/memorySampler.mjs), MB. */
interface MemoryPeaks {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

interface Phase {
  name: string;
  readings: number;
  seconds: number;
  perSec: number;
  /** Cores busy during the phase, per process: shows what the 2-core machine spent its time on. */
  cores?: Record<string, number>;
  lost?: number;
  cpuSecondsPer100k?: number;
  peakRssMb?: number;
  runtime?: Runtime;
  memory?: MemoryPeaks;
  /** Most messages the ingester held unacknowledged (sampled every 50 ms). */
  maxUnacked?: number;
}

async function newestMtimeMs(dir: string): Promise<number> {
  let newest = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.ts')) newest = Math.max(newest, (await stat(join(e.parentPath, e.name))).mtimeMs);
  }
  return newest;
}

/** Compiles into .bench/dist unless that build is newer than every source file it is made of. */
async function ensureCompiled(): Promise<void> {
  const built = await stat(COMPILED_CLI).then((s) => s.mtimeMs, () => 0);
  const sources = Math.max(...(await Promise.all(['src', 'simulators'].map(newestMtimeMs))), (await stat('tsconfig.json')).mtimeMs);
  if (built > sources) return;
  console.error(`compiling the ingester into ${COMPILED_DIR} (tsc) …`);
  execFileSync(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--outDir', COMPILED_DIR], { stdio: 'inherit' });
}

function plan(readings: number, arraySize: number): PublishPlanEntry[] {
  const meters = 1000;
  const fleet = fleetReadings({ meters, perMeter: Math.ceil(readings / meters), startMs: Date.now() - 6 * 3_600_000, stepMs: 100 }).slice(0, readings);
  return toMessages(fleet, arraySize, arraySize > 1 ? 1 : 0);
}

async function brokerOnly(mosquitto: Mosquitto, messages: PublishPlanEntry[], readings: number, name: string, pids: Pids): Promise<Phase> {
  // Same publisher as end to end; a QoS 1 subscriber that acknowledges at once and discards.
  const sub = await mqtt.connectAsync(mosquitto.url, { protocolVersion: 5, clientId: `bench-sink-${name}`, clean: true, properties: { receiveMaximum: 2000 } });
  let received = 0;
  sub.on('message', () => received++);
  await sub.subscribeAsync('gridcast/v1/+/+/+/telemetry', { qos: 1 });
  const pub = await connectPublisher(mosquitto.url);
  const cpu0 = await cpuSnapshot(pids);
  const started = performance.now();
  await publishAll(pub, messages, WINDOW);
  while (received < messages.length) await sleep(5);
  const seconds = (performance.now() - started) / 1000;
  const cores = coresBusy(cpu0, await cpuSnapshot(pids), seconds);
  await pub.endAsync();
  await sub.endAsync();
  return { name, readings, seconds, perSec: readings / seconds, cores };
}

async function dbOnly(influxd: Influxd, readings: number, pids: Pids): Promise<Phase> {
  // Pre-encoded line protocol posted straight to /write in batches of 5,000, two requests in flight.
  const db = 'bench_dbonly';
  await fetch(`${influxd.url}/query`, { method: 'POST', body: new URLSearchParams({ q: `CREATE DATABASE ${db}` }) });
  const t0 = Date.now() - 6 * 3_600_000;
  const lines: string[] = [];
  for (let i = 0; i < readings; i++) {
    const p: TelemetryPoint = { site: 'site-a', feeder: `feeder-${i % 10}`, meter: `meter-${i % 1000}`, kind: 'load', timeMs: t0 + Math.floor(i / 1000) * 100, fields: { power_kw: i / 8, voltage_v: 230 } };
    lines.push(toLine(p));
  }
  const bodies: string[] = [];
  for (let i = 0; i < lines.length; i += 5000) bodies.push(lines.slice(i, i + 5000).join('\n'));
  let next = 0;
  const cpu0 = await cpuSnapshot(pids);
  const started = performance.now();
  await Promise.all(
    [0, 1].map(async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const res = await fetch(`${influxd.url}/write?db=${db}&precision=ms`, { method: 'POST', body });
        if (res.status !== 204) throw new Error(`db-only write failed: ${res.status} ${await res.text()}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cores = coresBusy(cpu0, await cpuSnapshot(pids), seconds);
  return { name: 'database only (line protocol → /write)', readings, seconds, perSec: readings / seconds, cores };
}

type Pids = Record<string, number | undefined>;

/** CPU seconds so far of each process (this one included, as 'publisher'). */
async function cpuSnapshot(pids: Pids): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) if (pid) out[name] = (await processStats(pid)).cpuSeconds;
  return out;
}

function coresBusy(before: Record<string, number>, after: Record<string, number>, seconds: number): Record<string, number> {
  return Object.fromEntries(Object.keys(after).map((k) => [k, Number(((after[k]! - (before[k] ?? 0)) / seconds).toFixed(2))]));
}

async function processStats(pid: number): Promise<{ cpuSeconds: number; peakRssMb: number }> {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  const ticks = 100; // USER_HZ on Linux
  const cpuSeconds = (Number(stat[11]) + Number(stat[12])) / ticks;
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const hwmKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuSeconds, peakRssMb: hwmKb / 1024 };
}

async function countStored(influxd: Influxd, db: string): Promise<number> {
  const series = await influxd.query(db, 'SELECT count(power_kw) FROM telemetry').catch(() => []);
  return Number(series[0]?.values[0]?.[1] ?? 0);
}

async function endToEnd(mosquitto: Mosquitto, influxd: Influxd, messages: PublishPlanEntry[], readings: number, name: string, db: string, pids: Pids, runtime: Runtime, env: Record<string, string> = {}): Promise<Phase> {
  const spoolDir = await mkdtemp(join(tmpdir(), 'gridcast-bench-spool-'));
  const memoryFile = join(spoolDir, 'memory.json');
  const ingester = new GridcastProcess(
    'ingest',
    {
      MQTT_URL: mosquitto.url,
      MQTT_CLIENT_ID: `bench-${db}`,
      INFLUX_URL: influxd.url,
      INFLUX_DATABASE: db,
      SPOOL_DIR: spoolDir,
      LOG_LEVEL: 'warn',
      BENCH_MEMORY_FILE: memoryFile,
      ...env,
    },
    await freePort(),
    // BENCH_PROFILE=1 writes a V8 CPU profile of the ingester to .bench/profiles/; BENCH_HEAP_SNAPSHOT=1 lets
    // `kill -USR2 <ingester pid>` write a heap snapshot there.
    [
      // BENCH_INGEST_NODE_ARGS: node flags for the ingester alone (e.g. V8 heap settings), space-separated.
      ...(process.env.BENCH_INGEST_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      '--import',
      MEMORY_SAMPLER,
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=.bench/profiles'] : []),
      ...(process.env.BENCH_HEAP_SNAPSHOT ? ['--heapsnapshot-signal=SIGUSR2', '--diagnostic-dir=.bench/profiles'] : []),
    ],
    [],
    runtime === 'compiled' ? COMPILED_CLI : undefined,
  );
  await ingester.start();
  const pid = ingester.pid!;
  const before = await processStats(pid);
  const pub = await connectPublisher(mosquitto.url);
  const allPids = { ...pids, ingester: pid };
  const cpu0 = await cpuSnapshot(allPids);
  const started = performance.now();
  await publishAll(pub, messages, WINDOW);
  // Done when the ingester has written every reading to InfluxDB (its accepted counter moves only after
  // a write succeeded), or nothing moved for 10 s. Polling /metrics is cheap; counting in InfluxDB every
  // few ms would load the database being measured.
  let accepted = 0;
  let maxUnacked = 0;
  let lastChange = Date.now();
  while (accepted < readings && Date.now() - lastChange < 10_000) {
    await sleep(50);
    maxUnacked = Math.max(maxUnacked, await ingester.metric('gridcast_ingest_messages_unacked'));
    const n = await ingester.metric('gridcast_ingest_readings_accepted_total');
    if (n !== accepted) lastChange = Date.now();
    accepted = n;
  }
  const seconds = (performance.now() - started) / 1000;
  const cores = coresBusy(cpu0, await cpuSnapshot(allPids), seconds);
  const stored = await countStored(influxd, db);
  const after = await processStats(pid);
  await pub.endAsync();
  const exit = await ingester.kill('SIGTERM');
  if (process.env.BENCH_INGEST_OUTPUT) await writeFile(`${process.env.BENCH_INGEST_OUTPUT}.${db}.log`, ingester.output);
  const memory = JSON.parse(await readFile(memoryFile, 'utf8')) as MemoryPeaks;
  await rm(spoolDir, { recursive: true, force: true });
  if (exit !== 0) throw new Error(`ingester exited with ${exit}: ${ingester.output}`);
  return {
    name,
    runtime,
    memory,
    maxUnacked,
    readings,
    seconds,
    perSec: stored / seconds,
    lost: readings - stored,
    cpuSecondsPer100k: ((after.cpuSeconds - before.cpuSeconds) / readings) * 100_000,
    peakRssMb: after.peakRssMb,
    cores,
  };
}

/** `gridcast simulate` itself (physics, faults off, JSON, MQTT QoS 1) publishing arrays of 100 to Mosquitto. */
async function simulatorPublisher(mosquitto: Mosquitto, pids: Pids): Promise<Phase> {
  const cpu0 = await cpuSnapshot(pids);
  const started = performance.now();
  const r = await runCli(['simulate', '--meters', '1000', '--batch', '100', '--speed', 'max', '--start', 'now-6h', '--until', 'now-1m', '--interval', '1m', '--url', mosquitto.url]);
  const wall = (performance.now() - started) / 1000;
  if (r.code !== 0) throw new Error(`gridcast simulate failed: ${r.stderr}`);
  const s = lastJsonLine<RunSummary>(r.stdout);
  return { name: 'simulator → broker, arrays of 100', readings: s.readings, seconds: s.seconds, perSec: s.readingsPerSec, cores: coresBusy(cpu0, await cpuSnapshot(pids), wall) };
}

async function main(): Promise<void> {
  const [mosquitto, influxd] = await Promise.all([Mosquitto.start(), Influxd.start()]);
  try {
    const arrays = plan(ARRAY_READINGS, 100);
    const singles = plan(SINGLE_READINGS, 1);
    const pids: Pids = { publisher: process.pid, mosquitto: mosquitto.pid, influxd: influxd.pid };
    const phases: Phase[] = [];
    phases.push(await brokerOnly(mosquitto, arrays, ARRAY_READINGS, 'broker only, arrays of 100', pids));
    phases.push(await brokerOnly(mosquitto, singles, SINGLE_READINGS, 'broker only, single readings', pids));
    phases.push(await dbOnly(influxd, ARRAY_READINGS, pids));
    if (RUNTIMES.includes('compiled')) await ensureCompiled();
    const endToEnds: Record<string, { arrays: Phase; singles: Phase }> = {};
    for (const runtime of RUNTIMES) {
      for (const heap of HEAP_VARIANTS) {
        const runtimeLabel = RUNTIMES.length > 1 || runtime === 'compiled' ? (runtime === 'compiled' ? 'compiled JS' : 'tsx') : undefined;
        const heapLabel = heap === 'v8' ? "V8's heap growth" : undefined;
        const parts = [runtimeLabel, heapLabel].filter(Boolean);
        const label = parts.length > 0 ? ` (${parts.join(', ')})` : '';
        const key = heap === 'v8' ? `${runtime}-v8heap` : runtime;
        const env: Record<string, string> = heap === 'v8' ? { INGEST_HEAP_GROWTH_PERCENT: '0' } : {};
        const arraysPhase = await endToEnd(mosquitto, influxd, arrays, ARRAY_READINGS, `end to end, arrays of 100${label}`, `bench_arrays_${key.replace('-', '_')}`, pids, runtime, env);
        const singlesPhase = await endToEnd(mosquitto, influxd, singles, SINGLE_READINGS, `end to end, single readings${label}`, `bench_singles_${key.replace('-', '_')}`, pids, runtime, env);
        phases.push(arraysPhase, singlesPhase);
        endToEnds[key] = { arrays: arraysPhase, singles: singlesPhase };
      }
    }
    const simulator = await simulatorPublisher(mosquitto, pids);
    phases.push(simulator);

    const [brokerArrays, brokerSingles, db] = phases as [Phase, Phase, Phase];
    // The headline figures are the first runtime's (tsx unless BENCH_INGEST_COMPILED=1).
    const { arrays: e2eArrays, singles: e2eSingles } = endToEnds[RUNTIMES[0]!]!;
    const bound = Math.min(brokerArrays.perSec, db.perSec);
    const result = {
      readingsPerSec: Math.round(e2eArrays.perSec),
      singleReadingsPerSec: Math.round(e2eSingles.perSec),
      brokerOnlyPerSec: Math.round(brokerArrays.perSec),
      brokerOnlySinglePerSec: Math.round(brokerSingles.perSec),
      dbOnlyPerSec: Math.round(db.perSec),
      ratioToBound: Number((e2eArrays.perSec / bound).toFixed(3)),
      singleRatioToBrokerOnly: Number((e2eSingles.perSec / brokerSingles.perSec).toFixed(3)),
      lost: (e2eArrays.lost ?? 0) + (e2eSingles.lost ?? 0),
      ingesterCpuSecondsPer100k: Number((e2eArrays.cpuSecondsPer100k ?? 0).toFixed(3)),
      ingesterCpuSecondsPer100kSingles: Number((e2eSingles.cpuSecondsPer100k ?? 0).toFixed(3)),
      peakRssMb: Math.round(Math.max(e2eArrays.peakRssMb ?? 0, e2eSingles.peakRssMb ?? 0)),
      runtime: RUNTIMES[0],
      // Peak RSS (VmHWM) and peak heap in use of each end-to-end run, by payload shape and runtime.
      memoryMb: Object.fromEntries(
        Object.entries(endToEnds).map(([runtime, e]) => [
          runtime,
          Object.fromEntries(
            Object.entries(e).map(([shape, p]) => [shape, { peakRss: Math.round(p.peakRssMb ?? 0), peakHeapUsed: Math.round(p.memory?.heapUsed ?? 0), maxUnacked: p.maxUnacked }]),
          ),
        ]),
      ),
      simulatorPublisherPerSec: Math.round(simulator.perSec),
      simulatorToEndToEndRatio: Number((simulator.perSec / e2eArrays.perSec).toFixed(2)),
      targets: { readingsPerSec: 50_000, ratioToBound: 0.6, lost: 0, simulatorPublisherPerSec: 100_000 },
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    };

    const rows = phases.map((p) => [
      p.name.padEnd(62),
      String(p.readings).padStart(8),
      p.seconds.toFixed(2).padStart(7),
      Math.round(p.perSec).toLocaleString('en').padStart(10),
      p.lost === undefined ? '' : String(p.lost).padStart(5),
      p.cpuSecondsPer100k === undefined ? '' : p.cpuSecondsPer100k.toFixed(2).padStart(9),
      p.peakRssMb === undefined ? '' : p.peakRssMb.toFixed(0).padStart(8),
    ]);
    console.log(`${'phase'.padEnd(62)} readings    secs  readings/s  lost  cpu/100k  rss(MB)`);
    for (const r of rows) console.log(r.join(' '));
    console.log('\ncores busy per process during each phase (2 available):');
    for (const p of phases) {
      const total = Object.values(p.cores ?? {}).reduce((a, b) => a + b, 0);
      console.log(`  ${p.name.padEnd(62)} ${Object.entries(p.cores ?? {}).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}  (total ${total.toFixed(2)})`);
    }
    console.log('\ningester memory per end-to-end run (peaks, MB; unacked: most messages held at once):');
    for (const p of phases.filter((q) => q.memory)) {
      const m = p.memory!;
      console.log(`  ${p.name.padEnd(62)} rss ${m.rss.toFixed(0).padStart(4)}  heapUsed ${m.heapUsed.toFixed(0).padStart(4)}  heapTotal ${m.heapTotal.toFixed(0).padStart(4)}  external ${m.external.toFixed(0).padStart(3)} (arrayBuffers ${m.arrayBuffers.toFixed(0)})  unacked ${p.maxUnacked}`);
    }
    console.log(`end to end (arrays) / min(broker only, database only) = ${result.ratioToBound}`);
    await mkdir('.bench', { recursive: true });
    await writeFile('.bench/ingest.json', `${JSON.stringify({ phases, result }, null, 2)}\n`);
    console.log(JSON.stringify(result));
  } finally {
    await Promise.all([mosquitto.destroy(), influxd.destroy()]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

import { hostname } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import {
  defaultFleet,
  deriveSeed,
  dryRunOutput,
  FAULT_KINDS,
  FleetModel,
  formatSummary,
  loadFleetConfig,
  loadReplaySeries,
  mqttOutput,
  parseDurationMs,
  parseSpeed,
  parseTimeArg,
  Rng,
  runReplay,
  runSimulation,
  UNIT_TO_KW,
  type FaultRates,
  type Output,
  type PowerUnit,
  type RunSummary,
} from '../../simulators/index.js';
import { loadConfig } from '../config/index.js';
import { FORECAST_TARGETS, type ForecastTarget } from '../contract/index.js';

/** `gridcast simulate` and `gridcast replay`: publish telemetry by the contract, to a broker or stdout. */
export function addSimulatorCommands(program: Command, configEnv: () => NodeJS.ProcessEnv): void {
  const simulate = program
    .command('simulate')
    .description('Publish a simulated meter fleet (load, PV, wind, batteries, weather) over MQTT, optionally with faults')
    .option('--fleet <file>', 'fleet description (YAML/JSON; see simulators/fleet.example.yaml)')
    .option('--meters <n>', 'without --fleet: spread N meters over a default site', int('--meters', 1, 1_000_000), 20)
    .option('--seed <n>', 'random seed: same seed, same readings', int('--seed', 0, 2 ** 32 - 1), 1)
    .option('--start <time>', 'simulated start: ISO-8601 with offset, now, or now-7d', 'now')
    .option('--until <time>', 'stop after this simulated time (ISO-8601, now, now+1h); default: run until stopped')
    .option('--speed <x>', 'simulated seconds per real second (3600 = an hour a second), or max', '1')
    .option('--interval <duration>', 'reporting period of every meter, e.g. 15s, 1m, 15m', '1m');
  addOutputOptions(simulate);
  for (const kind of FAULT_KINDS) {
    simulate.addOption(new Option(`--${kebab(kind)} <rate>`, `fault rate for ${kind} (0–1)`).argParser(rate(`--${kebab(kind)}`)).default(0));
  }
  simulate.action(async (opts: SimulateFlags) => {
    const nowMs = Date.now();
    const fleetConfig = opts.fleet ? loadFleetConfig(opts.fleet) : defaultFleet(opts.meters);
    const fleet = new FleetModel(fleetConfig, opts.seed);
    const clock = {
      startMs: parseTimeArg(opts.start, nowMs),
      intervalMs: parseDurationMs(opts.interval),
      speed: parseSpeed(opts.speed),
      ...(opts.until ? { untilMs: parseTimeArg(opts.until, nowMs) } : {}),
    };
    const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, opts[k]])) as FaultRates;
    const rng = new Rng(deriveSeed(opts.seed, 'faults'));
    const output = await openOutput(opts, configEnv);
    const pace = opts.speed === 'max' ? 'as fast as possible (never ahead of the clock)' : `${opts.speed}x real time`;
    process.stderr.write(`simulating ${fleet.meters.length} meters from ${new Date(clock.startMs).toISOString()}, ${pace}, every ${opts.interval}\n`);
    const summary = await withInterrupt((signal) => runSimulation({ fleet, output, clock, batch: opts.batch, faults, random: () => rng.next(), signal }));
    printSummary(summary);
  });

  const replay = program
    .command('replay')
    .description('Publish a real dataset (CSV) as telemetry: timestamps kept, gaps kept, DST resolved by --tz')
    .requiredOption('--csv <file>', 'CSV file with a header row')
    .requiredOption('--time-col <name>', 'time column')
    .requiredOption('--value-col <names>', 'value column(s), comma-separated: one meter each')
    .requiredOption('--site <id>', 'site for the topic')
    .requiredOption('--feeder <id>', 'feeder for the topic')
    .requiredOption('--meter <ids>', 'meter id(s), comma-separated, one per value column')
    .addOption(new Option('--kind <kind>', 'reading kind').choices([...FORECAST_TARGETS]).makeOptionMandatory())
    .option('--tz <zone>', 'IANA zone of times without an offset (DST is resolved in it)', 'UTC')
    .addOption(new Option('--unit <unit>', 'unit of the values').choices(Object.keys(UNIT_TO_KW)).default('kW'))
    .addOption(new Option('--time-label <where>', 'whether a time labels the start or the end of its interval (PJM: end)').choices(['start', 'end']).default('start'))
    .option('--step <duration>', 'interval length, for --time-label end', '1h')
    .option('--speed <x>', 'data seconds per real second, or max', 'max')
    .option('--shift-to-now', 'shift all times so the last row is now (to replay old data into a live system)');
  addOutputOptions(replay, 100);
  replay.action(async (opts: ReplayFlags) => {
    const valueColumns = list(opts.valueCol);
    const meters = list(opts.meter);
    if (valueColumns.length !== meters.length) {
      throw new InvalidArgumentError(`--value-col names ${valueColumns.length} column(s) but --meter names ${meters.length} meter(s): give one meter per column`);
    }
    const series = await loadReplaySeries({
      csvPath: opts.csv,
      timeColumn: opts.timeCol,
      valueColumns,
      timeZone: opts.tz,
      timeLabel: opts.timeLabel,
      stepMs: parseDurationMs(opts.step),
      unit: opts.unit,
    });
    const last = series.rows.at(-1)?.timeMs;
    const shiftMs = opts.shiftToNow && last !== undefined ? Math.floor((Date.now() - last) / 1000) * 1000 : 0;
    const output = await openOutput(opts, configEnv);
    const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ format: 'replay [{bar}] {percentage}% | {value}/{total} rows | eta {eta}s' }, cliProgress.Presets.shades_classic) : undefined;
    bar?.start(series.rows.length, 0);
    let lastLogged = -1;
    const summary = await withInterrupt((signal) =>
      runReplay({
        series,
        target: { site: opts.site, feeder: opts.feeder, meters, kind: opts.kind },
        output,
        speed: parseSpeed(opts.speed),
        batch: opts.batch,
        shiftMs,
        signal,
        onProgress: (done, total) => {
          if (bar) bar.update(done);
          else if (Math.floor((done / total) * 10) > lastLogged) {
            lastLogged = Math.floor((done / total) * 10);
            process.stderr.write(`replay: ${done}/${total} rows\n`);
          }
        },
      }),
    );
    bar?.stop();
    printSummary(summary);
  });
}

interface OutputFlags {
  url?: string;
  username?: string;
  password?: string;
  qos: 0 | 1;
  clientId: string;
  batch: number;
  dryRun?: boolean;
}
type SimulateFlags = OutputFlags & { fleet?: string; meters: number; seed: number; start: string; until?: string; speed: string; interval: string } & FaultRates;
type ReplayFlags = OutputFlags & {
  csv: string;
  timeCol: string;
  valueCol: string;
  site: string;
  feeder: string;
  meter: string;
  kind: ForecastTarget;
  tz: string;
  unit: PowerUnit;
  timeLabel: 'start' | 'end';
  step: string;
  speed: string;
  shiftToNow?: boolean;
};

function addOutputOptions(cmd: Command, defaultBatch = 1): void {
  cmd
    .option('--url <url>', `MQTT broker (default: MQTT_URL, else ${DEFAULT_SIMULATOR_BROKER})`)
    .option('--username <name>', 'MQTT username (default: MQTT_USERNAME)')
    .option('--password <secret>', 'MQTT password (default: MQTT_PASSWORD)')
    .addOption(new Option('--qos <n>', 'MQTT QoS').choices(['0', '1']).default(1).argParser((v) => Number(v) as 0 | 1))
    .option('--client-id <id>', 'MQTT client id', `gridcast-sim-${hostname()}-${process.pid}`)
    .option('--batch <n>', 'readings per message per meter (1 = one JSON object per message)', int('--batch', 1, 1000), defaultBatch)
    .option('--dry-run', 'write readings as JSON lines to stdout instead of publishing');
}

/** The broker a simulator publishes to when neither --url nor MQTT_URL says: a local one (gridcast start's). */
const DEFAULT_SIMULATOR_BROKER = 'mqtt://127.0.0.1:1883';

/** Flags first, then the configuration's MQTT settings (environment or config file, validated). */
async function openOutput(o: OutputFlags, configEnv: () => NodeJS.ProcessEnv): Promise<Output> {
  if (o.dryRun) return dryRunOutput();
  const mqtt = loadConfig(configEnv()).mqtt;
  return mqttOutput({ url: o.url ?? mqtt.url ?? DEFAULT_SIMULATOR_BROKER, username: o.username ?? mqtt.username, password: o.password ?? mqtt.password, qos: o.qos, clientId: o.clientId, window: 1000 });
}

/** Runs `task` with an AbortSignal fired by SIGINT/SIGTERM, so an interrupted run still flushes and prints its summary. */
async function withInterrupt<T>(task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await task(controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function printSummary(s: RunSummary): void {
  process.stderr.write(`${formatSummary(s)}\n`);
  const round = (x: number) => Math.round(x * 10) / 10;
  process.stdout.write(`${JSON.stringify({ ...s, messagesPerSec: round(s.messagesPerSec), readingsPerSec: round(s.readingsPerSec), seconds: round(s.seconds) })}\n`);
}

function int(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${flag} '${value}' must be a whole number from ${min} to ${max}`);
    return n;
  };
}

function rate(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`${flag} '${value}' must be a rate from 0 to 1 (e.g. 0.01 = 1%)`);
    return n;
  };
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { CONFIG_FILE_VAR, configReferenceMarkdown, loadConfig } from '../config/index.js';
import { ConfigError, errorMessage } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { buildPlatform, stopOnSignal } from './platform.js';
import { addSimulatorCommands } from './simulateCommands.js';
import { addBacktestCommand } from './backtestCommand.js';
import { addForecastCommands } from './forecastCommands.js';
import { addKeysCommand } from './keysCommand.js';
import { addDispatchCommand } from './dispatchCommand.js';
import { addWeatherCommands } from './weatherCommand.js';
import { addPricesCommands } from './pricesCommand.js';
import { addExportCommand } from './exportCommand.js';

/** The package's version (src/cli and dist/src/cli are both two levels below the package root). */
function packageVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'gridcast' && pkg.version) return pkg.version;
    } catch {
      // not at this level: try the next
    }
  }
  return 'unknown';
}

const program = new Command();
program
  .name('gridcast')
  .description('Smart-grid energy forecasting platform')
  .version(packageVersion(), '-V, --version', 'print the version')
  .option('-c, --config <file>', `config file (YAML/JSON; same keys as the environment; or set ${CONFIG_FILE_VAR})`)
  // Usage errors (unknown command or option, a bad argument) exit 2 like config errors, not commander's 1;
  // subcommands created after this inherit it.
  .exitOverride();

program
  .command('start')
  .description('Run the platform standalone: embedded MQTT broker (unless MQTT_URL), ingester, store (DuckDB unless INFLUX_URL), HTTP server')
  .option('--simulate <meters>', 'also publish a demo fleet of this many simulated meters (with 30 days of history), forecast and plan at once, and train a model for every series', parseCount)
  .action((opts: { simulate?: number }) => run('standalone', opts.simulate));

program
  .command('ingest')
  .description('Run one ingester against an external broker (MQTT_URL required); start several with MQTT_SHARE_GROUP to share the load')
  .action(() => run('ingest'));

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new InvalidArgumentError(`'${value}' is not a whole number of meters from 1 to 10000`);
  return n;
}

addSimulatorCommands(program, () => configEnv());
addBacktestCommand(program);
addForecastCommands(program, () => configEnv());
addKeysCommand(program, () => configEnv());
addDispatchCommand(program, () => configEnv());
addWeatherCommands(program, () => configEnv());
addPricesCommands(program, () => configEnv());
addExportCommand(program, () => configEnv());

program
  .command('config')
  .description('Validate the configuration (environment and config file) and print it, secrets masked')
  .option('--reference', 'print the reference table of every setting (Markdown) instead')
  .action((opts: { reference?: boolean }) => {
    if (opts.reference) {
      process.stdout.write(`${configReferenceMarkdown()}\n`);
      return;
    }
    const config = loadConfig(configEnv());
    process.stdout.write(`${JSON.stringify(maskSecrets(config), null, 2)}\n`);
  });

function configEnv(): NodeJS.ProcessEnv {
  const opts = program.opts<{ config?: string }>();
  return opts.config ? { ...process.env, [CONFIG_FILE_VAR]: opts.config } : process.env;
}

function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, /password|token|^(api)?key$/i.test(k) && v ? '********' : maskSecrets(v)]));
  }
  return value;
}

async function run(role: 'standalone' | 'ingest', simulateMeters?: number): Promise<void> {
  const config = loadConfig(configEnv());
  const logger = createLogger(config.logLevel, config.logFormat);
  // An ingester's live heap is small and bounded (its in-flight messages); what V8 lets pile up between full
  // collections is garbage. Read by V8 at each collection, so setting it now takes effect (bench:ingest shows it).
  if (role === 'ingest' && config.ingest.heapGrowthPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.ingest.heapGrowthPercent}`);
  if (role === 'ingest' && process.env.GRIDCAST_RUNNING_FROM_SOURCE === '1') {
    logger.warn("running from the TypeScript source through tsx, which holds about 100 MB more memory: for production, run 'npm run build' first (bin/gridcast.js then runs dist/)");
  }
  stopOnSignal(await buildPlatform(config, logger, { role, simulateMeters }), logger, 'stopping: no new messages, flushing everything');
}

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // --help and --version "fail" with exit code 0; commander already printed what went wrong otherwise.
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`gridcast: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`gridcast: ${errorMessage(err)}\n`);
  process.exit(1);
});

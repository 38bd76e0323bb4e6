#!/usr/bin/env node
import { Command } from 'commander';
import { CONFIG_FILE_VAR, loadConfig } from '../config/index.js';
import { ConfigError, errorMessage } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { startPlatform } from './platform.js';

const program = new Command();
program.name('gridcast').description('Smart-grid energy forecasting platform').option('-c, --config <file>', `config file (YAML/JSON; same keys as the environment; or set ${CONFIG_FILE_VAR})`);

program
  .command('start')
  .description('Run the platform standalone: embedded MQTT broker (unless MQTT_URL), ingester, store (DuckDB unless INFLUX_URL), HTTP server')
  .action(() => run('standalone'));

program
  .command('ingest')
  .description('Run one ingester against an external broker (MQTT_URL required); start several with MQTT_SHARE_GROUP to share the load')
  .action(() => run('ingest'));

async function run(mode: 'standalone' | 'ingest'): Promise<void> {
  const opts = program.opts<{ config?: string }>();
  const env = opts.config ? { ...process.env, [CONFIG_FILE_VAR]: opts.config } : process.env;
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  const platform = await startPlatform(config, logger, mode);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: no new messages, flushing everything');
    platform.stop().then(
      () => {
        logger.info('stopped cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err: errorMessage(err) }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`gridcast: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`gridcast: ${errorMessage(err)}\n`);
  process.exit(1);
});

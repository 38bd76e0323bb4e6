import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig, type GridcastConfig } from '../config/index.js';
import { createLogger, type Logger } from '../common/logger.js';
import { ForecastService, loadSites, ModelRegistry, servingName, useTfBackendSetting, type SeriesRef } from '../forecast/index.js';
import { openStores } from '../storage/index.js';
import { buildPlatform, stopOnSignal } from './platform.js';
import { FORECAST_TARGETS, SITE_TOTAL_FEEDER } from '../contract/index.js';

/** `gridcast train`, `gridcast forecast`, `gridcast models …`: the forecasting stage by hand. */
export function addForecastCommands(program: Command, configEnv: () => NodeJS.ProcessEnv): void {
  const seriesOptions = (cmd: Command) =>
    cmd.option('--site <id>', 'only this site').addOption(new Option('--target <target>', 'only this target').choices([...FORECAST_TARGETS]));

  seriesOptions(program.command('train').description('Train, validate and maybe promote a model per series now (site totals of load, pv, wind)')).action(
    async (o: { site?: string; target?: string }) =>
      withService(configEnv, async (service, logger) => {
        const controller = new AbortController();
        process.once('SIGINT', () => controller.abort());
        for (const series of filter(await service.discoverSeries(), o)) {
          const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ format: `${series.site}/${series.target} [{bar}] epoch {value}/{total} loss {loss}` }, cliProgress.Presets.shades_classic) : undefined;
          const outcome = await service.train(series, {
            signal: controller.signal,
            onEpoch: (p) => {
              if (bar) {
                if (p.epoch === 1) bar.start(p.epochs, 0, { loss: '' });
                bar.update(p.epoch, { loss: p.loss.toFixed(4) });
              } else logger.info({ series, epoch: p.epoch, epochs: p.epochs, loss: p.loss }, 'training');
            },
          });
          bar?.stop();
          process.stdout.write(`${JSON.stringify(outcome)}\n`);
        }
      }),
  );

  seriesOptions(program.command('forecast').description('Issue forecasts now with what serves each series, and store them')).action(
    async (o: { site?: string; target?: string }) =>
      withService(configEnv, async (service) => {
        for (const series of filter(await service.discoverSeries(), o)) {
          const points = await service.forecast(series);
          process.stdout.write(`${JSON.stringify({ series, model: points[0]?.model, steps: points.length, issuedAt: points[0] ? new Date(points[0].issuedAtMs).toISOString() : undefined })}\n`);
        }
      }),
  );

  program
    .command('schedule')
    .description('Run only the forecast and retraining jobs (no ingester): for a deployment where ingesters run apart')
    .action(async () => {
      const config = loadConfig(configEnv());
      const logger = createLogger(config.logLevel, config.logFormat);
      stopOnSignal(await buildPlatform(config, logger, { role: 'schedule' }), logger, 'stopping: finishing the job in progress');
    });

  const models = program.command('models').description('The model registry: what is trained and what serves');
  models
    .command('list')
    .description('Every series: its versions with validation metrics, and what serves')
    .action(async () => {
      const config = loadConfig(configEnv());
      const registry = new ModelRegistry(config.forecast.modelsDir);
      const all = await registry.seriesList();
      if (all.length === 0) process.stderr.write(`no models in ${config.forecast.modelsDir} yet: run 'gridcast train', or wait for RETRAIN_CRON (${config.forecast.retrainCron}); until then each target's default baseline serves (load: seasonal-naive-week, pv: clear-sky-persistence, wind: persistence)\n`);
      for (const series of all) {
        const state = await registry.serving(series);
        const versions = await registry.versions(series);
        process.stdout.write(
          `${JSON.stringify({
            series,
            serving: state.serving ? servingName(state.serving) : null,
            versions: versions.map((v) => ({ version: v.version, createdAt: v.createdAt, maeKw: v.validation.model.maeKw, mapePct: v.validation.model.mapePct, baselinesMaeKw: Object.fromEntries(Object.entries(v.validation.baselines).map(([k, m]) => [k, m.maeKw])) })),
            lastDecision: state.history.at(-1) ?? null,
          })}\n`,
        );
      }
    });
  const seriesRef = (cmd: Command) =>
    cmd.requiredOption('--site <id>', 'site').option('--feeder <id>', 'feeder, or all for the site total', SITE_TOTAL_FEEDER).addOption(new Option('--target <target>', 'target').choices([...FORECAST_TARGETS]).makeOptionMandatory());
  seriesRef(models.command('promote').description('Make a model version (or a baseline) serve a series').requiredOption('--version <version>', 'model version, or baseline:<name>')).action(
    async (o: SeriesRef & { version: string }) => {
      const registry = new ModelRegistry(loadConfig(configEnv()).forecast.modelsDir);
      const serving = o.version.startsWith('baseline:') ? ({ kind: 'baseline', name: o.version.slice(9) } as const) : ({ kind: 'model', version: o.version } as const);
      await registry.setServing({ site: o.site, feeder: o.feeder, target: o.target }, serving, 'manual', 'promoted by hand (gridcast models promote)');
      process.stdout.write(`${servingName(serving)} now serves ${o.site}/${o.feeder}/${o.target}\n`);
    },
  );
  seriesRef(models.command('rollback').description('Go back to what served before')).action(async (o: SeriesRef) => {
    const registry = new ModelRegistry(loadConfig(configEnv()).forecast.modelsDir);
    const serving = await registry.rollback({ site: o.site, feeder: o.feeder, target: o.target });
    process.stdout.write(`${servingName(serving)} now serves ${o.site}/${o.feeder}/${o.target}\n`);
  });
}

function filter(series: SeriesRef[], o: { site?: string; target?: string }): SeriesRef[] {
  return series.filter((s) => (!o.site || s.site === o.site) && (!o.target || s.target === o.target));
}

async function withService(configEnv: () => NodeJS.ProcessEnv, task: (service: ForecastService, logger: Logger, config: GridcastConfig) => Promise<void>): Promise<void> {
  const config = loadConfig(configEnv());
  const logger = createLogger(config.logLevel, config.logFormat);
  useTfBackendSetting(config.forecast.tfBackend);
  const stores = openStores(config, logger);
  await stores.init();
  try {
    const service = new ForecastService({ stores, registry: new ModelRegistry(config.forecast.modelsDir), config: config.forecast, sites: loadSites(config.forecast.sitesFile), logger });
    await task(service, logger, config);
  } finally {
    await stores.close();
  }
}

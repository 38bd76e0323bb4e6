/**
 * One training worker as a real process, for test/integration/trainQueue.test.ts: the TrainQueue's BullMQ worker
 * training with the real ForecastService on the shared InfluxDB store and model registry (a small network, so a
 * series trains in seconds). Prints one JSON line per series it starts and finishes; SIGTERM stops it cleanly.
 * Environment: INFLUX_URL, INFLUX_DATABASE, MODELS_DIR, JOB_QUEUE_URL, JOB_LOCK_SECONDS, NOW_MS, SITES_JSON.
 */
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/common/logger.js';
import { ForecastService, ModelRegistry, siteInfoSchema } from '../../src/forecast/index.js';
import { TrainQueue } from '../../src/scheduler/index.js';
import { openInfluxStores } from '../../src/storage/index.js';

const config = loadConfig(process.env);
const nowMs = Number(process.env.NOW_MS);
const sites = new Map((JSON.parse(process.env.SITES_JSON ?? '[]') as unknown[]).map((s) => siteInfoSchema.parse(s)).map((s) => [s.id, s]));
const stores = openInfluxStores(config.influx!, silentLogger);
await stores.init();
const service = new ForecastService({
  stores,
  registry: new ModelRegistry(config.forecast.modelsDir),
  config: config.forecast,
  sites,
  logger: silentLogger,
  now: () => nowMs,
  model: { epochs: 3, hiddenUnits: 8, decoderUnits: 8 },
});
const queue = new TrainQueue({ ...config.forecast.jobQueue!, logger: silentLogger });
const say = (event: string, series: { site: string; feeder: string; target: string }, err?: unknown) =>
  process.stdout.write(
    `${JSON.stringify({ event, series: `${series.site}/${series.feeder}/${series.target}`, pid: process.pid, atMs: Date.now(), ...(err ? { error: String(err) } : {}) })}\n`,
  );
queue.work(async (series, signal) => {
  say('start', series);
  try {
    await service.train(series, { signal });
  } catch (err) {
    say('failed', series, err);
    throw err;
  }
  say('done', series);
});
process.stdout.write(`${JSON.stringify({ event: 'ready', pid: process.pid })}\n`);
process.on('SIGTERM', () => {
  void (async () => {
    await queue.close();
    await stores.close();
    process.exit(0);
  })();
});

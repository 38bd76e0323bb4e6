import type { Command } from 'commander';
import { z } from 'zod';
import { ConfigError, errorMessage } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { loadConfig } from '../config/index.js';
import { loadSites } from '../forecast/index.js';
import { MAX_PREVIOUS_RUN_DAYS, dateWindows, fetchPreviousRuns } from '../ingest/index.js';
import { openStores } from '../storage/index.js';

const DATE = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'is not a real date');
const optionsSchema = z
  .object({ from: DATE, to: DATE, site: z.string().optional(), days: z.coerce.number().int().min(1).max(MAX_PREVIOUS_RUN_DAYS).optional() })
  .refine((o) => o.from <= o.to, { message: '--from must not be after --to', path: ['from'] });

/**
 * `gridcast weather backfill --from --to`: past vintages of Open-Meteo's forecast for every site in
 * SITES_FILE (or one), from the Previous Runs API, stored like the scheduled fetch. One line of JSON per
 * site; exit 1 when any site failed (the others are still stored).
 */
export function addWeatherCommands(program: Command, configEnv: () => NodeJS.ProcessEnv): void {
  const weather = program.command('weather').description('Weather forecasts (NWP) per site');
  weather
    .command('backfill')
    .description("Store past vintages of Open-Meteo's forecast (leads of 1–7 days, Previous Runs API) for the sites in SITES_FILE")
    .requiredOption('--from <date>', 'first UTC date, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last UTC date, YYYY-MM-DD (inclusive)')
    .option('--site <id>', 'only this site')
    .option('--days <n>', `lead offsets 1..n days (1–${MAX_PREVIOUS_RUN_DAYS}; default WEATHER_FORECAST_DAYS)`)
    .action(async (raw: Record<string, string | undefined>) => {
      const parsed = optionsSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        process.stderr.write(`gridcast weather backfill: --${String(issue.path[0] ?? 'from')} ${issue.message}\n`);
        process.exit(2);
      }
      const o = parsed.data;
      const config = loadConfig(configEnv());
      const logger = createLogger(config.logLevel, config.logFormat);
      const sites = [...loadSites(config.forecast.sitesFile).values()].filter((s) => !o.site || s.id === o.site);
      if (sites.length === 0) throw new ConfigError([o.site ? `SITES_FILE: site '${o.site}' is not in it` : 'SITES_FILE: set it to the sites (latitude/longitude) to backfill']);
      const source = { baseUrl: config.weather.previousRunsUrl, days: o.days ?? config.weather.days, ...(config.weather.apiKey ? { apiKey: config.weather.apiKey } : {}) };
      const stores = openStores(config, logger);
      let failed = 0;
      try {
        await stores.init();
        for (const site of sites) {
          let points = 0;
          try {
            // Window by window: what was stored stays when a later window fails, and a re-run overwrites it.
            for (const [from, to] of dateWindows(o.from, o.to)) {
              const batch = await fetchPreviousRuns(site, from, to, source);
              await stores.weatherForecasts.writeWeatherForecasts(batch);
              points += batch.length;
            }
            process.stdout.write(`${JSON.stringify({ site: site.id, from: o.from, to: o.to, points })}\n`);
          } catch (err) {
            failed++;
            process.stdout.write(`${JSON.stringify({ site: site.id, from: o.from, to: o.to, points, error: errorMessage(err) })}\n`);
          }
        }
      } finally {
        await stores.close();
      }
      if (failed > 0) process.exit(1);
    });
}

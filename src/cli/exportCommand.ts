import { extname } from 'node:path';
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { loadConfig } from '../config/index.js';
import { createLogger } from '../common/logger.js';
import { errorMessage } from '../common/errors.js';
import { idSchema } from '../contract/index.js';
import { openStores } from '../storage/index.js';
import { EXPORT_FORMATS, EXPORT_KINDS, ExportFileError, exportData } from '../export/index.js';

const isoWithOffset = z.iso.datetime({ offset: true });
/** ISO-8601 with an offset (2026-01-01T00:00:00Z), or a date (UTC midnight) → epoch ms. */
const instant = z.string().transform((v, ctx) => {
  if (isoWithOffset.safeParse(v).success) return Date.parse(v);
  if (z.iso.date().safeParse(v).success) return Date.parse(`${v}T00:00:00Z`);
  ctx.addIssue({ code: 'custom', message: `'${v.slice(0, 40)}' is not an ISO-8601 time with offset (2026-01-01T00:00:00Z) or a date (2026-01-01, UTC)` });
  return z.NEVER;
});

const exportOptions = z
  .object({
    what: z.enum(EXPORT_KINDS),
    from: instant,
    to: instant,
    site: idSchema().optional(),
    format: z.enum(EXPORT_FORMATS).optional(),
    out: z.string().min(1, 'must name a file'),
  })
  .refine((o) => o.from < o.to, { path: ['to'], message: 'must be after --from' });

/**
 * `gridcast export --what telemetry|forecasts|scores --from ISO --to ISO [--site S] [--format csv|parquet] --out FILE`:
 * stored data of a time range to a file, from whichever store is configured. Exit 2 for bad arguments or a
 * file that can't be written, 1 when the store fails.
 */
export function addExportCommand(program: Command, configEnv: () => NodeJS.ProcessEnv): void {
  program
    .command('export')
    .description('Export stored telemetry, forecasts or forecast scores (forecast_error) of a time range to CSV or Parquet (docs/storage.md: Export)')
    .addOption(new Option('--what <what>', 'what to export').choices([...EXPORT_KINDS]).makeOptionMandatory())
    .requiredOption('--from <time>', 'start, inclusive: ISO-8601 with offset (2026-01-01T00:00:00Z) or a date (UTC)')
    .requiredOption('--to <time>', 'end, exclusive')
    .option('--site <id>', 'only this site (default: every site)')
    .addOption(new Option('--format <format>', 'file format (default: parquet for a .parquet file, else csv)').choices([...EXPORT_FORMATS]))
    .requiredOption('--out <file>', 'the file to write (replaced if it exists)')
    .action(async (raw: Record<string, unknown>) => {
      const fail = (code: number, message: string): never => {
        process.stderr.write(`gridcast export: ${message}\n`);
        process.exit(code);
      };
      const parsed = exportOptions.safeParse(raw);
      if (!parsed.success) fail(2, parsed.error!.issues.map((i) => `--${i.path.join('.')} ${i.message}`).join('; '));
      const o = parsed.data!;
      const format = o.format ?? (extname(o.out).toLowerCase() === '.parquet' ? 'parquet' : 'csv');
      const config = loadConfig(configEnv());
      const logger = createLogger(config.logLevel, config.logFormat);
      const stores = openStores(config, logger);
      try {
        await stores.init();
        const summary = await exportData(stores, { what: o.what, fromMs: o.from, toMs: o.to, format, out: o.out, ...(o.site !== undefined ? { site: o.site } : {}) });
        process.stdout.write(`exported ${summary.rows} ${summary.what} rows (${new Date(o.from).toISOString()} → ${new Date(o.to).toISOString()}${o.site ? `, site ${o.site}` : ''}) to ${summary.out} (${summary.format})\n`);
      } catch (err) {
        await stores.close().catch(() => undefined);
        fail(err instanceof ExportFileError ? 2 : 1, errorMessage(err));
      }
      await stores.close();
    });
}

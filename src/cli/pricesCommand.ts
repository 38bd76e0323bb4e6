import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { createLogger } from '../common/logger.js';
import { DispatchError, errorMessage } from '../common/errors.js';
import { openStores } from '../storage/index.js';
import { DispatchService, loadDispatchFile } from '../dispatch/index.js';
import { EntsoeDocumentError, parseEntsoePriceDocument } from '../ingest/index.js';
import { PRICE_SOURCE_ENTSOE, priceMessageSchema } from '../contract/index.js';

/**
 * `gridcast prices import --site S --entsoe FILE.xml`: an ENTSO-E day-ahead price document (A44, as the
 * Transparency Platform answers it) into the price store, as POST /api/v1/sites/{site}/prices would; the
 * site's next dispatch plan uses it. Exit 2 for a bad document or site, 1 when the store fails.
 */
export function addPricesCommands(program: Command, configEnv: () => NodeJS.ProcessEnv): void {
  const prices = program.command('prices').description('Electricity prices for dispatch (docs/dispatch.md: Published prices)');
  prices
    .command('import')
    .description('Store the prices of an ENTSO-E day-ahead price document (Publication_MarketDocument, A44) for a site of DISPATCH_FILE')
    .requiredOption('--site <id>', 'the site of DISPATCH_FILE the prices are for')
    .requiredOption('--entsoe <file>', 'the XML document as the ENTSO-E Transparency Platform returns it')
    .action(async (o: { site: string; entsoe: string }) => {
      const fail = (code: number, message: string): never => {
        process.stderr.write(`gridcast prices import: ${message}\n`);
        process.exit(code);
      };
      const config = loadConfig(configEnv());
      if (!config.dispatch.file) fail(2, "DISPATCH_FILE is not set; it lists each site's assets and currency (see examples/dispatch.example.yaml)");
      let xml = '';
      try {
        xml = readFileSync(o.entsoe, 'utf8');
      } catch (err) {
        fail(2, `cannot read '${o.entsoe}': ${errorMessage(err)}`);
      }
      let messages: ReturnType<typeof parseEntsoePriceDocument> = [];
      try {
        messages = parseEntsoePriceDocument(xml).map((m) => priceMessageSchema.parse(m));
      } catch (err) {
        fail(2, `'${o.entsoe}': ${err instanceof EntsoeDocumentError ? err.message : errorMessage(err)}`);
      }
      const logger = createLogger(config.logLevel, config.logFormat);
      const stores = openStores(config, logger);
      try {
        await stores.init();
        const service = new DispatchService({ stores, sites: loadDispatchFile(config.dispatch.file!), logger: logger.child({ component: 'dispatch' }) });
        for (const m of messages) {
          const stored = await service.storePrices(o.site, m, PRICE_SOURCE_ENTSOE);
          process.stdout.write(`stored ${stored.intervals} ${m.resolution} prices (${stored.currency}/MWh) for ${stored.site}: ${new Date(stored.fromMs).toISOString()} → ${new Date(stored.toMs).toISOString()}\n`);
        }
      } catch (err) {
        await stores.close().catch(() => undefined);
        fail(err instanceof DispatchError ? 2 : 1, errorMessage(err));
      }
      await stores.close();
    });
}

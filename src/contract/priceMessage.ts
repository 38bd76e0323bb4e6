import { z } from 'zod';
import { timestampSchema } from './reading.js';
import { PRICE_RESOLUTION_MINUTES, PRICE_RESOLUTIONS, type PricePoint } from './prices.js';

/**
 * The price contract, wire side (docs/telemetry.md: Electricity prices): one price series for one site, as
 * POST /api/v1/sites/{site}/prices takes it and as published on gridcast/v1/<site>/prices (day-ahead
 * prices from a market feed). Stored names are the contract's (prices.ts).
 */

/** 7 days of 15-minute prices and a day to spare. */
export const MAX_PRICE_STEPS = 768;

const price = z.number().finite().min(-1e6).max(1e6);

export const priceStepSchema = z.strictObject({
  start: timestampSchema.describe('Start of the interval: ISO-8601 with an offset or integer epoch milliseconds; a multiple of the resolution in UTC'),
  importPrice: price.describe('What buying from the grid costs in this interval, in `currency` per `unit`'),
  exportPrice: price.describe('What selling to the grid earns in this interval, in `currency` per `unit`; left out: the dispatch file\'s export price').optional(),
});

export const priceMessageSchema = z
  .strictObject({
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code of three capital letters, e.g. EUR; it must be the site\'s currency in the dispatch file'),
    unit: z.enum(['MWh', 'kWh']).describe('The energy unit the prices are per: MWh (market prices, EUR/MWh) or kWh'),
    resolution: z.enum(PRICE_RESOLUTIONS).describe('Length of every interval: PT15M, PT30M or PT60M'),
    prices: z.array(priceStepSchema).min(1, 'must hold at least one price').max(MAX_PRICE_STEPS, `must hold at most ${MAX_PRICE_STEPS} prices (8 days of 15-minute prices); send longer series in parts`),
  })
  .superRefine((m, ctx) => {
    const stepMs = PRICE_RESOLUTION_MINUTES[m.resolution] * 60_000;
    const seen = new Map<number, number>();
    m.prices.forEach((p, i) => {
      const ms = typeof p.start === 'number' ? p.start : Date.parse(p.start);
      if (!Number.isFinite(ms)) return;
      if (typeof p.start === 'number' && p.start < 1e11) {
        ctx.addIssue({ code: 'custom', path: ['prices', i, 'start'], message: `${p.start} looks like epoch seconds: send epoch milliseconds or ISO-8601 with an offset` });
      } else if (ms % stepMs !== 0) {
        ctx.addIssue({ code: 'custom', path: ['prices', i, 'start'], message: `${new Date(ms).toISOString()} is not a multiple of the resolution ${m.resolution} (in UTC)` });
      }
      const earlier = seen.get(ms);
      if (earlier !== undefined) ctx.addIssue({ code: 'custom', path: ['prices', i, 'start'], message: `${new Date(ms).toISOString()} appears twice (also prices[${earlier}])` });
      seen.set(ms, i);
    });
  });

/** A price series as published or posted. */
export type PriceMessage = z.input<typeof priceMessageSchema>;

/** A valid message as stored points: prices converted to per MWh. Pure. */
export function pricePointsOf(site: string, source: string, message: z.output<typeof priceMessageSchema>, receivedAtMs: number): PricePoint[] {
  const durationMs = PRICE_RESOLUTION_MINUTES[message.resolution] * 60_000;
  const perMwh = message.unit === 'kWh' ? 1000 : 1;
  return message.prices.map((p) => ({
    site,
    source,
    currency: message.currency,
    timeMs: typeof p.start === 'number' ? p.start : Date.parse(p.start),
    durationMs,
    receivedAtMs,
    importPricePerMwh: p.importPrice * perMwh,
    ...(p.exportPrice !== undefined ? { exportPricePerMwh: p.exportPrice * perMwh } : {}),
  }));
}

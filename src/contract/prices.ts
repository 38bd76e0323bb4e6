/**
 * Electricity prices, as stored: measurement `electricity_price`, tags `site`, `source` (`api`, `mqtt`,
 * `entsoe`, …) and `currency` (ISO 4217, e.g. EUR), float fields `import_price_per_mwh`,
 * `export_price_per_mwh` (only meaningful when `has_export` = 1), `has_export`, `duration_ms` (the
 * resolution: 15, 30 or 60 minutes) and `received_at_ms` (when gridcast got it); time = the start of the
 * interval the price holds for. One point per site, source, currency and start: a later publication of the
 * same interval replaces the earlier one; across sources the one received last wins (src/dispatch/livePrices.ts).
 */
export const PRICE_MEASUREMENT = 'electricity_price';

/** Resolutions a price series may have, as ISO-8601 durations (ENTSO-E's `resolution`), in minutes. */
export const PRICE_RESOLUTION_MINUTES = { PT15M: 15, PT30M: 30, PT60M: 60 } as const;
export type PriceResolution = keyof typeof PRICE_RESOLUTION_MINUTES;
export const PRICE_RESOLUTIONS = Object.keys(PRICE_RESOLUTION_MINUTES) as PriceResolution[];

/** The source tag of prices posted to the API, published on MQTT, and imported from an ENTSO-E document. */
export const PRICE_SOURCE_API = 'api';
export const PRICE_SOURCE_MQTT = 'mqtt';
export const PRICE_SOURCE_ENTSOE = 'entsoe';

/** One price interval of one site. */
export interface PricePoint {
  site: string;
  source: string;
  /** ISO 4217, three capital letters. */
  currency: string;
  /** Start of the interval, epoch ms UTC (a multiple of durationMs). */
  timeMs: number;
  /** Length of the interval (the series' resolution). */
  durationMs: number;
  /** When gridcast received it: among overlapping prices, the latest received is used. */
  receivedAtMs: number;
  importPricePerMwh: number;
  /** Absent: the dispatch file's export price applies for this interval. */
  exportPricePerMwh?: number;
}

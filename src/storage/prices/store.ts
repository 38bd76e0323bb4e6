import type { PricePoint } from '../../contract/index.js';

export interface PriceQuery {
  site: string;
  /** Only prices in this currency; undefined: any. */
  currency?: string;
  /** Inclusive start of the interval starts read, epoch ms. */
  fromMs: number;
  /** Exclusive end. */
  toMs: number;
}

/** Electricity prices (`electricity_price`), one point per site, source, currency and interval start, in InfluxDB and DuckDB alike. */
export interface PricesStore {
  /** Same site, source, currency and start replaces the stored point. StoreRejectedError on a bad point (whole batch). */
  writePrices(points: readonly PricePoint[]): Promise<void>;
  /**
   * Every stored point with its start in [fromMs, toMs), sorted by start, then received time, then source.
   * Which one applies where they overlap is the reader's rule (src/dispatch/livePrices.ts). InvalidQueryError on bad input.
   */
  readPrices(query: PriceQuery): Promise<PricePoint[]>;
}

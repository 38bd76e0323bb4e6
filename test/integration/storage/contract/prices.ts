import { describe, expect, it } from 'vitest';
import { InvalidQueryError, StoreRejectedError } from '../../../../src/common/errors.js';
import type { PricePoint } from '../../../../src/contract/index.js';
import type { PriceQuery } from '../../../../src/storage/index.js';
import { T0, useStores, type StoreSetup } from './fixture.js';

const H = 3_600_000;
const Q = 900_000;
/** One hourly price of site s1, from the API, received at T0; prices with fractions that must come back exactly. */
const price = (timeMs: number, importPricePerMwh: number, over: Partial<PricePoint> = {}): PricePoint => ({
  site: 's1',
  source: 'api',
  currency: 'EUR',
  timeMs,
  durationMs: H,
  receivedAtMs: T0,
  importPricePerMwh,
  exportPricePerMwh: importPricePerMwh / 2,
  ...over,
});
const pq = (over: Partial<PriceQuery> = {}): PriceQuery => ({ site: 's1', fromMs: T0, toMs: T0 + 48 * H, ...over });

/** What every PricesStore must do, run against each real engine. */
export function describePricesContract(engine: string, setup: StoreSetup): void {
  describe(`PricesStore contract: ${engine}`, () => {
    const ctx = useStores(setup);
    const store = () => ctx.stores.prices;

    it('reads back every point of the range exactly, sorted by start, received time and source; range, site and currency bound it', async () => {
      const hourly = Array.from({ length: 24 }, (_, h) => price(T0 + h * H, 40.123456789 + h));
      const mqtt = [price(T0, -12.5, { source: 'mqtt', receivedAtMs: T0 + 1 }), price(T0 + H, 0, { source: 'mqtt', receivedAtMs: T0 - 1, exportPricePerMwh: undefined })];
      const quarter = price(T0 + 2 * H + Q, 99.75, { durationMs: Q, source: 'entsoe' });
      await store().writePrices([...hourly.slice(12), quarter, ...mqtt, ...hourly.slice(0, 12)]);
      const { exportPricePerMwh: _dropped, ...mqttNoExport } = mqtt[1]!;
      expect(await store().readPrices(pq())).toEqual([hourly[0], mqtt[0], mqttNoExport, hourly[1], hourly[2], quarter, ...hourly.slice(3)]);
      expect(await store().readPrices(pq({ fromMs: T0 + 2 * H, toMs: T0 + 3 * H }))).toEqual([hourly[2], quarter]);
      expect(await store().readPrices(pq({ site: 's2' }))).toEqual([]);
      expect(await store().readPrices(pq({ currency: 'USD' }))).toEqual([]);
      await store().writePrices([price(T0, 0.1, { currency: 'USD' })]);
      expect(await store().readPrices(pq({ currency: 'USD' }))).toEqual([price(T0, 0.1, { currency: 'USD' })]);
      expect((await store().readPrices(pq({ toMs: T0 + 1 }))).map((p) => p.currency).sort()).toEqual(['EUR', 'EUR', 'USD']);
    });

    it('a later write of the same site, source, currency and start replaces the point, an export price left out included', async () => {
      await store().writePrices([price(T0, 50), price(T0 + H, 60)]);
      await store().writePrices([price(T0, 55, { receivedAtMs: T0 + 10, exportPricePerMwh: undefined, durationMs: Q })]);
      expect(await store().readPrices(pq())).toEqual([
        { site: 's1', source: 'api', currency: 'EUR', timeMs: T0, durationMs: Q, receivedAtMs: T0 + 10, importPricePerMwh: 55 },
        price(T0 + H, 60),
      ]);
      // In one batch the last point of a key wins.
      await store().writePrices([price(T0 + H, 1), price(T0 + H, 2)]);
      expect((await store().readPrices(pq({ fromMs: T0 + H })))[0]!.importPricePerMwh).toBe(2);
    });

    it('refuses bad points (whole batch) and bad queries', async () => {
      const bad: Partial<PricePoint>[] = [
        { site: '' },
        { source: 'a b' },
        { currency: 'eur' },
        { durationMs: 7 * 60_000 },
        { timeMs: T0 + Q }, // not a multiple of its hour
        { importPricePerMwh: Number.NaN },
        { exportPricePerMwh: Number.POSITIVE_INFINITY },
        { timeMs: T0 + 0.5 },
      ];
      for (const over of bad) await expect(store().writePrices([price(T0 + H, 1), price(T0, 1, over)])).rejects.toBeInstanceOf(StoreRejectedError);
      expect(await store().readPrices(pq())).toEqual([]);
      await expect(store().readPrices(pq({ site: 'a\nb' }))).rejects.toBeInstanceOf(InvalidQueryError);
      await expect(store().readPrices(pq({ currency: 'euro' }))).rejects.toBeInstanceOf(InvalidQueryError);
      await expect(store().readPrices(pq({ toMs: T0 }))).rejects.toBeInstanceOf(InvalidQueryError);
    });
  });
}

import { XMLParser } from 'fast-xml-parser';
import { PRICE_RESOLUTION_MINUTES, type PriceResolution, type priceMessageSchema } from '../contract/index.js';
import type { z } from 'zod';

/**
 * ENTSO-E Transparency Platform day-ahead prices (documentType A44) → gridcast price messages, pure.
 * The document: Publication_MarketDocument → TimeSeries (currency_Unit.name, price_Measure_Unit.name,
 * curveType) → Period (timeInterval start/end, resolution PT60M or PT15M) → Point (position from 1,
 * price.amount). Position p starts at timeInterval.start + (p − 1) × resolution. Curve type A03 (variable
 * sized blocks) leaves out a position whose price repeats the one before: it is filled from that one. With
 * A01 (or no curve type) every position must be there.
 */

export type EntsoePriceMessage = z.output<typeof priceMessageSchema>;

/** A document that is not an A44 price document, or one whose numbers don't add up; `path` says where. */
export class EntsoeDocumentError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`ENTSO-E document: ${path}: ${problem}`);
    this.name = 'EntsoeDocumentError';
  }
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => name === 'TimeSeries' || name === 'Period' || name === 'Point',
});

type Node = Record<string, unknown>;
const node = (v: unknown): Node | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Node) : undefined);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const list = (v: unknown): Node[] => (Array.isArray(v) ? v.map(node).filter((n): n is Node => n !== undefined) : []);

const ENTSOE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z$/;

/**
 * The prices of an A44 document, one message per currency and resolution (a document mixing PT60M and PT15M
 * periods gives two), each sorted by start. Prices are per MWh (price_Measure_Unit.name MWH).
 */
export function parseEntsoePriceDocument(xml: string): EntsoePriceMessage[] {
  let doc: Node;
  try {
    doc = parser.parse(xml, true) as Node;
  } catch (err) {
    throw new EntsoeDocumentError('(document)', `is not well-formed XML (${(err as Error).message})`);
  }
  const root = node(doc.Publication_MarketDocument);
  if (!root) {
    const given = Object.keys(doc).filter((k) => k !== '?xml');
    throw new EntsoeDocumentError('(document)', `root element is ${given[0] ?? 'missing'}, expected Publication_MarketDocument (day-ahead prices, documentType A44)${given[0] === 'Acknowledgement_MarketDocument' ? ': the platform answered with an acknowledgement (no data or a bad request)' : ''}`);
  }
  const type = text(root.type);
  if (type !== undefined && type !== 'A44') throw new EntsoeDocumentError('type', `is ${type}; only day-ahead price documents (A44) hold prices`);
  const series = list(root.TimeSeries);
  if (series.length === 0) throw new EntsoeDocumentError('TimeSeries', 'none in the document');

  const byKey = new Map<string, EntsoePriceMessage & { seen: Set<number> }>();
  series.forEach((ts, i) => {
    const at = `TimeSeries[${i}]`;
    const currency = text(ts['currency_Unit.name']);
    if (!currency || !/^[A-Z]{3}$/.test(currency)) throw new EntsoeDocumentError(`${at}.currency_Unit.name`, `is ${currency ?? 'missing'}, expected a currency code such as EUR`);
    const unit = text(ts['price_Measure_Unit.name']);
    if (unit !== 'MWH') throw new EntsoeDocumentError(`${at}.price_Measure_Unit.name`, `is ${unit ?? 'missing'}, expected MWH`);
    const curveType = text(ts.curveType) ?? 'A01';
    if (curveType !== 'A01' && curveType !== 'A03') throw new EntsoeDocumentError(`${at}.curveType`, `is ${curveType}; A01 and A03 are understood`);
    const periods = list(ts.Period);
    if (periods.length === 0) throw new EntsoeDocumentError(`${at}.Period`, 'none in the time series');
    periods.forEach((period, j) => {
      const where = `${at}.Period[${j}]`;
      const interval = node(period.timeInterval);
      const [startText, endText] = [text(interval?.start), text(interval?.end)];
      if (!startText || !endText || !ENTSOE_TIME.test(startText) || !ENTSOE_TIME.test(endText)) {
        throw new EntsoeDocumentError(`${where}.timeInterval`, `start '${startText ?? ''}' and end '${endText ?? ''}' must be UTC times such as 2024-01-01T23:00Z`);
      }
      const [startMs, endMs] = [Date.parse(startText), Date.parse(endText)];
      const resolution = text(period.resolution) as PriceResolution | undefined;
      if (!resolution || !(resolution in PRICE_RESOLUTION_MINUTES)) {
        throw new EntsoeDocumentError(`${where}.resolution`, `is ${resolution ?? 'missing'}; expected PT15M, PT30M or PT60M`);
      }
      const stepMs = PRICE_RESOLUTION_MINUTES[resolution] * 60_000;
      if (!(endMs > startMs) || (endMs - startMs) % stepMs !== 0) throw new EntsoeDocumentError(`${where}.timeInterval`, `${startText} → ${endText} is not a whole number of ${resolution} steps`);
      const positions = (endMs - startMs) / stepMs;
      const amounts = new Map<number, number>();
      list(period.Point).forEach((point, k) => {
        const position = Number(text(point.position));
        const amount = Number(text(point['price.amount']));
        if (!Number.isInteger(position) || position < 1 || position > positions) {
          throw new EntsoeDocumentError(`${where}.Point[${k}].position`, `is ${text(point.position) ?? 'missing'}; the period has positions 1–${positions}`);
        }
        if (!Number.isFinite(amount)) throw new EntsoeDocumentError(`${where}.Point[${k}].price.amount`, `is ${text(point['price.amount']) ?? 'missing'}, not a number`);
        if (amounts.has(position)) throw new EntsoeDocumentError(`${where}.Point[${k}].position`, `${position} appears twice`);
        amounts.set(position, amount);
      });
      const key = `${currency}\n${resolution}`;
      const message = byKey.get(key) ?? { currency, unit: 'MWh' as const, resolution, prices: [], seen: new Set<number>() };
      byKey.set(key, message);
      let previous: number | undefined;
      for (let p = 1; p <= positions; p++) {
        let amount = amounts.get(p);
        if (amount === undefined) {
          if (curveType !== 'A03' || previous === undefined) {
            throw new EntsoeDocumentError(`${where}.Point`, `position ${p} is missing${curveType === 'A03' ? ' and there is no position before it to repeat' : ` (curveType ${curveType} lists every position)`}`);
          }
          amount = previous;
        }
        previous = amount;
        const timeMs = startMs + (p - 1) * stepMs;
        if (message.seen.has(timeMs)) throw new EntsoeDocumentError(where, `${new Date(timeMs).toISOString()} (${resolution}) is priced by two periods`);
        message.seen.add(timeMs);
        message.prices.push({ start: new Date(timeMs).toISOString(), importPrice: amount });
      }
    });
  });
  return [...byKey.values()].map(({ seen: _seen, ...m }) => ({ ...m, prices: m.prices.sort((a, b) => Date.parse(String(a.start)) - Date.parse(String(b.start))) }));
}

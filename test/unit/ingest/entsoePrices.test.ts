import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { priceMessageSchema, pricePointsOf } from '../../../src/contract/index.js';
import { EntsoeDocumentError, parseEntsoePriceDocument } from '../../../src/ingest/index.js';

const FIXTURE = readFileSync(new URL('../../fixtures/entsoe/day-ahead-a44.xml', import.meta.url), 'utf8');

const doc = (series: string) => `<?xml version="1.0"?><Publication_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:3"><type>A44</type>${series}</Publication_MarketDocument>`;
const ts = (o: { curve?: string; start?: string; end?: string; resolution?: string; points: string; unit?: string }) =>
  `<TimeSeries><currency_Unit.name>EUR</currency_Unit.name><price_Measure_Unit.name>${o.unit ?? 'MWH'}</price_Measure_Unit.name>${o.curve ? `<curveType>${o.curve}</curveType>` : ''}` +
  `<Period><timeInterval><start>${o.start ?? '2024-01-01T23:00Z'}</start><end>${o.end ?? '2024-01-02T02:00Z'}</end></timeInterval><resolution>${o.resolution ?? 'PT60M'}</resolution>${o.points}</Period></TimeSeries>`;
const pt = (position: number, amount: string) => `<Point><position>${position}</position><price.amount>${amount}</price.amount></Point>`;

describe('ENTSO-E day-ahead price documents (A44)', () => {
  it('reads the fixture: one message per resolution, positions from the period start, A03 gaps filled from the position before', () => {
    const messages = parseEntsoePriceDocument(FIXTURE);
    expect(messages).toEqual([
      {
        currency: 'EUR',
        unit: 'MWh',
        resolution: 'PT60M',
        prices: [
          { start: '2024-01-01T23:00:00.000Z', importPrice: 52.3 },
          { start: '2024-01-02T00:00:00.000Z', importPrice: 48.1 },
          { start: '2024-01-02T01:00:00.000Z', importPrice: 48.1 }, // position 3 left out: repeats 2
          { start: '2024-01-02T02:00:00.000Z', importPrice: -5 },
          { start: '2024-01-02T03:00:00.000Z', importPrice: 0 },
          { start: '2024-01-02T04:00:00.000Z', importPrice: 61.75 },
        ],
      },
      {
        currency: 'EUR',
        unit: 'MWh',
        resolution: 'PT15M',
        prices: [
          { start: '2024-01-02T05:00:00.000Z', importPrice: 70 },
          { start: '2024-01-02T05:15:00.000Z', importPrice: 72.4 },
          { start: '2024-01-02T05:30:00.000Z', importPrice: 72.4 }, // position 3 left out
          { start: '2024-01-02T05:45:00.000Z', importPrice: 80 },
        ],
      },
    ]);
    // Each is a valid price message, stored per MWh as given.
    const points = pricePointsOf('s1', 'entsoe', priceMessageSchema.parse(messages[1]), 1);
    expect(points.map((p) => [p.timeMs, p.durationMs, p.importPricePerMwh])).toEqual([
      [Date.parse('2024-01-02T05:00Z'), 900_000, 70],
      [Date.parse('2024-01-02T05:15Z'), 900_000, 72.4],
      [Date.parse('2024-01-02T05:30Z'), 900_000, 72.4],
      [Date.parse('2024-01-02T05:45Z'), 900_000, 80],
    ]);
  });

  it('fills a run of left-out A03 positions, including the last one', () => {
    const [m] = parseEntsoePriceDocument(doc(ts({ curve: 'A03', end: '2024-01-02T03:00Z', points: pt(1, '10.5') + pt(3, '7') })));
    expect(m!.prices.map((p) => p.importPrice)).toEqual([10.5, 10.5, 7, 7]);
  });

  it('refuses what it cannot read, saying where', () => {
    const refused = (xml: string) => {
      try {
        parseEntsoePriceDocument(xml);
      } catch (err) {
        expect(err).toBeInstanceOf(EntsoeDocumentError);
        return (err as EntsoeDocumentError).message;
      }
      throw new Error('not refused');
    };
    expect(refused(doc(ts({ points: pt(1, '1') + pt(3, '3') })))).toMatch(/TimeSeries\[0\]\.Period\[0\]\.Point: position 2 is missing \(curveType A01 lists every position\)/);
    expect(refused(doc(ts({ curve: 'A03', points: pt(2, '1') })))).toMatch(/position 1 is missing and there is no position before it/);
    expect(refused(doc(ts({ points: pt(4, '1') })))).toMatch(/position: is 4; the period has positions 1–3/);
    expect(refused(doc(ts({ unit: 'KWH', points: pt(1, '1') })))).toMatch(/price_Measure_Unit.name: is KWH, expected MWH/);
    expect(refused(doc(ts({ resolution: 'P1D', points: pt(1, '1') })))).toMatch(/resolution: is P1D/);
    expect(refused('<Acknowledgement_MarketDocument><Reason><text>No matching data found</text></Reason></Acknowledgement_MarketDocument>')).toMatch(/acknowledgement/);
    expect(refused(doc(ts({ points: pt(1, 'n/a') })))).toMatch(/price.amount: is n\/a, not a number/);
  });
});

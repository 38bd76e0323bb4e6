import { describe, expect, it } from 'vitest';
import { ingesterSummaries, ingestStatsSamples } from '../../../src/ingest/statsRates.js';

describe('ingest_stats samples → rates (GET /api/v1/ingest/stats, /ingest/ingesters)', () => {
  const t0 = Date.UTC(2026, 0, 1);
  const p = (ingester: string, s: number, readings: number, spool: number) => ({ ingester, timeMs: t0 + s * 1000, fields: { readings_total: readings, rejected_total: 0, spool_depth: spool } });

  it('rates per ingester from its previous sample; none on the first sample or after a restart (a counter going down)', () => {
    const samples = ingestStatsSamples([p('a', 0, 0, 0), p('a', 10, 100, 1), p('a', 20, 5, 0), p('a', 30, 55, 0), p('b', 0, 1000, 0), p('b', 5, 1010, 0)]);
    expect(samples.map((x) => [x.ingester, x.readingsPerSecond, x.spoolDepth])).toEqual([
      ['a', null, 0],
      ['a', 10, 1],
      ['a', null, 0],
      ['a', 5, 0],
      ['b', null, 0],
      ['b', 2, 0],
    ]);
    // A field the ingester did not write gives null, not zero.
    expect(samples[1]!.lagMs).toBeNull();
  });

  it('per ingester over the window: last report, spool depth and its change, mean rate first to last', () => {
    expect(ingesterSummaries([p('a', 0, 0, 4), p('a', 60, 600, 10), p('b', 30, 7, 0)])).toEqual([
      { ingester: 'a', lastReportMs: t0 + 60_000, spoolDepth: 10, spoolDepthChange: 6, readingsPerSecond: 10, rejectedPerSecond: 0, lagMs: null, messagesStuck: null },
      { ingester: 'b', lastReportMs: t0 + 30_000, spoolDepth: 0, spoolDepthChange: 0, readingsPerSecond: null, rejectedPerSecond: null, lagMs: null, messagesStuck: null },
    ]);
  });
});

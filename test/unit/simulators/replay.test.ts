import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadReplaySeries, ReplayInputError, runReplay, type ReplaySource } from '../../../simulators/replay/replay.js';
import type { Output } from '../../../simulators/output.js';
import type { Reading } from '../../../src/contract/index.js';

const PJME = new URL('../../fixtures/pjme_dst_2017_2018.csv', import.meta.url).pathname;
const pjm: ReplaySource = { csvPath: PJME, timeColumn: 'Datetime', valueColumns: ['PJME_MW'], timeZone: 'America/New_York', timeLabel: 'end', stepMs: 3_600_000, unit: 'MW' };

/** Collects what would be published (the real MQTT path is covered by the integration test). */
function memoryOutput(): Output & { messages: { topic: string; readings: readonly Reading[] }[] } {
  const messages: { topic: string; readings: readonly Reading[] }[] = [];
  return {
    messages,
    send: async (topic, readings) => void messages.push({ topic, readings }),
    sendRaw: async () => undefined,
    get messagesSent() {
      return messages.length;
    },
    close: async () => undefined,
  };
}

describe('replay: CSV → readings', () => {
  it('turns PJM hour-ending Eastern times into contiguous UTC interval starts across both DST changes', async () => {
    const s = await loadReplaySeries(pjm);
    expect(s.rows).toHaveLength(144 + 2 - 2); // 6 days; fall-back day has 25 rows, spring day 23
    const steps = s.rows.slice(1).map((r, i) => r.timeMs - s.rows[i]!.timeMs);
    // Every step is exactly one hour except the jump between the two 3-day blocks.
    expect(steps.filter((d) => d !== 3_600_000)).toHaveLength(1);
    // Fall back: the two '2017-11-05 02:00' rows (HE02) are 01:00 EDT and 01:00 EST.
    const byUtc = new Map(s.rows.map((r) => [new Date(r.timeMs).toISOString(), r.valuesKw[0]]));
    expect(byUtc.get('2017-11-05T05:00:00.000Z')).toBe(21_236 * 1000);
    expect(byUtc.get('2017-11-05T06:00:00.000Z')).toBe(20_666 * 1000);
    // Spring forward: HE02 (01:00 EST, 06:00Z) is followed by HE04 (03:00 EDT, 07:00Z).
    expect(byUtc.get('2018-03-11T06:00:00.000Z')).toBe(27_012 * 1000);
    expect(byUtc.get('2018-03-11T07:00:00.000Z')).toBe(26_866 * 1000);
    expect(s.ambiguousLocalTimes).toBe(2);
    expect(s.skipped).toEqual({ invalidTime: 0, nonexistentLocalTime: 0, emptyCells: 0, nonNumericCells: 0, duplicateTime: 0 });
  });

  it('keeps gaps as gaps, converts units, publishes one meter per value column in batches', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gridcast-replay-'));
    try {
      const csv = join(dir, 'two.csv');
      await writeFile(csv, 'utc,a,b\n2026-01-01T00:00:00Z,1000,5\n2026-01-01T01:00:00Z,,6\n2026-01-01T03:00:00Z,3000,n/a\nnot a time,1,1\n');
      const series = await loadReplaySeries({ csvPath: csv, timeColumn: 'utc', valueColumns: ['a', 'b'], timeZone: 'UTC', timeLabel: 'start', stepMs: 3_600_000, unit: 'W' });
      expect(series.skipped).toMatchObject({ invalidTime: 1, emptyCells: 1, nonNumericCells: 1 });
      const out = memoryOutput();
      const summary = await runReplay({ series, target: { site: 's', feeder: 'f', meters: ['ma', 'mb'], kind: 'pv' }, output: out, speed: Infinity, batch: 2, shiftMs: 0 });
      expect(summary.readings).toBe(4);
      const ma = out.messages.filter((m) => m.topic === 'gridcast/v1/s/f/ma/telemetry').flatMap((m) => m.readings);
      expect(ma).toEqual([
        { ts: Date.parse('2026-01-01T00:00:00Z'), kind: 'pv', powerKw: 1 },
        { ts: Date.parse('2026-01-01T03:00:00Z'), kind: 'pv', powerKw: 3 },
      ]);
      expect(out.messages.find((m) => m.topic.includes('/mb/'))!.readings).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names a missing column and the ones the file has', async () => {
    await expect(loadReplaySeries({ ...pjm, valueColumns: ['PJM_MW'] })).rejects.toThrow(ReplayInputError);
    await expect(loadReplaySeries({ ...pjm, valueColumns: ['PJM_MW'] })).rejects.toThrow(/PJM_MW not in .*it has: Datetime, PJME_MW/);
  });
});

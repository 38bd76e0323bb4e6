import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/common/logger.js';
import { Spool } from '../../../src/ingest/spool.js';
import { type TelemetryPoint } from '../../../src/contract/index.js';

const point = (i: number): TelemetryPoint => ({ site: 's', feeder: 'f', meter: `m${i}`, kind: 'load', timeMs: 1_700_000_000_000 + i, fields: { power_kw: i / 4 } });

/** Byte offset of record `n` (0-based) in a segment of single-point records. */
function recordOffset(buf: Buffer, n: number): number {
  let offset = 0;
  for (let i = 0; i < n; i++) offset += 8 + buf.readUInt32LE(offset);
  return offset;
}

async function replayAll(spool: Spool): Promise<number[]> {
  const got: number[] = [];
  while (spool.depth > 0) await spool.replayOldest(async (b) => void got.push(...b.map((p) => Number(p.meter.slice(1)))));
  return got;
}

describe('Spool: a corrupt record in the middle of a segment', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gridcast-spool-corrupt-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function spoolOf(records: number): Promise<string> {
    const s = await Spool.open(dir, silentLogger);
    for (let i = 0; i < records; i++) await s.append([point(i)]);
    await s.close();
    const [seg] = (await readdir(dir)).filter((n) => n.endsWith('.spool'));
    return join(dir, seg!);
  }

  it.each([
    ['a flipped byte in a record body (CRC mismatch)', 8 + 20],
    ['a flipped byte in a record length', 1],
    ['a flipped byte in a record CRC', 5],
  ])('%s costs that one record: the 999 intact ones around it are replayed in order', async (_what, within) => {
    const path = await spoolOf(1000);
    const buf = await readFile(path);
    const at = recordOffset(buf, 500) + within;
    buf[at] = buf[at]! ^ 0x40;
    await writeFile(path, buf);

    const reopened = await Spool.open(dir, silentLogger);
    expect(reopened.corruptRecords).toBe(1);
    expect(reopened.depth).toBe(999);
    expect(await replayAll(reopened)).toEqual(Array.from({ length: 1000 }, (_, i) => i).filter((i) => i !== 500));
    // The corrupt bytes are kept for inspection; no torn-tail copy was made.
    const names = await readdir(dir);
    expect(names.filter((n) => n.includes('.corrupt-'))).toHaveLength(1);
    expect(names.filter((n) => n.includes('.torn-'))).toEqual([]);
    await reopened.close();
  });

  it('counts a corrupt record only once: the next start finds the rewritten segment intact', async () => {
    const path = await spoolOf(10);
    const buf = await readFile(path);
    const at = recordOffset(buf, 3) + 12;
    buf[at] = buf[at]! ^ 0x01;
    await writeFile(path, buf);
    const first = await Spool.open(dir, silentLogger);
    expect([first.corruptRecords, first.depth]).toEqual([1, 9]);
    await first.close();
    const second = await Spool.open(dir, silentLogger);
    expect([second.corruptRecords, second.depth]).toEqual([0, 9]);
    expect(await replayAll(second)).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9]);
  });

  it('still treats damage with nothing intact behind it as a torn tail', async () => {
    const path = await spoolOf(10);
    const buf = await readFile(path);
    const at = recordOffset(buf, 9) + 12;
    buf[at] = buf[at]! ^ 0x01;
    await writeFile(path, buf);
    const reopened = await Spool.open(dir, silentLogger);
    expect([reopened.corruptRecords, reopened.depth]).toEqual([0, 9]);
    expect((await readdir(dir)).some((n) => n.includes('.torn-'))).toBe(true);
  });
});

import { appendFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/common/logger.js';
import { Spool } from '../../../src/ingest/spool.js';
import type { TelemetryPoint } from '../../../src/contract/index.js';

const point = (i: number): TelemetryPoint => ({ site: 's', feeder: 'f', meter: `m${i}`, kind: 'load', timeMs: 1_700_000_000_000 + i, fields: { power_kw: i / 4 } });

describe('Spool (real files)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gridcast-spool-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replays batches in order across a reopen and deletes what was delivered', async () => {
    const a = await Spool.open(dir, silentLogger);
    await a.append([point(1), point(2)]);
    await a.append([point(3)]);
    expect(a.depth).toBe(3);
    await a.close();

    const b = await Spool.open(dir, silentLogger);
    expect(b.depth).toBe(3);
    const got: TelemetryPoint[][] = [];
    expect(await b.replayOldest(async (batch) => void got.push(batch))).toBe(3);
    expect(got).toEqual([[point(1), point(2)], [point(3)]]);
    expect(b.depth).toBe(0);
    expect((await readdir(dir)).filter((n) => n.endsWith('.spool'))).toEqual([]);
  });

  it('keeps the segment when delivery fails, and replays it again later', async () => {
    const s = await Spool.open(dir, silentLogger);
    await s.append([point(1)]);
    await s.append([point(2)]);
    await expect(s.replayOldest(async (b) => {
      if (b[0]!.meter === 'm2') throw new Error('store down');
    })).rejects.toThrow('store down');
    expect(s.depth).toBe(2);
    const got: string[] = [];
    await s.replayOldest(async (b) => void got.push(b[0]!.meter));
    expect(got).toEqual(['m1', 'm2']);
    expect(s.depth).toBe(0);
  });

  it('cuts a torn tail (a batch whose write never finished) and keeps the good records', async () => {
    const s = await Spool.open(dir, silentLogger);
    await s.append([point(1)]);
    await s.close();
    const [seg] = await readdir(dir);
    await appendFile(join(dir, seg!), Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 123]));
    const reopened = await Spool.open(dir, silentLogger);
    expect(reopened.depth).toBe(1);
    expect((await readdir(dir)).some((n) => n.includes('.torn-'))).toBe(true);
    const got: TelemetryPoint[][] = [];
    await reopened.replayOldest(async (b) => void got.push(b));
    expect(got).toEqual([[point(1)]]);
  });

  it('refuses a spool held by another live process, and takes over a stale lock', async () => {
    await writeFile(join(dir, 'spool.lock'), String(process.ppid));
    await expect(Spool.open(dir, silentLogger)).rejects.toThrow(/in use by process .*MQTT_CLIENT_ID/);
    await writeFile(join(dir, 'spool.lock'), '999999999');
    const s = await Spool.open(dir, silentLogger);
    await s.close();
  });

  it('appends after a replay go to a new segment', async () => {
    const s = await Spool.open(dir, silentLogger);
    await s.append([point(1)]);
    await s.replayOldest(async () => undefined);
    await s.append([point(2)]);
    expect(s.depth).toBe(1);
    const got: string[] = [];
    await s.replayOldest(async (b) => void got.push(b[0]!.meter));
    expect(got).toEqual(['m2']);
  });
});

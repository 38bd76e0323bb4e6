import { mkdir, open, readdir, readFile, rename, truncate, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Logger } from '../common/logger.js';
import type { TelemetryPoint } from '../contract/index.js';

const SEGMENT_BYTES = 16 * 1024 * 1024;
const HEADER_BYTES = 8; // u32 length + u32 crc32, little-endian
const SEGMENT_RE = /^seg-(\d{12})\.spool$/;
const LOCK_FILE = 'spool.lock';

interface Segment {
  seq: number;
  path: string;
  /** Readings per record, in file order, for depth accounting. */
  recordSizes: number[];
}

/**
 * Append-only on-disk queue of batches the store could not take. Each batch is one framed record
 * (length, CRC-32, JSON), written and fsync'd before append() resolves, so an acknowledged reading
 * is on disk even if the process is killed. Segments are replayed oldest first and deleted only after
 * every record in them reached the store; a crash mid-replay replays the segment again (harmless
 * duplicates: same series and time overwrite).
 */
export class Spool {
  private segments: Segment[] = [];
  private active: { seg: Segment; fh: FileHandle; bytes: number } | undefined;
  private depthReadings = 0;
  private corruptAtOpen = 0;
  private appendChain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private readonly log: Logger,
  ) {}

  /**
   * Opens (creating) the spool directory and counts what an earlier run left there. A lock file keeps a
   * second live process off the same spool.
   */
  static async open(dir: string, log: Logger): Promise<Spool> {
    const spool = new Spool(dir, log);
    await mkdir(dir, { recursive: true });
    await takeLock(join(dir, LOCK_FILE));
    const names = (await readdir(dir)).filter((n) => SEGMENT_RE.test(n)).sort();
    for (const name of names) {
      const seg: Segment = { seq: Number(SEGMENT_RE.exec(name)![1]), path: join(dir, name), recordSizes: [] };
      const { batches, validBytes, totalBytes, corrupt } = await readSegment(seg.path);
      if (corrupt.length > 0) {
        // Corrupt records in the middle (a flipped bit on disk): set their bytes aside for inspection and
        // rewrite the segment with the intact records only, so replay and the next start don't meet them again.
        const buf = await readFile(seg.path);
        const copy = `${seg.path}.corrupt-${Date.now()}`;
        await writeFile(copy, Buffer.concat(corrupt.map(([from, to]) => buf.subarray(from, to))));
        await rewriteSegment(seg.path, batches);
        spool.corruptAtOpen += corrupt.length;
        log.error(
          { segment: seg.path, corruptRecords: corrupt.length, corruptBytes: corrupt.reduce((n, [a, b]) => n + b - a, 0), keptRecords: batches.length, copy },
          'spool segment had corrupt records: they were set aside, the intact records around them are kept',
        );
      } else if (validBytes < totalBytes) {
        // A torn tail is a batch whose fsync never finished, so it was never acknowledged: the broker
        // redelivers it. Keep a copy for inspection anyway, then cut it off.
        const copy = `${seg.path}.torn-${Date.now()}`;
        const buf = await readFile(seg.path);
        const fh = await open(copy, 'w');
        await fh.writeFile(buf.subarray(validBytes));
        await fh.close();
        await truncate(seg.path, validBytes);
        log.warn({ segment: seg.path, keptBytes: validBytes, tornBytes: totalBytes - validBytes, copy }, 'spool segment had a torn tail');
      }
      seg.recordSizes = batches.map((b) => b.length);
      spool.depthReadings += batches.reduce((n, b) => n + b.length, 0);
      if (batches.length > 0) spool.segments.push(seg);
      else await unlink(seg.path);
    }
    if (spool.depthReadings > 0) log.info({ readings: spool.depthReadings, segments: spool.segments.length }, 'spool holds readings from an earlier run');
    return spool;
  }

  /** Corrupt records found (and set aside) when the spool was opened. */
  get corruptRecords(): number {
    return this.corruptAtOpen;
  }

  /** Readings waiting in the spool. */
  get depth(): number {
    return this.depthReadings;
  }

  /** Appends one batch; concurrent calls are written one after another, never interleaved. */
  append(points: readonly TelemetryPoint[]): Promise<void> {
    const run = this.appendChain.then(() => this.appendNow(points));
    this.appendChain = run.catch(() => undefined);
    return run;
  }

  private async appendNow(points: readonly TelemetryPoint[]): Promise<void> {
    if (points.length === 0) return;
    const body = Buffer.from(JSON.stringify(points));
    const frame = Buffer.allocUnsafe(HEADER_BYTES + body.length);
    frame.writeUInt32LE(body.length, 0);
    frame.writeUInt32LE(crc32(body), 4);
    body.copy(frame, HEADER_BYTES);
    if (!this.active || this.active.bytes + frame.length > SEGMENT_BYTES) await this.rotate();
    const active = this.active!;
    await active.fh.write(frame);
    await active.fh.datasync();
    active.bytes += frame.length;
    active.seg.recordSizes.push(points.length);
    this.depthReadings += points.length;
  }

  /**
   * Hands the oldest segment's batches to `deliver`, in order, and deletes the segment once all were
   * delivered. The segment being appended to is closed first so replay never races an append.
   * Returns the number of readings delivered; throws whatever `deliver` throws.
   */
  async replayOldest(deliver: (batch: TelemetryPoint[]) => Promise<void>): Promise<number> {
    if (this.segments.length === 0) return 0;
    const seg = this.segments[0]!;
    if (this.active?.seg === seg) {
      // Seal between appends, never during one.
      const seal = this.appendChain.then(() => this.sealActive());
      this.appendChain = seal.catch(() => undefined);
      await seal;
    }
    const { batches } = await readSegment(seg.path);
    let delivered = 0;
    for (const batch of batches) {
      await deliver(batch);
      delivered += batch.length;
    }
    await unlink(seg.path);
    this.segments.shift();
    this.depthReadings -= seg.recordSizes.reduce((n, s) => n + s, 0);
    return delivered;
  }

  async close(): Promise<void> {
    await this.appendChain;
    await this.sealActive();
    await unlink(join(this.dir, LOCK_FILE)).catch(() => undefined);
  }

  private async sealActive(): Promise<void> {
    const active = this.active;
    this.active = undefined;
    if (active) await active.fh.close();
  }

  private async rotate(): Promise<void> {
    await this.sealActive();
    const seq = (this.segments.at(-1)?.seq ?? 0) + 1;
    const path = join(this.dir, `seg-${String(seq).padStart(12, '0')}.spool`);
    const tmp = `${path}.new`;
    const fh = await open(tmp, 'w');
    await rename(tmp, path);
    const seg: Segment = { seq, path, recordSizes: [] };
    this.segments.push(seg);
    this.active = { seg, fh, bytes: 0 };
    // The new file's directory entry must survive a crash too.
    const dirHandle = await open(this.dir, 'r');
    await dirHandle.sync().finally(() => dirHandle.close());
    this.log.debug({ segment: path }, 'spool segment opened');
  }
}

interface SegmentContents {
  batches: TelemetryPoint[][];
  /** End of the last intact record: anything after it is a torn tail (or corruption with nothing intact behind it). */
  validBytes: number;
  totalBytes: number;
  /** Byte ranges [start, end) skipped between intact records: corrupt records. */
  corrupt: [number, number][];
}

/**
 * Reads every intact record. A record that fails its length or CRC check does not end the segment: the
 * reader looks for the next offset where an intact record starts (plausible length, CRC match, a JSON array)
 * and carries on there, so one flipped byte costs one record, not the rest of the segment.
 */
async function readSegment(path: string): Promise<SegmentContents> {
  const buf = await readFile(path);
  const batches: TelemetryPoint[][] = [];
  const corrupt: [number, number][] = [];
  let offset = 0;
  let validBytes = 0;
  while (offset + HEADER_BYTES <= buf.length) {
    const body = recordAt(buf, offset);
    if (body) {
      batches.push(JSON.parse(body.toString('utf8')) as TelemetryPoint[]);
      offset += HEADER_BYTES + body.length;
      validBytes = offset;
      continue;
    }
    const next = nextRecord(buf, offset + 1);
    if (next === undefined) break; // nothing intact behind it: a torn tail
    corrupt.push([offset, next]);
    offset = next;
  }
  return { batches, validBytes, totalBytes: buf.length, corrupt };
}

/** The body of an intact record starting at `offset`, or undefined. */
function recordAt(buf: Buffer, offset: number): Buffer | undefined {
  if (offset + HEADER_BYTES > buf.length) return undefined;
  const length = buf.readUInt32LE(offset);
  const end = offset + HEADER_BYTES + length;
  // Every body is JSON.stringify of an array of points: '[' … ']'. Checked before the CRC, so scanning for
  // the next record after a corrupt one stays cheap.
  if (length < 2 || end > buf.length || buf[offset + HEADER_BYTES] !== 0x5b || buf[end - 1] !== 0x5d) return undefined;
  const body = buf.subarray(offset + HEADER_BYTES, end);
  if (crc32(body) !== buf.readUInt32LE(offset + 4)) return undefined;
  try {
    JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  return body;
}

function nextRecord(buf: Buffer, from: number): number | undefined {
  for (let i = from; i + HEADER_BYTES <= buf.length; i++) {
    // A body starts with '[' right after the 8-byte header: only offsets with that byte can start a record.
    if (buf[i + HEADER_BYTES] === 0x5b && recordAt(buf, i)) return i;
  }
  return undefined;
}

/** Replaces a segment with just these records, atomically (temp file, fsync, rename). */
async function rewriteSegment(path: string, batches: TelemetryPoint[][]): Promise<void> {
  const frames = batches.map((points) => {
    const body = Buffer.from(JSON.stringify(points));
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    header.writeUInt32LE(body.length, 0);
    header.writeUInt32LE(crc32(body), 4);
    return Buffer.concat([header, body]);
  });
  const tmp = `${path}.rewrite`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(Buffer.concat(frames));
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

async function takeLock(path: string): Promise<void> {
  try {
    const holder = Number((await readFile(path, 'utf8')).trim());
    if (holder && holder !== process.pid && isAlive(holder)) {
      throw new Error(
        `spool ${path.replace(/\/spool\.lock$/, '')} is in use by process ${holder}: give each ingester its own MQTT_CLIENT_ID (the spool lives in SPOOL_DIR/<client id>)`,
      );
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // A lock left by a crashed process is taken over: its spool is exactly what must be replayed.
  await writeFile(path, String(process.pid));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

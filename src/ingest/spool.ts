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
      const { batches, validBytes, totalBytes } = await readSegment(seg.path);
      if (validBytes < totalBytes) {
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

async function readSegment(path: string): Promise<{ batches: TelemetryPoint[][]; validBytes: number; totalBytes: number }> {
  const buf = await readFile(path);
  const batches: TelemetryPoint[][] = [];
  let offset = 0;
  while (offset + HEADER_BYTES <= buf.length) {
    const length = buf.readUInt32LE(offset);
    const end = offset + HEADER_BYTES + length;
    if (end > buf.length) break;
    const body = buf.subarray(offset + HEADER_BYTES, end);
    if (crc32(body) !== buf.readUInt32LE(offset + 4)) break;
    batches.push(JSON.parse(body.toString('utf8')) as TelemetryPoint[]);
    offset = end;
  }
  return { batches, validBytes: offset, totalBytes: buf.length };
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

import { StoreRejectedError, StoreUnavailableError, errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { backoffDelayMs } from '../common/retry.js';
import type { TelemetryStore } from '../storage/index.js';
import type { IngestMetrics } from './metrics.js';
import type { Spool } from './spool.js';
import type { TelemetryPoint } from '../contract/index.js';

interface Pending {
  points: readonly TelemetryPoint[];
  resolve: () => void;
  reject: (err: Error) => void;
}

const REPLAY_BACKOFF = { minDelayMs: 500, maxDelayMs: 15_000, jitterMs: 250 };

/**
 * Makes readings durable: in the store, or in the spool when the store is unavailable. write()
 * resolves only then, which is when the MQTT message may be acknowledged.
 *
 * One loop does everything in order, so there are no races between writing, spooling and replay:
 * while the spool holds anything, new batches are appended behind it (order kept) and the loop
 * replays the oldest segment whenever its backoff allows. Batches form by themselves: while one
 * write is in flight the next one collects (group commit), up to `maxBatchReadings`.
 */
export class DurableWriter {
  private queue: Pending[] = [];
  private queuedReadings = 0;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  private stopping = false;
  private replayFailures = 0;
  private nextReplayAtMs = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly store: TelemetryStore,
    private readonly spool: Spool,
    private readonly metrics: IngestMetrics,
    private readonly log: Logger,
    private readonly maxBatchReadings: number,
    /** Where spooled readings go if the store refuses them on replay (the dead-letter topic), so none are dropped. */
    private readonly onRefused: (points: TelemetryPoint[], err: StoreRejectedError) => Promise<void>,
    private readonly maxWritesInFlight = 2,
  ) {
    metrics.spoolDepth.set(spool.depth);
  }

  start(): void {
    this.loopDone ??= this.loop();
  }

  /** Resolves once the points are in the store or the spool; rejects with StoreRejectedError if the store refused them. */
  write(points: readonly TelemetryPoint[]): Promise<void> {
    if (this.stopping) return Promise.reject(new StoreUnavailableError('writer is stopping'));
    if (points.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ points, resolve, reject });
      this.queuedReadings += points.length;
      this.wake?.();
    });
  }

  /** Readings accepted by write() but not yet durable. */
  get pendingReadings(): number {
    return this.queuedReadings;
  }

  /** Makes everything queued durable, then stops. The spool stays on disk for the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loopDone;
    await this.spool.close();
  }

  private async loop(): Promise<void> {
    for (;;) {
      if (this.spool.depth > 0 && Date.now() >= this.nextReplayAtMs && !this.stopping) {
        await this.settleInFlight();
        await this.replayOne();
      }
      if (this.queue.length > 0) {
        if (this.spool.depth > 0) {
          // Spooling: strictly one batch after another, behind what is already in the spool.
          await this.settleInFlight();
          await this.writeBatch(this.takeBatch());
        } else if (this.inFlight.size >= this.maxWritesInFlight) {
          await Promise.race(this.inFlight);
        } else {
          // Direct to the store: up to maxWritesInFlight batches overlap (encode one while the store takes the other).
          // Wake the loop when it is done: a write that fell back to the spool must start the replay timer even
          // if no other message arrives (the loop may be idle, having looked while the spool was still empty).
          const write: Promise<void> = this.writeBatch(this.takeBatch()).finally(() => {
            this.inFlight.delete(write);
            this.wake?.();
          });
          this.inFlight.add(write);
        }
        continue;
      }
      if (this.stopping) {
        await this.settleInFlight();
        if (this.queue.length === 0) return;
        continue;
      }
      const waitMs = this.spool.depth > 0 ? Math.max(0, this.nextReplayAtMs - Date.now()) : undefined;
      await new Promise<void>((resolve) => {
        const timer = waitMs === undefined ? undefined : setTimeout(resolve, waitMs);
        this.wake = () => {
          if (timer) clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private async settleInFlight(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let readings = 0;
    while (this.queue.length > 0 && (batch.length === 0 || readings + this.queue[0]!.points.length <= this.maxBatchReadings)) {
      const next = this.queue.shift()!;
      batch.push(next);
      readings += next.points.length;
    }
    this.queuedReadings -= readings;
    return batch;
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    const points = batch.flatMap((p) => p.points);
    try {
      if (this.spool.depth > 0) {
        await this.toSpool(points);
      } else {
        try {
          const end = this.metrics.writeSeconds.startTimer();
          await this.store.writePoints(points);
          end();
        } catch (err) {
          if (!(err instanceof StoreUnavailableError)) throw err;
          this.log.warn({ err: err.message, readings: points.length }, 'store unavailable: spooling to disk');
          this.nextReplayAtMs = Date.now() + backoffDelayMs(0, REPLAY_BACKOFF);
          await this.toSpool(points);
        }
      }
      this.observeLag(points);
      for (const p of batch) p.resolve();
    } catch (err) {
      if (err instanceof StoreRejectedError) {
        for (const p of batch) p.reject(err);
        return;
      }
      // The spool itself failed (disk full, permissions): nothing is acknowledged, the broker keeps the messages.
      this.log.error({ err: errorMessage(err) }, 'could not make readings durable; they stay unacknowledged');
      const failure = err instanceof Error ? err : new Error(String(err));
      for (const p of batch) p.reject(failure);
    }
  }

  private async toSpool(points: TelemetryPoint[]): Promise<void> {
    await this.spool.append(points);
    this.metrics.readingsSpooled.inc(points.length);
    this.metrics.spoolDepth.set(this.spool.depth);
  }

  private async replayOne(): Promise<void> {
    try {
      const n = await this.spool.replayOldest(async (batch) => {
        const end = this.metrics.writeSeconds.startTimer();
        try {
          await this.store.writePoints(batch);
        } catch (err) {
          // Refused data would block the spool forever: hand it to the dead-letter path and move on.
          if (!(err instanceof StoreRejectedError)) throw err;
          this.log.error({ err: err.message, readings: batch.length }, 'store refused spooled readings: dead-lettering them');
          await this.onRefused(batch, err);
        }
        end();
        this.metrics.readingsReplayed.inc(batch.length);
      });
      this.replayFailures = 0;
      this.metrics.spoolDepth.set(this.spool.depth);
      if (n > 0) this.log.info({ readings: n, spoolDepth: this.spool.depth }, 'replayed spooled readings');
    } catch (err) {
      this.nextReplayAtMs = Date.now() + backoffDelayMs(Math.min(this.replayFailures++, 8), REPLAY_BACKOFF);
      this.log.warn({ err: errorMessage(err), retryInMs: this.nextReplayAtMs - Date.now(), spoolDepth: this.spool.depth }, 'store still unavailable');
    }
  }

  private observeLag(points: readonly TelemetryPoint[]): void {
    const now = Date.now();
    // One sample per batch (its newest reading) keeps the histogram cheap at 100k readings/s.
    let newest = 0;
    for (const p of points) if (p.timeMs > newest) newest = p.timeMs;
    this.metrics.ingestLagSeconds.observe(Math.max(0, (now - newest) / 1000));
  }
}

import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { ConfigError, errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { SeriesRef } from '../forecast/index.js';

/**
 * Training shared across instances on BullMQ (Redis): one job per series, which any `gridcast schedule` instance's
 * worker takes. Replaces the trainer lock where JOB_QUEUE_URL is set, so adding an instance adds throughput.
 *
 * - **Once at a time per series:** a series' job id is the series itself. While its job waits or runs, adding it
 *   again (the cron firing on every instance, a drift found meanwhile) is a no-op; done jobs are removed, so the
 *   next run queues it anew.
 * - **A dead worker's job is retried:** the worker holds a lock on its job and renews it while training; killed,
 *   it stops renewing, and after JOB_LOCK_SECONDS another instance's stalled-job check hands the job to a worker.
 * - A series failing (too little data yet) fails its own job only, and is tried again at the next run.
 */

/** What a job carries. */
interface TrainJobData {
  series: SeriesRef;
  /** Why it was queued: retrain (the cron), drift, api. */
  reason: string;
}

export const TRAIN_QUEUE_NAME = 'gridcast-train';

export interface TrainQueueOptions {
  /** redis://[user:password@]host:port[/db] or rediss:// (TLS). */
  url: string;
  /** How long a job's lock lasts unrenewed: how soon a killed worker's job goes to another. */
  lockSeconds: number;
  logger: Logger;
}

/** A Redis client for BullMQ from JOB_QUEUE_URL (redis:// or rediss://, user:password@ and /db as ioredis reads them). */
export function redisConnection(url: string): Redis {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError([`JOB_QUEUE_URL: got '${url}'. Allowed: redis://host:6379 or rediss://host:6380 (optionally user:password@ and /db).`]);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new ConfigError([`JOB_QUEUE_URL: got '${url}'. Allowed: redis:// or rediss:// URL.`]);
  // BullMQ's workers block on Redis: ioredis must retry forever rather than fail their commands.
  return new Redis(url, { maxRetriesPerRequest: null });
}

/** The job id of a series: the series itself (BullMQ reserves ':' in ids). */
export function trainJobId(s: SeriesRef): string {
  return `train|${s.site}|${s.feeder}|${s.target}`;
}

export class TrainQueue {
  private readonly connection: Redis;
  private readonly queue: Queue<TrainJobData>;
  private worker: Worker<TrainJobData> | undefined;
  private readonly abort = new AbortController();
  private readonly log: Logger;

  constructor(private readonly o: TrainQueueOptions) {
    this.connection = redisConnection(o.url);
    this.log = o.logger.child({ component: 'train-queue' });
    this.queue = new Queue<TrainJobData>(TRAIN_QUEUE_NAME, { connection: this.connection });
    this.queue.on('error', (err) => this.log.warn({ err: errorMessage(err) }, 'training queue: Redis error'));
  }

  /** Queues each series that has no job waiting or running yet; resolves with those newly queued. */
  async submit(series: readonly SeriesRef[], reason: string): Promise<SeriesRef[]> {
    const queued: SeriesRef[] = [];
    for (const s of series) {
      const jobId = trainJobId(s);
      const existing = await this.queue.getJob(jobId);
      const state = await existing?.getState();
      if (existing && state !== 'completed' && state !== 'failed') continue;
      if (existing) await existing.remove().catch(() => undefined); // a leftover: make room for the new run
      await this.queue.add('train', { series: s, reason }, { jobId, removeOnComplete: true, removeOnFail: true });
      queued.push(s);
    }
    this.log.info({ reason, queued: queued.length, alreadyQueued: series.length - queued.length }, 'training queued');
    return queued;
  }

  /** Starts this instance's worker: one series at a time, through `train`. Resolves `stop` once it has stopped. */
  work(train: (series: SeriesRef, signal: AbortSignal) => Promise<void>): { stop(): Promise<void> } {
    const lockDuration = this.o.lockSeconds * 1000;
    this.worker = new Worker<TrainJobData>(
      TRAIN_QUEUE_NAME,
      async (job: Job<TrainJobData>) => {
        this.log.info({ series: job.data.series, reason: job.data.reason, attempt: job.attemptsStarted }, 'training a queued series');
        await train(job.data.series, this.abort.signal);
      },
      // The lock is renewed every half of it while training runs; a stall check runs as often.
      { connection: this.connection, concurrency: 1, lockDuration, stalledInterval: lockDuration, maxStalledCount: 3 },
    );
    this.worker.on('error', (err) => this.log.warn({ err: errorMessage(err) }, 'training worker: Redis error'));
    this.worker.on('failed', (job, err) => this.log.warn({ series: job?.data.series, err: errorMessage(err) }, 'queued training failed'));
    const worker = this.worker;
    return {
      stop: async () => {
        this.abort.abort(); // training stops at its next batch, keeping what it learned
        await worker.close();
      },
    };
  }

  /** For /ready: whether Redis answers (within 2 s), and where it is. */
  async health(): Promise<{ ok: boolean; detail: string }> {
    const where = `${this.connection.options.host ?? '?'}:${this.connection.options.port ?? '?'}`;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no answer within 2 s')), 2000);
    });
    try {
      await Promise.race([this.connection.ping(), timeout]);
      return { ok: true, detail: `redis ${where}` };
    } catch (err) {
      return { ok: false, detail: `redis ${where}: ${errorMessage(err)}` };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Jobs waiting or running, for tests and the log. */
  async pending(): Promise<number> {
    const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  /** Stops the worker (training stops at its next batch, keeping what it learned), then closes the queue. */
  async close(): Promise<void> {
    this.abort.abort();
    await this.worker?.close();
    await this.queue.close();
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}

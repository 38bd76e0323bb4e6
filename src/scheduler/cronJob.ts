import cron, { type ScheduledTask } from 'node-cron';
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { JobMetrics } from './metrics.js';

/**
 * One scheduled job (Zigbee2MQTT's extension pattern): start() schedules it, stop() stops it and waits
 * for a run in progress. Runs never overlap; a run that was missed or would overlap is logged, not
 * silently skipped. Errors are caught here, at the edge, and logged under the job's name.
 */
export abstract class CronJob {
  abstract readonly name: string;
  private task: ScheduledTask | undefined;
  private running: Promise<void> | undefined;
  private metrics: JobMetrics | undefined;

  constructor(
    private readonly expression: string,
    protected readonly log: Logger,
  ) {}

  /** One run of the job. */
  protected abstract run(): Promise<void>;

  start(): void {
    this.task = cron.schedule(this.expression, () => this.runOnce(), { name: this.name, noOverlap: true });
    this.task.on('execution:missed', (ctx) => this.log.warn({ job: this.name, scheduledFor: ctx.date?.toISOString?.() }, 'scheduled run missed (process busy or asleep)'));
    this.task.on('execution:overlap', () => this.log.warn({ job: this.name }, 'scheduled run skipped: the previous one is still running'));
    this.log.info({ job: this.name, schedule: this.expression }, 'job scheduled');
  }

  /** Every later run, scheduled or runOnce, is timed and counted under this job's name. */
  measureWith(metrics: JobMetrics): this {
    this.metrics = metrics;
    metrics.track(this.name);
    return this;
  }

  /** Runs now (also used by the CLI and tests); resolves when done, never rejects. */
  runOnce(): Promise<void> {
    if (this.running) return this.running;
    const started = Date.now();
    const { metrics } = this;
    this.running = (metrics ? metrics.observe(this.name, () => this.run()) : this.run())
      .then(() => this.log.info({ job: this.name, seconds: (Date.now() - started) / 1000 }, 'job done'))
      .catch((err: unknown) => this.log.error({ job: this.name, err: errorMessage(err) }, 'job failed'))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  async stop(): Promise<void> {
    await this.task?.stop();
    await this.running;
  }
}

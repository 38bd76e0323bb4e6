import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { CronJob } from '../../src/scheduler/cronJob.js';
import { sleep } from '../support/services.js';

/**
 * node-cron really fires here (a per-second expression, real time): runs never overlap, an overlapping tick
 * and a missed one are logged under the job's name.
 */
interface LogLine {
  level: number;
  msg: string;
  job?: string;
  scheduledFor?: string;
}

function captureLogger() {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l) as LogLine) });
  return { logger, lines };
}

class SlowJob extends CronJob {
  readonly name = 'slow-test-job';
  concurrent = 0;
  maxConcurrent = 0;
  runs = 0;
  constructor(
    private readonly runMs: number,
    log: ReturnType<typeof captureLogger>['logger'],
  ) {
    super('* * * * * *', log);
  }
  protected async run(): Promise<void> {
    this.runs++;
    this.concurrent++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    await sleep(this.runMs);
    this.concurrent--;
  }
}

describe('CronJob with node-cron firing', { timeout: 30_000 }, () => {
  it('a run longer than the period never overlaps the next: the skipped ticks are logged as overlaps', async () => {
    const { logger, lines } = captureLogger();
    const job = new SlowJob(2300, logger);
    job.start();
    await sleep(5600);
    await job.stop();
    expect(job.maxConcurrent).toBe(1);
    expect(job.runs).toBeGreaterThanOrEqual(1);
    expect(job.runs).toBeLessThanOrEqual(3);
    const overlaps = lines.filter((l) => l.msg === 'scheduled run skipped: the previous one is still running');
    expect(overlaps.length).toBeGreaterThanOrEqual(2);
    expect(overlaps.every((l) => l.job === 'slow-test-job' && l.level === 40)).toBe(true);
    expect(lines.filter((l) => l.msg === 'job done' && l.job === 'slow-test-job').length).toBe(job.runs);
  });

  it('ticks missed while the process is blocked are logged as missed, with the time they were due', async () => {
    const { logger, lines } = captureLogger();
    const job = new SlowJob(10, logger);
    job.start();
    await sleep(1500);
    const blockedFrom = Date.now();
    while (Date.now() - blockedFrom < 3500) {
      // busy: the event loop can't run the scheduler
    }
    await sleep(1500);
    await job.stop();
    const missed = lines.filter((l) => l.msg === 'scheduled run missed (process busy or asleep)');
    expect(missed.length).toBeGreaterThanOrEqual(1);
    for (const m of missed) {
      expect(m.job).toBe('slow-test-job');
      const due = Date.parse(m.scheduledFor ?? '');
      expect(due).toBeGreaterThanOrEqual(blockedFrom - 1000);
      expect(due).toBeLessThanOrEqual(blockedFrom + 3500);
    }
    expect(job.runs).toBeGreaterThanOrEqual(2);
  });
});

import { counter, gauge, histogram, type Counter, type Gauge, type Histogram, type Registry } from '../common/metrics.js';

/**
 * How the scheduled runs go, by `job`: each CronJob's name (forecast, retrain, weather-forecast) and
 * `dispatch`, the re-plan after each forecast run. Names are fixed in code, so the label stays bounded.
 * For alerts that don't read logs: "no successful forecast run for 2 h" is
 * `time() - gridcast_job_last_success_timestamp_seconds{job="forecast"} > 7200`.
 */
export class JobMetrics {
  readonly lastSuccess: Gauge<'job'>;
  readonly failures: Counter<'job'>;
  readonly duration: Histogram<'job'>;

  constructor(registry: Registry) {
    this.lastSuccess = gauge(registry, {
      name: 'gridcast_job_last_success_timestamp_seconds',
      help: 'When the job last finished without failing (Unix time); absent until it has',
      labelNames: ['job'],
    });
    this.failures = counter(registry, { name: 'gridcast_job_failures_total', help: 'Runs of the job that failed (see the log line "job failed" for why)', labelNames: ['job'] });
    this.duration = histogram(registry, {
      name: 'gridcast_job_duration_seconds',
      help: 'Time one run of the job took, failed runs included',
      labelNames: ['job'],
      // Forecast and dispatch runs take seconds; a retrain of every series can take an hour.
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200],
    });
  }

  /** Shows the job's failures at 0 before its first run, so that `increase()` and alerts see the series before the first failure. */
  track(job: string): void {
    this.failures.inc({ job }, 0);
  }

  /** Runs `work`, timing it and counting how it ended; its result or its error passes through. */
  async observe<T>(job: string, work: () => Promise<T>): Promise<T> {
    const stop = this.duration.startTimer({ job });
    try {
      const result = await work();
      this.lastSuccess.set({ job }, Date.now() / 1000);
      return result;
    } catch (err) {
      this.failures.inc({ job });
      throw err;
    } finally {
      stop();
    }
  }
}

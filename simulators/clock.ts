/**
 * Simulated time. `speed` is simulated milliseconds per real millisecond (3600: an hour a second);
 * Infinity runs as fast as the output takes it. Simulated time never runs ahead of the wall clock:
 * a reading from the future would be rejected, so a backfill from `--start` in the past speeds
 * through history and then continues in real time.
 */
export interface ClockOptions {
  startMs: number;
  intervalMs: number;
  speed: number;
  /** Stop after the tick at or before this time (inclusive); undefined: run until stopped. */
  untilMs?: number;
}

/** First tick: `startMs` rounded up to a whole interval, so meters report on round times. */
export function firstTickMs(o: Pick<ClockOptions, 'startMs' | 'intervalMs'>): number {
  return Math.ceil(o.startMs / o.intervalMs) * o.intervalMs;
}

/** How long to wait (real ms) before emitting tick `tickMs`, given when the run started. */
export function delayUntilTickMs(tickMs: number, o: ClockOptions, realStartMs: number, nowMs: number): number {
  const paced = Number.isFinite(o.speed) ? realStartMs + (tickMs - firstTickMs(o)) / o.speed : -Infinity;
  return Math.max(0, paced - nowMs, tickMs - nowMs);
}

/** Parses `--speed`: a positive number, or `max`. */
export function parseSpeed(value: string): number {
  if (value === 'max') return Number.POSITIVE_INFINITY;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--speed '${value}' must be a positive number (1 = real time, 3600 = an hour a second) or 'max'`);
  return n;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses durations like 500ms, 15s, 5m, 1h, 7d. */
export function parseDurationMs(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (!m) throw new Error(`'${value}' is not a duration: use a number with ms, s, m, h or d, e.g. 1m or 15s`);
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  if (ms < 1) throw new Error(`'${value}' is too short`);
  return ms;
}

/** Parses `--start`/`--until`: ISO-8601 with offset, `now`, or `now-7d` style offsets. */
export function parseTimeArg(value: string, nowMs: number): number {
  if (value === 'now') return nowMs;
  const rel = /^now([+-])(.+)$/.exec(value);
  if (rel) return nowMs + (rel[1] === '-' ? -1 : 1) * parseDurationMs(rel[2]!);
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(value)) throw new Error(`'${value}' needs a UTC offset (e.g. 2026-11-15T00:00:00Z), or use now / now-7d`);
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new Error(`'${value}' is not a valid ISO-8601 time`);
  return ms;
}

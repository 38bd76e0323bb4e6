import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The one logger. JSON lines on stdout (pino), level from LOG_LEVEL.
 * Components take a child: `logger.child({ component: 'ingest' })`.
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service: 'gridcast' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** A logger that drops everything: for unit tests of code that logs. */
export const silentLogger: Logger = pino({ level: 'silent' });

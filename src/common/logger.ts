import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/** How log lines look: `pretty` for a person at a terminal, `json` for collectors; `auto` picks by whether stdout is a terminal. */
export type LogFormat = 'auto' | 'pretty' | 'json';

/**
 * The one logger, level from LOG_LEVEL. JSON lines on stdout (pino) unless a person is reading: then
 * pino-pretty's one line per event. Components take a child: `logger.child({ component: 'ingest' })`.
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', format: LogFormat = 'auto'): Logger {
  const options = { level, base: { service: 'gridcast' }, timestamp: pino.stdTimeFunctions.isoTime };
  if (resolveLogFormat(format, process.stdout.isTTY === true) === 'json') return pino(options);
  // As a stream in this thread, not a transport worker: the lines written just before process.exit still show.
  return pino(options, pretty({ sync: true, singleLine: true, colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' }));
}

export function resolveLogFormat(format: LogFormat, stdoutIsTerminal: boolean): 'pretty' | 'json' {
  if (format !== 'auto') return format;
  return stdoutIsTerminal ? 'pretty' : 'json';
}

/** A logger that drops everything: for unit tests of code that logs. */
export const silentLogger: Logger = pino({ level: 'silent' });

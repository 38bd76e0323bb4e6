import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { IANAZone } from 'luxon';
import type { Output } from '../output.js';
import type { RunSummary } from '../summary.js';
import { NO_FAULTS } from '../faults.js';
import { parseTimeCell, resolveLocalTime } from './localTime.js';
import { telemetryTopic, type Reading, type ForecastTarget } from '../../src/contract/index.js';

export const UNIT_TO_KW = { W: 0.001, kW: 1, MW: 1000 } as const;
export type PowerUnit = keyof typeof UNIT_TO_KW;

export interface ReplaySource {
  csvPath: string;
  timeColumn: string;
  /** One meter per value column, in the same order as `meters`. */
  valueColumns: string[];
  /** Zone for times without an offset (and for DST); times with an offset keep it. */
  timeZone: string;
  /** Whether a row's time labels the start or the end of its interval (PJM labels the end). */
  timeLabel: 'start' | 'end';
  /** Interval length, for `timeLabel: 'end'`. */
  stepMs: number;
  unit: PowerUnit;
}

export interface ReplayRow {
  timeMs: number;
  /** kW per value column; undefined for an empty or non-numeric cell (a gap, kept as a gap). */
  valuesKw: (number | undefined)[];
}

export interface LoadedSeries {
  rows: ReplayRow[];
  skipped: { invalidTime: number; nonexistentLocalTime: number; emptyCells: number; nonNumericCells: number; duplicateTime: number };
  ambiguousLocalTimes: number;
}

export class ReplayInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayInputError';
  }
}

/** Reads the CSV into time-ordered rows in UTC, kW. Nothing is interpolated: gaps stay gaps. */
export async function loadReplaySeries(src: ReplaySource): Promise<LoadedSeries> {
  const zone = IANAZone.create(src.timeZone);
  if (!zone.isValid) throw new ReplayInputError(`--tz '${src.timeZone}' is not an IANA time zone (e.g. America/New_York, Europe/Berlin, UTC)`);
  const factor = UNIT_TO_KW[src.unit];
  const skipped = { invalidTime: 0, nonexistentLocalTime: 0, emptyCells: 0, nonNumericCells: 0, duplicateTime: 0 };
  let ambiguousLocalTimes = 0;
  const rows: ReplayRow[] = [];
  const parser = createReadStream(src.csvPath).pipe(parse({ columns: true, skip_empty_lines: true, trim: true, bom: true }));
  let checkedHeader = false;
  let previous: number | undefined;
  for await (const record of parser as AsyncIterable<Record<string, string>>) {
    if (!checkedHeader) {
      checkedHeader = true;
      const missing = [src.timeColumn, ...src.valueColumns].filter((c) => !(c in record));
      if (missing.length > 0) throw new ReplayInputError(`column(s) ${missing.join(', ')} not in ${src.csvPath}; it has: ${Object.keys(record).join(', ')}`);
    }
    const cell = parseTimeCell(record[src.timeColumn] ?? '');
    let timeMs: number;
    if (cell.kind === 'invalid') {
      skipped.invalidTime++;
      continue;
    } else if (cell.kind === 'instant') {
      timeMs = src.timeLabel === 'end' ? cell.ms - src.stepMs : cell.ms;
    } else {
      // Wall-clock time: an end label is turned into its interval's start on the wall clock, then resolved.
      const wall = src.timeLabel === 'end' ? cell.wallAsUtcMs - src.stepMs : cell.wallAsUtcMs;
      const resolved = resolveLocalTime(wall, zone, previous);
      if (!resolved.ok) {
        skipped.nonexistentLocalTime++;
        continue;
      }
      if (resolved.ambiguous) ambiguousLocalTimes++;
      timeMs = resolved.instantMs;
    }
    if (previous !== undefined && timeMs === previous) {
      skipped.duplicateTime++;
      continue;
    }
    previous = timeMs;
    const valuesKw = src.valueColumns.map((c) => {
      const text = record[c] ?? '';
      if (text === '') {
        skipped.emptyCells++;
        return undefined;
      }
      const v = Number(text);
      if (!Number.isFinite(v)) {
        skipped.nonNumericCells++;
        return undefined;
      }
      return Math.round(v * factor * 1e6) / 1e6;
    });
    rows.push({ timeMs, valuesKw });
  }
  rows.sort((a, b) => a.timeMs - b.timeMs);
  return { rows, skipped, ambiguousLocalTimes };
}

export interface ReplayTarget {
  site: string;
  feeder: string;
  meters: string[];
  kind: ForecastTarget;
}

export interface ReplayOptions {
  series: LoadedSeries;
  target: ReplayTarget;
  output: Output;
  /** Data seconds per real second; Infinity = as fast as possible. */
  speed: number;
  /** Readings per message per meter. */
  batch: number;
  /** Shift every time by this much (e.g. so the last row is now). */
  shiftMs: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Publishes a loaded series as telemetry, paced by `speed` relative to the data's own times. */
export async function runReplay(o: ReplayOptions): Promise<RunSummary> {
  const topics = o.target.meters.map((m) => telemetryTopic(o.target.site, o.target.feeder, m));
  const buffers: Reading[][] = topics.map(() => []);
  const started = performance.now();
  const realStart = Date.now();
  const firstMs = o.series.rows[0]?.timeMs ?? 0;
  let readings = 0;
  const flush = async (i: number) => {
    const batch = buffers[i]!;
    if (batch.length === 0) return;
    buffers[i] = [];
    await o.output.send(topics[i]!, batch);
    readings += batch.length;
  };
  const rows = o.series.rows;
  for (let n = 0; n < rows.length; n++) {
    if (o.signal?.aborted) break;
    const row = rows[n]!;
    if (Number.isFinite(o.speed)) {
      const due = realStart + (row.timeMs - firstMs) / o.speed;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    for (let i = 0; i < topics.length; i++) {
      const v = row.valuesKw[i];
      if (v === undefined) continue;
      buffers[i]!.push({ ts: row.timeMs + o.shiftMs, kind: o.target.kind, powerKw: v });
      if (buffers[i]!.length >= o.batch) await flush(i);
    }
    if (o.onProgress && (n % 1000 === 0 || n === rows.length - 1)) o.onProgress(n + 1, rows.length);
  }
  for (let i = 0; i < topics.length; i++) await flush(i);
  await o.output.close();
  const seconds = (performance.now() - started) / 1000;
  const { invalidTime, nonexistentLocalTime, emptyCells, nonNumericCells, duplicateTime } = o.series.skipped;
  return {
    published: o.output.messagesSent,
    readings,
    faults: { ...NO_FAULTS },
    malformedByReason: {},
    messagesPerSec: o.output.messagesSent / seconds,
    readingsPerSec: readings / seconds,
    seconds,
    ...(rows.length > 0 ? { simulatedFrom: new Date(rows[0]!.timeMs + o.shiftMs).toISOString(), simulatedTo: new Date(rows.at(-1)!.timeMs + o.shiftMs).toISOString() } : {}),
    skipped: { invalidTime, nonexistentLocalTime, emptyCells, nonNumericCells, duplicateTime },
  };
}

import { readFile } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { DateTime } from 'luxon';
import { WEATHER_FORECAST_VARIABLES, type WeatherForecastVariable } from '../../contract/index.js';
import { deaccumulateJoules, vintagedForecastTable, type WeatherForecastTable } from '../features/weatherForecast.js';

/**
 * Weather forecasts from CSV files, for backtests (`gridcast backtest --forecast-col`): columns of the
 * series' own file (GEFCom's convention: the value at t is a forecast for t available at the issue time),
 * or a file of issued runs with an issue-time and a lead column (GEFCom2012 wind's raw files), which keeps
 * every vintage so a day-ahead forecast sees only runs issued before it.
 */

/** Unit conversions a column may need on the way to the stored unit of its variable. */
export const FORECAST_COLUMN_TRANSFORMS = ['fahrenheit', 'kelvin', 'fraction', 'accumulated-j-m2'] as const;
export type ForecastColumnTransform = (typeof FORECAST_COLUMN_TRANSFORMS)[number];

export interface ForecastColumnSpec {
  column: string;
  variable: WeatherForecastVariable;
  transform?: ForecastColumnTransform;
}

export class ForecastColumnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForecastColumnError';
  }
}

/** `COLUMN:VARIABLE[:TRANSFORM]`, e.g. `VAR169:ghi_wm2:accumulated-j-m2` or `ws:wind_speed_10m_ms`. */
export function parseForecastColumnSpec(spec: string): ForecastColumnSpec {
  const [column, variable, transform, ...rest] = spec.split(':');
  if (!column || !variable || rest.length > 0) {
    throw new ForecastColumnError(`--forecast-col '${spec}': give COLUMN:VARIABLE[:TRANSFORM], e.g. VAR169:ghi_wm2:accumulated-j-m2`);
  }
  if (!(WEATHER_FORECAST_VARIABLES as readonly string[]).includes(variable)) {
    throw new ForecastColumnError(`--forecast-col '${spec}': variable '${variable}' is unknown; allowed: ${WEATHER_FORECAST_VARIABLES.join(', ')}`);
  }
  if (transform !== undefined && !(FORECAST_COLUMN_TRANSFORMS as readonly string[]).includes(transform)) {
    throw new ForecastColumnError(`--forecast-col '${spec}': transform '${transform}' is unknown; allowed: ${FORECAST_COLUMN_TRANSFORMS.join(', ')}`);
  }
  return { column, variable: variable as WeatherForecastVariable, ...(transform ? { transform: transform as ForecastColumnTransform } : {}) };
}

/** Converts a column (on a regular grid of `stepMs`) to its variable's unit. */
export function convertForecastColumn(values: Float64Array, transform: ForecastColumnTransform | undefined, stepMs: number): Float64Array {
  switch (transform) {
    case undefined:
      return values;
    case 'fahrenheit':
      return values.map((v) => ((v - 32) * 5) / 9);
    case 'kelvin':
      return values.map((v) => v - 273.15);
    case 'fraction':
      return values.map((v) => v * 100);
    case 'accumulated-j-m2':
      return deaccumulateJoules(values, stepMs);
  }
}

export interface VintagedCsvSource {
  path: string;
  /** Issue time of the run: ISO-8601, `YYYY-MM-DD HH:MM`, `YYYYMMDDHH` (GEFCom) or epoch ms. */
  issueColumn: string;
  /** Hours from the issue time to the hour forecast. */
  leadColumn: string;
  columns: readonly ForecastColumnSpec[];
  /** Zone of times without an offset. */
  timeZone: string;
  stepMs: number;
  source: string;
}

/** A file of issued runs → a table with every vintage. A `.zip` holding one CSV is read as that CSV. */
export async function loadVintagedForecastCsv(src: VintagedCsvSource): Promise<WeatherForecastTable> {
  const records = parse(await readCsvText(src.path), { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[];
  const first = records[0];
  if (!first) throw new ForecastColumnError(`${src.path} has no rows`);
  const missing = [src.issueColumn, src.leadColumn, ...src.columns.map((c) => c.column)].filter((c) => !(c in first));
  if (missing.length > 0) throw new ForecastColumnError(`column(s) ${missing.join(', ')} not in ${src.path}; it has: ${Object.keys(first).join(', ')}`);
  const accumulated = src.columns.filter((c) => c.transform === 'accumulated-j-m2');
  if (accumulated.length > 0) throw new ForecastColumnError(`accumulated-j-m2 is for columns on the series' grid; a file of runs (${src.path}) needs per-run values`);
  const rows = [];
  for (const r of records) {
    const issuedAtMs = parseTime(r[src.issueColumn]!, src.timeZone);
    const lead = Number(r[src.leadColumn]);
    if (!Number.isFinite(issuedAtMs) || !Number.isFinite(lead)) throw new ForecastColumnError(`${src.path}: bad issue time '${r[src.issueColumn]}' or lead '${r[src.leadColumn]}'`);
    const values: Partial<Record<WeatherForecastVariable, number>> = {};
    for (const c of src.columns) {
      const v = Number(r[c.column]);
      if (r[c.column] !== '' && Number.isFinite(v)) values[c.variable] = convertForecastColumn(Float64Array.of(v), c.transform, src.stepMs)[0]!;
    }
    rows.push({ issuedAtMs, timeMs: issuedAtMs + lead * 3_600_000, values });
  }
  return vintagedForecastTable(src.source, src.stepMs, rows);
}

function parseTime(text: string, zone: string): number {
  if (/^\d{10}$/.test(text)) {
    return DateTime.fromFormat(text, 'yyyyMMddHH', { zone }).toMillis();
  }
  if (/^\d{11,15}$/.test(text)) return Number(text);
  const iso = DateTime.fromISO(text.replace(' ', 'T'), { zone });
  return iso.isValid ? iso.toMillis() : Number.NaN;
}

/** The file's text; a zip is expected to hold one file (stored or deflated), as GEFCom ships its CSVs. */
async function readCsvText(path: string): Promise<string> {
  const bytes = await readFile(path);
  if (!path.toLowerCase().endsWith('.zip')) return bytes.toString('utf8');
  // Local file header: signature, …, method at 8, compressed size at 18, name length at 26, extra at 28.
  if (bytes.readUInt32LE(0) !== 0x04034b50) throw new ForecastColumnError(`${path} is not a zip file`);
  const method = bytes.readUInt16LE(8);
  const nameLength = bytes.readUInt16LE(26);
  const extraLength = bytes.readUInt16LE(28);
  const dataStart = 30 + nameLength + extraLength;
  // Sizes may sit in a data descriptor instead (flag bit 3); the central directory always has them.
  const centralSize = centralDirectorySize(bytes);
  const data = bytes.subarray(dataStart, dataStart + centralSize);
  if (method === 0) return data.toString('utf8');
  if (method === 8) return inflateRawSync(data).toString('utf8');
  throw new ForecastColumnError(`${path}: zip compression method ${method} is not supported (unzip it first)`);
}

/** Compressed size of the first entry, from the central directory (end record at the file's end). */
function centralDirectorySize(bytes: Buffer): number {
  for (let i = bytes.length - 22; i >= 0; i--) {
    if (bytes.readUInt32LE(i) === 0x06054b50) {
      const centralOffset = bytes.readUInt32LE(i + 16);
      return bytes.readUInt32LE(centralOffset + 20);
    }
  }
  throw new ForecastColumnError('zip file without a central directory');
}

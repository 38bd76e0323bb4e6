import { open, rm, type FileHandle } from 'node:fs/promises';
import { DuckDBInstance, DuckDBTimestampTZValue, type DuckDBAppender } from '@duckdb/node-api';
import { csvRow } from '../api/csv.js';
import { errorMessage } from '../common/errors.js';
import { FORECAST_TARGETS, forecastLeadHours, SITE_TOTAL_FEEDER, TAG_NAMES, TELEMETRY_FIELDS, type ForecastTarget } from '../contract/index.js';
import type { Stores } from '../storage/index.js';

/**
 * Exports of stored data to a file, through the store interfaces (so the same on DuckDB and InfluxDB):
 * telemetry as stored, forecasts (every issue, model and lead), forecast scores (`forecast_error`). CSV is
 * written as it is read; Parquet goes through an in-memory DuckDB table (appender) and
 * `COPY (SELECT …) TO … (FORMAT PARQUET)`.
 */
export const EXPORT_KINDS = ['telemetry', 'forecasts', 'scores'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];
export const EXPORT_FORMATS = ['csv', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportRequest {
  what: ExportKind;
  /** Inclusive start (reading time, forecast target time, scored step time), epoch ms. */
  fromMs: number;
  /** Exclusive end, epoch ms. */
  toMs: number;
  /** Only this site; all sites otherwise. */
  site?: string;
  format: ExportFormat;
  /** The file written (replaced if it exists). */
  out: string;
}

export interface ExportSummary {
  what: ExportKind;
  format: ExportFormat;
  out: string;
  rows: number;
  columns: string[];
}

/** The output file can't be created or written; nothing of the export was kept. */
export class ExportFileError extends Error {
  constructor(
    readonly path: string,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'ExportFileError';
  }
}

type ColumnType = 'VARCHAR' | 'TIMESTAMPTZ' | 'INTEGER' | 'DOUBLE';
interface Column {
  name: string;
  type: ColumnType;
}
/** A cell: text, a number, or a time (epoch ms, in a TIMESTAMPTZ column); undefined is empty (NULL). */
type Cell = string | number | undefined;

interface ExportTable {
  columns: readonly Column[];
  /** The rows, a batch at a time, in the order written. */
  batches(): AsyncIterable<Cell[][]>;
}

const col = (name: string, type: ColumnType): Column => ({ name, type });
const DAY_MS = 86_400_000;

/** Telemetry as stored: one row per series and time, a column per field (names carry the units). */
export const TELEMETRY_COLUMNS: readonly Column[] = [col('time', 'TIMESTAMPTZ'), ...TAG_NAMES.map((t) => col(t, 'VARCHAR')), ...TELEMETRY_FIELDS.map((f) => col(f, 'DOUBLE'))];
export const FORECAST_COLUMNS: readonly Column[] = [
  ...['site', 'feeder', 'target', 'model'].map((n) => col(n, 'VARCHAR')),
  col('issued_at', 'TIMESTAMPTZ'),
  col('time', 'TIMESTAMPTZ'),
  col('lead_hours', 'INTEGER'),
  ...['p10_kw', 'p50_kw', 'p90_kw', 'band_scale_lower', 'band_scale_upper'].map((n) => col(n, 'DOUBLE')),
];
export const SCORE_COLUMNS: readonly Column[] = [
  ...['site', 'feeder', 'target', 'model'].map((n) => col(n, 'VARCHAR')),
  col('issued_at', 'TIMESTAMPTZ'),
  col('time', 'TIMESTAMPTZ'),
  col('lead_hours', 'INTEGER'),
  ...['actual_kw', 'p50_kw', 'error_kw', 'abs_error_kw', 'ape_pct', 'in_band', 'pinball_kw'].map((n) => col(n, 'DOUBLE')),
];

/** Reads what `req` asks for from the stores and writes it to `req.out`. ExportFileError when the file can't be written. */
export async function exportData(stores: Pick<Stores, 'telemetry' | 'forecasts'>, req: ExportRequest): Promise<ExportSummary> {
  const table = exportTable(stores, req);
  const rows = req.format === 'csv' ? await writeCsv(table, req.out) : await writeParquet(table, req.out);
  return { what: req.what, format: req.format, out: req.out, rows, columns: table.columns.map((c) => c.name) };
}

function exportTable(stores: Pick<Stores, 'telemetry' | 'forecasts'>, req: ExportRequest): ExportTable {
  const where = req.site === undefined ? {} : { site: req.site };
  if (req.what === 'telemetry') {
    return {
      columns: TELEMETRY_COLUMNS,
      // A day at a time: memory stays bounded, and the rows stay in time order.
      async *batches() {
        for (let from = req.fromMs; from < req.toMs; from += DAY_MS) {
          const points = await stores.telemetry.readPoints({ fromMs: from, toMs: Math.min(from + DAY_MS, req.toMs), where });
          yield points.map((p) => [p.timeMs, ...TAG_NAMES.map((t) => p[t]), ...TELEMETRY_FIELDS.map((f) => p.fields[f])]);
        }
      },
    };
  }
  const range = { fromMs: req.fromMs, toMs: req.toMs };
  if (req.what === 'forecasts') {
    return {
      columns: FORECAST_COLUMNS,
      async *batches() {
        for (const s of await forecastSeries(stores, req.site)) {
          const points = await stores.forecasts.readForecastHistory({ ...s, ...range });
          yield points.map((p) => [p.site, p.feeder, p.target, p.model, p.issuedAtMs, p.timeMs, forecastLeadHours(p), p.p10Kw, p.p50Kw, p.p90Kw, p.bandScaleLower ?? 1, p.bandScaleUpper ?? 1]);
        }
      },
    };
  }
  return {
    columns: SCORE_COLUMNS,
    async *batches() {
      for (const s of await forecastSeries(stores, req.site)) {
        const points = await stores.forecasts.readForecastErrors({ ...s, ...range });
        yield points.map((p) => [p.site, p.feeder, p.target, p.model, p.issuedAtMs, p.timeMs, forecastLeadHours(p), p.actualKw, p.p50Kw, p.errorKw, p.absErrorKw, p.apePct, p.inBand, p.pinballKw]);
      }
    },
  };
}

interface SeriesRef {
  site: string;
  feeder: string;
  target: ForecastTarget;
}

/**
 * The forecast series that can hold data: forecasts are made for series with telemetry (the site total
 * and each feeder), so every site and feeder with telemetry, and `all`, for every target; with a site
 * asked for, its total always. Sorted by site, feeder, target.
 */
async function forecastSeries(stores: Pick<Stores, 'telemetry'>, site: string | undefined): Promise<SeriesRef[]> {
  const keys = await stores.telemetry.listSeries(site === undefined ? undefined : { site });
  const out = new Map<string, SeriesRef>();
  const add = (s: string, feeder: string) => {
    for (const target of FORECAST_TARGETS) out.set(JSON.stringify([s, feeder, target]), { site: s, feeder, target });
  };
  if (site !== undefined) add(site, SITE_TOTAL_FEEDER);
  for (const k of keys) {
    add(k.site, SITE_TOTAL_FEEDER);
    add(k.site, k.feeder);
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
}

/** Opens (creates or truncates) the output file, or says why it can't. */
async function openOut(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'w');
  } catch (err) {
    throw new ExportFileError(path, `cannot write '${path}': ${errorMessage(err)}`, err);
  }
}

async function writeCsv(table: ExportTable, path: string): Promise<number> {
  const file = await openOut(path);
  let rows = 0;
  try {
    const types = table.columns.map((c) => c.type);
    await file.write(`${csvRow(table.columns.map((c) => c.name))}\r\n`);
    for await (const batch of table.batches()) {
      if (batch.length === 0) continue;
      await file.write(batch.map((r) => `${csvRow(r.map((v, i) => (types[i] === 'TIMESTAMPTZ' && typeof v === 'number' ? new Date(v).toISOString() : v)))}\r\n`).join(''));
      rows += batch.length;
    }
  } catch (err) {
    await file.close().catch(() => undefined);
    await rm(path, { force: true });
    throw err;
  }
  await file.close();
  return rows;
}

async function writeParquet(table: ExportTable, path: string): Promise<number> {
  // Fails early (and clearly) on an unwritable path, before anything is read.
  await (await openOut(path)).close();
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  let rows = 0;
  try {
    await conn.run(`CREATE TABLE export_rows (${table.columns.map((c) => `"${c.name}" ${c.type}`).join(', ')})`);
    const appender = await conn.createAppender('export_rows');
    try {
      for await (const batch of table.batches()) {
        for (const row of batch) appendRow(appender, table.columns, row);
        rows += batch.length;
      }
    } finally {
      appender.closeSync();
    }
    // COPY takes no parameter for its file: the path goes in as a quoted SQL string.
    const target = `'${path.replace(/'/g, "''")}'`;
    try {
      await conn.run(`COPY (SELECT * FROM export_rows) TO ${target} (FORMAT PARQUET)`);
    } catch (err) {
      throw new ExportFileError(path, `cannot write Parquet to '${path}': ${errorMessage(err)}`, err);
    }
  } catch (err) {
    await rm(path, { force: true });
    throw err;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return rows;
}

function appendRow(appender: DuckDBAppender, columns: readonly Column[], row: readonly Cell[]): void {
  columns.forEach((c, i) => {
    const v = row[i];
    if (v === undefined || (typeof v === 'number' && !Number.isFinite(v))) appender.appendNull();
    else if (c.type === 'VARCHAR') appender.appendVarchar(String(v));
    else if (c.type === 'TIMESTAMPTZ') appender.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt(v) * 1000n));
    else if (c.type === 'INTEGER') appender.appendInteger(Number(v));
    else appender.appendDouble(Number(v));
  });
  appender.endRow();
}

/**
 * What every store holds, in the same names everywhere (the telemetry contract in README.md):
 * measurement `telemetry`, tags site/feeder/meter/kind, float fields in snake_case units,
 * time in epoch milliseconds UTC.
 */
export const TELEMETRY_MEASUREMENT = 'telemetry';

export const TAG_NAMES = ['site', 'feeder', 'meter', 'kind'] as const;
export type TagName = (typeof TAG_NAMES)[number];

export const READING_KINDS = ['load', 'pv', 'wind', 'battery', 'weather'] as const;
export type ReadingKind = (typeof READING_KINDS)[number];

export const TELEMETRY_FIELDS = [
  'power_kw',
  'energy_kwh',
  'voltage_v',
  'soc_pct',
  'temperature_c',
  'irradiance_wm2',
  'wind_speed_ms',
] as const;
export type TelemetryField = (typeof TELEMETRY_FIELDS)[number];

export interface SeriesKey {
  site: string;
  feeder: string;
  meter: string;
  kind: ReadingKind;
}

/** One stored reading: a series, a time and at least one field. */
export interface TelemetryPoint extends SeriesKey {
  timeMs: number;
  fields: Partial<Record<TelemetryField, number>>;
}

export const AGGREGATES = ['mean', 'min', 'max', 'sum', 'count', 'last'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

export interface TelemetryQuery {
  field: TelemetryField;
  /** Inclusive start, epoch ms. */
  fromMs: number;
  /** Exclusive end, epoch ms. */
  toMs: number;
  /** Exact-match tag filters; omitted tags match everything. */
  where?: Partial<Record<TagName, string>>;
  /** Bucket width; buckets are aligned to the Unix epoch in every store. */
  bucketMs: number;
  aggregate: Aggregate;
  /** One output series per distinct combination of these tags (none: one series over everything matched). */
  groupBy?: readonly TagName[];
}

export interface BucketValue {
  /** Start of the bucket, epoch ms. */
  timeMs: number;
  value: number;
}

export interface TelemetrySeries {
  tags: Partial<Record<TagName, string>>;
  /** Buckets in time order; buckets without data are left out. */
  points: BucketValue[];
}

export interface SeriesLastSeen extends SeriesKey {
  /** Time of the latest stored reading, epoch ms. */
  lastSeenMs: number;
}

export interface StoreHealth {
  ok: boolean;
  engine: 'influxdb' | 'duckdb';
  version?: string;
  error?: string;
}

/**
 * The one interface between the pipeline and a database. Implementations: InfluxDB (1.x/2.x/3.x)
 * and embedded DuckDB, held to one contract suite (test/integration/storeContract.ts).
 */
export interface TelemetryStore extends ForecastStore, DispatchStore, IngestStatsStore, LockStore {
  readonly engine: 'influxdb' | 'duckdb';
  /** Connects, detects the server and creates the database/tables if missing. */
  init(): Promise<void>;
  /**
   * Writes a batch. Same series and time as an existing point overwrites the fields given.
   * Throws StoreUnavailableError (retry later) or StoreRejectedError (the data itself was refused).
   */
  writePoints(points: readonly TelemetryPoint[]): Promise<void>;
  /** Aggregates one field into time buckets. Throws InvalidQueryError on bad input. */
  queryTelemetry(query: TelemetryQuery): Promise<TelemetrySeries[]>;
  /** Every series (site, feeder, meter, kind) that has data, sorted. */
  listSeries(where?: Partial<Record<TagName, string>>): Promise<SeriesKey[]>;
  /** listSeries with the time of each series' latest reading (any field): the API's "last seen". */
  lastSeen(where?: Partial<Record<TagName, string>>): Promise<SeriesLastSeen[]>;
  health(): Promise<StoreHealth>;
  /** Flushes pending writes and releases connections. */
  close(): Promise<void>;
}

/**
 * Forecasts, as stored: measurement `forecast`, tags `site`, `feeder` (`all` for the site total),
 * `target`, `model`, `lead` (whole hours from issue to target time, 0–168: bounds the series count the
 * way OpenSTEF's horizon tag does), fields `p10_kw`, `p50_kw`, `p90_kw`, `issued_at_ms`; time = the
 * start of the forecast step. Every issued forecast stays retrievable by its issue time.
 */
export const FORECAST_MEASUREMENT = 'forecast';
export const SITE_TOTAL_FEEDER = 'all';
export const MAX_FORECAST_LEAD_HOURS = 168;

export interface ForecastPoint {
  site: string;
  /** A feeder id, or `all` for the site total. */
  feeder: string;
  target: 'load' | 'pv' | 'wind';
  /** The model (or baseline) that produced it: which one serves is visible wherever forecasts are read. */
  model: string;
  issuedAtMs: number;
  /** Start of the forecast step. */
  timeMs: number;
  p10Kw: number;
  p50Kw: number;
  p90Kw: number;
}

export interface ForecastQuery {
  site: string;
  feeder: string;
  target: ForecastPoint['target'];
  /** Inclusive start of the target times, epoch ms. */
  fromMs: number;
  /** Exclusive end. */
  toMs: number;
  /**
   * "What did we forecast as of this instant?": for each target time, the forecast with the latest
   * issue time at or before `asOfMs`. Undefined: the latest issued, whatever its time.
   */
  asOfMs?: number;
}

/** Every stored point of one site/feeder/target in a range of target times: no as-of, no reduction. */
export type ForecastHistoryQuery = Omit<ForecastQuery, 'asOfMs'>;

/**
 * Forecast scores, as stored: measurement `forecast_error`, one point per scored forecast step (the
 * forecast job's scoring, src/forecast/scoring.ts; read by the Grafana accuracy dashboard). Tags `site`,
 * `feeder`, `target`, `model`, `lead` as in `forecast`; float fields `actual_kw`, `p50_kw`, `error_kw`,
 * `abs_error_kw`, `ape_pct`, `in_band`, `pinball_kw`, `issued_at_ms`; time = the start of the step.
 * InfluxQL can't join `forecast` with `telemetry`, which is why the pairs are stored.
 */
export const FORECAST_ERROR_MEASUREMENT = 'forecast_error';
export const FORECAST_ERROR_FIELDS = ['actual_kw', 'p50_kw', 'error_kw', 'abs_error_kw', 'ape_pct', 'in_band', 'pinball_kw', 'issued_at_ms'] as const;
export type ForecastErrorField = (typeof FORECAST_ERROR_FIELDS)[number];

export interface ForecastErrorPoint {
  site: string;
  feeder: string;
  target: ForecastPoint['target'];
  /** The model or baseline that made the forecast scored. */
  model: string;
  /** Issue time of the forecast scored; the lead tag is forecastLeadHours() of it, as in `forecast`. */
  issuedAtMs: number;
  /** Start of the step scored. */
  timeMs: number;
  /** The observed mean power of the step (the series the models train on). */
  actualKw: number;
  p50Kw: number;
  /** p50 − actual: above zero the forecast ran high. */
  errorKw: number;
  absErrorKw: number;
  /** 100·|p50 − actual|/|actual|; undefined for a near-zero actual (MAPE's rule, src/forecast/evaluation/metrics.ts). */
  apePct?: number;
  /** 1 when p10 ≤ actual ≤ p90, else 0 (its mean is the band coverage). */
  inBand: 0 | 1;
  /** Mean pinball loss over P10, P50 and P90. */
  pinballKw: number;
}

/** Forecast storage, part of every store (InfluxDB and DuckDB alike). */
export interface ForecastStore {
  writeForecasts(points: readonly ForecastPoint[]): Promise<void>;
  /** One point per target time (sorted by time), as of `asOfMs`. Throws InvalidQueryError on bad input. */
  readForecasts(query: ForecastQuery): Promise<ForecastPoint[]>;
  /**
   * Every stored point in the range, of every model and lead (what scoring needs: each issued forecast,
   * not the latest per time), sorted by time, then issue time, then model. Throws InvalidQueryError.
   */
  readForecastHistory(query: ForecastHistoryQuery): Promise<ForecastPoint[]>;
  /**
   * Writes scores to `forecast_error`. Same site, feeder, target, model, lead and time overwrites the
   * fields given (so re-scoring a window is idempotent). StoreRejectedError on a bad point, whole batch.
   */
  writeForecastErrors(points: readonly ForecastErrorPoint[]): Promise<void>;
  /** The scores in a range of step times, every model and lead, sorted like readForecastHistory. */
  readForecastErrors(query: ForecastHistoryQuery): Promise<ForecastErrorPoint[]>;
}

/**
 * A named lease so that one instance at a time does a job (training) when several share a store.
 * Leases expire, so a crashed holder can't block the job forever.
 */
export interface LockStore {
  /** True when `holder` now holds `name` until `nowMs + ttlMs` (re-acquiring your own lease extends it). */
  tryAcquireLock(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Releases the lease if `holder` holds it. */
  releaseLock(name: string, holder: string): Promise<void>;
}

/**
 * Dispatch plans, as stored. Measurement `dispatch`: one point per plan step and asset, tags `site`,
 * `asset` (`site` for site-wide values, else a battery or generator id), `lead` (whole hours from issue
 * to step, as for forecasts), numeric fields in snake_case units (power_kw, soc_kwh, on, import_kw, …)
 * plus `issued_at_ms`; for dashboards. Measurement `dispatch_plan`: one point per plan at its issue
 * time, tag `site`, field `plan_json` (the whole plan, src/dispatch/plan.ts): what the API serves.
 */
export const DISPATCH_MEASUREMENT = 'dispatch';
export const DISPATCH_PLAN_MEASUREMENT = 'dispatch_plan';
export const SITE_ASSET = 'site';

export interface DispatchStepPoint {
  site: string;
  asset: string;
  issuedAtMs: number;
  /** Start of the plan step. */
  timeMs: number;
  fields: Record<string, number>;
}

export interface StoredDispatchPlan {
  site: string;
  issuedAtMs: number;
  /** The whole plan as JSON, as src/dispatch/plan.ts defines it. */
  planJson: string;
  steps: readonly DispatchStepPoint[];
}

export interface DispatchPlanQuery {
  site: string;
  /** The latest plan issued at or before this instant; undefined: the latest. */
  asOfMs?: number;
}

/** Dispatch plan storage, part of every store. */
export interface DispatchStore {
  writeDispatchPlan(plan: StoredDispatchPlan): Promise<void>;
  /** Undefined when no plan matches. */
  readDispatchPlan(query: DispatchPlanQuery): Promise<{ site: string; issuedAtMs: number; planJson: string } | undefined>;
}

/**
 * Ingesters' own figures, sampled every INGEST_STATS_INTERVAL_SECONDS, for the ingestion-health
 * dashboard (what Prometheus would scrape, kept next to the data for sites without Prometheus).
 * Measurement `ingest_stats`, tag `ingester` (its MQTT client id), numeric snake_case fields (counters
 * since the ingester started, spool depth, lag; src/ingest/ingestStats.ts names them), time = sampled at.
 */
export const INGEST_STATS_MEASUREMENT = 'ingest_stats';

export interface IngestStatsPoint {
  ingester: string;
  timeMs: number;
  fields: Record<string, number>;
}

/** Ingest statistics storage, part of every store. */
export interface IngestStatsStore {
  /** Throws StoreRejectedError on a bad name or value, StoreUnavailableError when the store is down. */
  writeIngestStats(points: readonly IngestStatsPoint[]): Promise<void>;
}

import { InvalidQueryError, StoreRejectedError } from '../../common/errors.js';
import {
  ID_ALLOWED,
  ID_PATTERN,
  MAX_FORECAST_LEAD_HOURS,
  WEATHER_FORECAST_VARIABLES,
  forecastLeadHours,
  storedNameProblem,
  type WeatherForecastPoint,
  type WeatherForecastVariable,
} from '../../contract/index.js';
import type { WeatherForecastQuery } from './store.js';

/**
 * Weather forecast rules shared by both engines, pure: both accept, refuse and pick exactly the same
 * points (held to test/integration/storage/contract/weatherForecasts.ts).
 */

const HOUR_MS = 3_600_000;
const VARIABLES: ReadonlySet<string> = new Set(WEATHER_FORECAST_VARIABLES);

/** Why `source` can't be a stored source name (the id rule, as the contract says), or undefined. */
function sourceProblem(source: unknown): string | undefined {
  return typeof source === 'string' && ID_PATTERN.test(source) ? undefined : `must be ${ID_ALLOWED}`;
}

/**
 * Checks a batch before any store writes it: StoreRejectedError (retrying can't help) naming the first
 * bad point. Returns each point's lead in hours, in batch order.
 */
export function validateWeatherForecastPoints(points: readonly WeatherForecastPoint[]): number[] {
  return points.map((p, i) => {
    const where = `weather forecast point ${i} (${String(p.site)}/${String(p.source)} at ${String(p.timeMs)})`;
    const siteProblem = storedNameProblem(p.site);
    if (siteProblem) throw new StoreRejectedError(`${where}: site ${siteProblem}`);
    const badSource = sourceProblem(p.source);
    if (badSource) throw new StoreRejectedError(`${where}: source ${badSource}`);
    if (!Number.isSafeInteger(p.timeMs) || !Number.isSafeInteger(p.issuedAtMs)) {
      throw new StoreRejectedError(`${where}: timeMs and issuedAtMs must be integer epoch ms`);
    }
    // One point per hour is what the read promises; a half-hour time would be a second point for the same hour.
    if (p.timeMs % HOUR_MS !== 0) throw new StoreRejectedError(`${where}: timeMs must be the start of an hour (UTC)`);
    const lead = forecastLeadHours(p);
    if (lead < 0 || lead > MAX_FORECAST_LEAD_HOURS) {
      throw new StoreRejectedError(`${where}: lead ${lead} h is outside 0–${MAX_FORECAST_LEAD_HOURS} h (issued at ${p.issuedAtMs})`);
    }
    const entries = typeof p.values === 'object' && p.values !== null ? Object.entries(p.values) : [];
    if (entries.length === 0) throw new StoreRejectedError(`${where}: values must hold at least one of ${WEATHER_FORECAST_VARIABLES.join(', ')}`);
    for (const [name, value] of entries) {
      // InfluxDB would make a new field of any name: only the contract's variables are stored.
      if (!VARIABLES.has(name)) throw new StoreRejectedError(`${where}: unknown variable '${name}'; allowed: ${WEATHER_FORECAST_VARIABLES.join(', ')}`);
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new StoreRejectedError(`${where}: ${name} is not a finite number`);
    }
    return lead;
  });
}

/** Checks a read before any store builds SQL/InfluxQL from it: InvalidQueryError otherwise. */
export function validateWeatherForecastQuery(q: WeatherForecastQuery): void {
  const siteProblem = storedNameProblem(q.site);
  if (siteProblem) throw new InvalidQueryError(`weather forecast query: site ${siteProblem}`);
  if (q.source !== undefined) {
    const badSource = sourceProblem(q.source);
    if (badSource) throw new InvalidQueryError(`weather forecast query: source ${badSource}`);
  }
  if (!Number.isSafeInteger(q.fromMs) || !Number.isSafeInteger(q.toMs) || q.fromMs >= q.toMs) {
    throw new InvalidQueryError(`weather forecast query: time range must be integer epoch ms with fromMs < toMs (got ${q.fromMs}..${q.toMs})`);
  }
  if (q.asOfMs !== undefined && !Number.isSafeInteger(q.asOfMs)) {
    throw new InvalidQueryError(`weather forecast query: asOfMs must be integer epoch ms (got ${q.asOfMs})`);
  }
}

/**
 * For each hour, the point with the greatest issuedAtMs at or before `asOfMs` (any issue time when
 * undefined); sorted by time. Equal issue times (only possible across sources) go to the source that sorts
 * first, so the answer is deterministic and the same as DuckDB's.
 */
export function latestWeatherPerHour(points: Iterable<WeatherForecastPoint>, asOfMs?: number): WeatherForecastPoint[] {
  const best = new Map<number, WeatherForecastPoint>();
  for (const p of points) {
    if (asOfMs !== undefined && p.issuedAtMs > asOfMs) continue;
    const current = best.get(p.timeMs);
    if (!current || p.issuedAtMs > current.issuedAtMs || (p.issuedAtMs === current.issuedAtMs && p.source < current.source)) best.set(p.timeMs, p);
  }
  return [...best.values()].sort((a, b) => a.timeMs - b.timeMs);
}

/** The stored values of a row (absent or null columns left out), keyed by variable. */
export function valuesOf(get: (variable: WeatherForecastVariable) => unknown): WeatherForecastPoint['values'] {
  const values: WeatherForecastPoint['values'] = {};
  for (const v of WEATHER_FORECAST_VARIABLES) {
    const raw = get(v);
    if (raw !== null && raw !== undefined) values[v] = Number(raw);
  }
  return values;
}

import type { WeatherForecastPoint } from '../contract/index.js';
import {
  OPEN_METEO_SOURCE,
  OPEN_METEO_VARIABLES,
  fetchOpenMeteo,
  openMeteoHourlySchema,
  openMeteoTimeMs,
  openMeteoValues,
  type OpenMeteoColumn,
  type OpenMeteoResponse,
  type OpenMeteoSite,
} from './openMeteo.js';

/**
 * Past vintages from Open-Meteo's Previous Runs API (https://open-meteo.com/en/docs/previous-runs-api):
 * `<variable>_previous_dayN` is "the value that was predicted N×24 hours before valid time", at fixed
 * lead-time offsets of 1–7 days. Each is stored as its own issue, issued exactly N×24 h before the hour
 * (lead 24·N h), so as-of reads over a backfilled range see, for each hour, the shortest offset issued by
 * then. Open-Meteo counts the offset from the model run, which became available a few hours later (4–6 h
 * for global models): a backfilled vintage may be used up to that much earlier than it was really known.
 */

const DAY_MS = 86_400_000;
export const MAX_PREVIOUS_RUN_DAYS = 7;

export interface PreviousRunsOptions {
  /** e.g. https://previous-runs-api.open-meteo.com (WEATHER_FORECAST_PREVIOUS_RUNS_URL). */
  baseUrl: string;
  apiKey?: string;
  /** Offsets 1..days (1–7). */
  days: number;
  timeoutMs?: number;
}

/** The columns of offset N: every variable with `_previous_dayN`. */
function offsetColumns(n: number): OpenMeteoColumn[] {
  return OPEN_METEO_VARIABLES.map((v) => ({ name: `${v}_previous_day${n}`, variable: v }));
}
const offsets = (days: number) => Array.from({ length: days }, (_, k) => k + 1);

/** The request for one site and an inclusive range of UTC dates (YYYY-MM-DD). */
export function previousRunsUrl(site: OpenMeteoSite, fromDate: string, toDate: string, opts: PreviousRunsOptions): URL {
  const url = new URL('/v1/forecast', opts.baseUrl);
  url.searchParams.set('latitude', String(site.latitude));
  url.searchParams.set('longitude', String(site.longitude));
  url.searchParams.set('hourly', offsets(opts.days).flatMap((n) => offsetColumns(n).map((c) => c.name)).join(','));
  url.searchParams.set('start_date', fromDate);
  url.searchParams.set('end_date', toDate);
  url.searchParams.set('timezone', 'UTC');
  url.searchParams.set('wind_speed_unit', 'ms');
  if (opts.apiKey) url.searchParams.set('apikey', opts.apiKey);
  return url;
}

/** One point per hour and offset that has any value: issued N×24 h before the hour. */
export function previousRunsToPoints(siteId: string, body: OpenMeteoResponse, days: number): WeatherForecastPoint[] {
  const points: WeatherForecastPoint[] = [];
  for (const n of offsets(days)) {
    const columns = offsetColumns(n);
    body.hourly.time.forEach((_, i) => {
      const timeMs = openMeteoTimeMs(body, i);
      const values = openMeteoValues(body, columns, i);
      if (Object.keys(values).length > 0) points.push({ site: siteId, source: OPEN_METEO_SOURCE, issuedAtMs: timeMs - n * DAY_MS, timeMs, values });
    });
  }
  return points;
}

/** Fetches one site's past vintages for the dates (WeatherSourceError naming site and URL on failure). */
export async function fetchPreviousRuns(site: OpenMeteoSite, fromDate: string, toDate: string, opts: PreviousRunsOptions, fetchImpl: typeof fetch = fetch): Promise<WeatherForecastPoint[]> {
  const schema = openMeteoHourlySchema(offsets(opts.days).flatMap(offsetColumns));
  const body = await fetchOpenMeteo(site, previousRunsUrl(site, fromDate, toDate, opts), schema, 'previous runs', opts.timeoutMs ?? 120_000, fetchImpl);
  return previousRunsToPoints(site.id, body, opts.days);
}

/** [from, to] (inclusive UTC dates) in windows of at most `maxDays` days, so no answer grows large. */
export function dateWindows(fromDate: string, toDate: string, maxDays = 31): [string, string][] {
  const windows: [string, string][] = [];
  const end = Date.parse(`${toDate}T00:00:00Z`);
  for (let start = Date.parse(`${fromDate}T00:00:00Z`); start <= end; start += maxDays * DAY_MS) {
    windows.push([iso(start), iso(Math.min(end, start + (maxDays - 1) * DAY_MS))]);
  }
  return windows;
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

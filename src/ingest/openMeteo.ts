import { z } from 'zod';
import { WeatherSourceError, errorMessage } from '../common/errors.js';
import { MAX_FORECAST_LEAD_HOURS, type WeatherForecastPoint, type WeatherForecastVariable } from '../contract/index.js';

/**
 * Open-Meteo's forecast API (https://open-meteo.com/en/docs) as a weather forecast source: the request
 * URL, the documented JSON response as a zod schema, and its conversion to stored points are pure; one
 * thin fetch at the end. Open-Meteo does not say when the model run behind an answer was issued, so a
 * fetch counts as issued at its own time, truncated to the hour: what was *available* then, which is
 * what as-of reads need (a backtest never sees a forecast before it could have been fetched).
 */

export const OPEN_METEO_SOURCE = 'open-meteo';
const HOUR_MS = 3_600_000;

/** Open-Meteo hourly variable → stored variable. */
export const OPEN_METEO_HOURLY = {
  temperature_2m: 'temperature_c',
  shortwave_radiation: 'ghi_wm2',
  direct_radiation: 'direct_wm2',
  diffuse_radiation: 'diffuse_wm2',
  cloud_cover: 'cloud_cover_pct',
  wind_speed_10m: 'wind_speed_10m_ms',
  wind_speed_100m: 'wind_speed_100m_ms',
  wind_direction_100m: 'wind_direction_100m_deg',
} as const satisfies Record<string, WeatherForecastVariable>;
export type OpenMeteoVariable = keyof typeof OPEN_METEO_HOURLY;
export const OPEN_METEO_VARIABLES = Object.keys(OPEN_METEO_HOURLY) as OpenMeteoVariable[];
const VARIABLES = OPEN_METEO_VARIABLES;

/**
 * The units each variable may come in (hourly_units) and how to reach the stored unit. We ask for °C and
 * m/s, but a proxy or an older self-hosted server might ignore wind_speed_unit: convert what is known,
 * refuse anything else rather than store it in the wrong unit.
 */
const UNIT_CONVERSIONS: Record<OpenMeteoVariable, Record<string, (v: number) => number>> = {
  temperature_2m: { '°C': (v) => v, '°F': (v) => ((v - 32) * 5) / 9 },
  shortwave_radiation: { 'W/m²': (v) => v },
  direct_radiation: { 'W/m²': (v) => v },
  diffuse_radiation: { 'W/m²': (v) => v },
  cloud_cover: { '%': (v) => v },
  wind_speed_10m: { 'm/s': (v) => v, 'km/h': (v) => v / 3.6 },
  wind_speed_100m: { 'm/s': (v) => v, 'km/h': (v) => v / 3.6 },
  wind_direction_100m: { '°': (v) => v },
};

export interface OpenMeteoSite {
  id: string;
  latitude: number;
  longitude: number;
}

export interface OpenMeteoOptions {
  /** Base URL, e.g. https://api.open-meteo.com (WEATHER_FORECAST_URL). */
  baseUrl: string;
  /** Sent as `apikey=` (commercial plans); never in an error or log. */
  apiKey?: string;
  /** forecast_days, 1–7 (WEATHER_FORECAST_DAYS). */
  days: number;
  timeoutMs?: number;
}

/** The request for one site; `apikey` only when set. */
export function openMeteoForecastUrl(site: OpenMeteoSite, opts: OpenMeteoOptions): URL {
  const url = new URL('/v1/forecast', opts.baseUrl);
  url.searchParams.set('latitude', String(site.latitude));
  url.searchParams.set('longitude', String(site.longitude));
  url.searchParams.set('hourly', VARIABLES.join(','));
  url.searchParams.set('forecast_days', String(opts.days));
  url.searchParams.set('timezone', 'UTC');
  url.searchParams.set('wind_speed_unit', 'ms');
  if (opts.apiKey) url.searchParams.set('apikey', opts.apiKey);
  return url;
}

/** The URL as it may be shown: the API key replaced. */
export function redactedUrl(url: URL): string {
  const shown = new URL(url);
  if (shown.searchParams.has('apikey')) shown.searchParams.set('apikey', '***');
  return shown.toString();
}

// Local date-time without offset, as Open-Meteo writes hourly.time (timeformat=iso8601).
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
const series = z.array(z.number().finite().nullable());

/** One column of hourly values: an Open-Meteo variable under its own name, or with a suffix (`_previous_day2`). */
export interface OpenMeteoColumn {
  name: string;
  variable: OpenMeteoVariable;
}
const FORECAST_COLUMNS: readonly OpenMeteoColumn[] = VARIABLES.map((v) => ({ name: v, variable: v }));

/**
 * The documented response, the parts used, for the columns asked for: each one array in `hourly`,
 * index-aligned with `hourly.time`, and its unit in `hourly_units`.
 */
export function openMeteoHourlySchema(columns: readonly OpenMeteoColumn[]) {
  return z
    .object({
      latitude: z.number(),
      longitude: z.number(),
      utc_offset_seconds: z.number().int(),
      hourly_units: z.object({ time: z.literal('iso8601') }).catchall(z.string()),
      hourly: z.object({ time: z.array(z.string().regex(LOCAL_TIME, 'must be YYYY-MM-DDTHH:MM')) }).catchall(series),
    })
    .superRefine((r, ctx) => {
      for (const { name, variable } of columns) {
        const values = r.hourly[name];
        const unit = r.hourly_units[name];
        if (values === undefined || unit === undefined) {
          ctx.addIssue({ code: 'custom', path: [values === undefined ? 'hourly' : 'hourly_units', name], message: 'is missing' });
          continue;
        }
        if (values.length !== r.hourly.time.length) ctx.addIssue({ code: 'custom', path: ['hourly', name], message: `has ${values.length} values for ${r.hourly.time.length} times` });
        if (!(unit in UNIT_CONVERSIONS[variable])) {
          ctx.addIssue({ code: 'custom', path: ['hourly_units', name], message: `unit '${unit}' is not one of ${Object.keys(UNIT_CONVERSIONS[variable]).join(', ')}` });
        }
      }
    });
}
export const openMeteoResponseSchema = openMeteoHourlySchema(FORECAST_COLUMNS);
export type OpenMeteoResponse = z.output<typeof openMeteoResponseSchema>;

/** hourly.time[i] in UTC epoch ms: local time in the requested zone, less utc_offset_seconds (0 for timezone=UTC). */
export function openMeteoTimeMs(body: OpenMeteoResponse, i: number): number {
  return Date.parse(`${body.hourly.time[i]}:00Z`) - body.utc_offset_seconds * 1000;
}

/**
 * The stored values of hour `i` from these columns, converted to stored units; a null (a variable a model
 * doesn't reach that far) is left out. Assumes the body passed openMeteoHourlySchema(columns).
 */
export function openMeteoValues(body: OpenMeteoResponse, columns: readonly OpenMeteoColumn[], i: number): WeatherForecastPoint['values'] {
  const values: WeatherForecastPoint['values'] = {};
  for (const { name, variable } of columns) {
    const raw = body.hourly[name]?.[i];
    if (raw !== null && raw !== undefined) values[OPEN_METEO_HOURLY[variable]] = UNIT_CONVERSIONS[variable][body.hourly_units[name]!]!(raw);
  }
  return values;
}

/**
 * The hours from the issue on (earlier hours of "today" are analysis, not forecast) up to 168 h ahead,
 * converted to stored units; an hour with no value at all is dropped.
 */
export function openMeteoToPoints(siteId: string, body: OpenMeteoResponse, issuedAtMs: number): WeatherForecastPoint[] {
  const points: WeatherForecastPoint[] = [];
  body.hourly.time.forEach((_, i) => {
    const timeMs = openMeteoTimeMs(body, i);
    if (timeMs < issuedAtMs || timeMs - issuedAtMs > MAX_FORECAST_LEAD_HOURS * HOUR_MS) return;
    const values = openMeteoValues(body, FORECAST_COLUMNS, i);
    if (Object.keys(values).length > 0) points.push({ site: siteId, source: OPEN_METEO_SOURCE, issuedAtMs, timeMs, values });
  });
  return points;
}

/**
 * GET `url` and validate the answer by `schema`. WeatherSourceError naming the site and URL (key
 * redacted) on a network error, timeout, non-2xx answer (with Open-Meteo's `reason`), or a body that isn't
 * the documented format.
 */
export async function fetchOpenMeteo<T extends z.ZodType>(site: OpenMeteoSite, url: URL, schema: T, what: string, timeoutMs = 30_000, fetchImpl: typeof fetch = fetch): Promise<z.output<T>> {
  const shown = redactedUrl(url);
  const fail = (problem: string, cause?: unknown) => new WeatherSourceError(site.id, shown, `Open-Meteo ${what} for site '${site.id}' from ${shown}: ${problem}`, cause);
  let response: Response;
  let text: string;
  try {
    response = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    text = await response.text();
  } catch (err) {
    throw fail(`request failed: ${errorMessage(err)}`, err);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const reason = z.object({ reason: z.string() }).safeParse(json);
    throw fail(`HTTP ${response.status}${reason.success ? `: ${reason.data.reason}` : ''}`);
  }
  if (json === undefined) throw fail(`answer is not JSON (${text.slice(0, 80)})`);
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw fail(`answer is not in Open-Meteo's format: ${issue.path.join('.') || '(body)'}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * Fetches one site's forecast, issued at `nowMs` truncated to the hour (fetchOpenMeteo's errors); an
 * answer with no hour from then on is an error too. Nothing is returned on failure, so nothing is stored.
 */
export async function fetchOpenMeteoForecast(site: OpenMeteoSite, opts: OpenMeteoOptions, nowMs: number, fetchImpl: typeof fetch = fetch): Promise<WeatherForecastPoint[]> {
  const url = openMeteoForecastUrl(site, opts);
  const body = await fetchOpenMeteo(site, url, openMeteoResponseSchema, 'forecast', opts.timeoutMs, fetchImpl);
  const points = openMeteoToPoints(site.id, body, Math.floor(nowMs / HOUR_MS) * HOUR_MS);
  if (points.length === 0) throw new WeatherSourceError(site.id, redactedUrl(url), `Open-Meteo forecast for site '${site.id}' from ${redactedUrl(url)}: answer holds no hour from now on`);
  return points;
}

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
type OpenMeteoVariable = keyof typeof OPEN_METEO_HOURLY;
const VARIABLES = Object.keys(OPEN_METEO_HOURLY) as OpenMeteoVariable[];

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
const perVariable = <T extends z.ZodType>(schema: T) => Object.fromEntries(VARIABLES.map((v) => [v, schema])) as Record<OpenMeteoVariable, T>;

/** The documented response, the parts used. Each hourly variable is one array, index-aligned with hourly.time. */
export const openMeteoResponseSchema = z
  .object({
    latitude: z.number(),
    longitude: z.number(),
    utc_offset_seconds: z.number().int(),
    hourly_units: z.object({ time: z.literal('iso8601'), ...perVariable(z.string()) }),
    hourly: z.object({ time: z.array(z.string().regex(LOCAL_TIME, 'must be YYYY-MM-DDTHH:MM')), ...perVariable(series) }),
  })
  .superRefine((r, ctx) => {
    for (const v of VARIABLES) {
      if (r.hourly[v].length !== r.hourly.time.length) ctx.addIssue({ code: 'custom', path: ['hourly', v], message: `has ${r.hourly[v].length} values for ${r.hourly.time.length} times` });
      if (!(r.hourly_units[v] in UNIT_CONVERSIONS[v])) {
        ctx.addIssue({ code: 'custom', path: ['hourly_units', v], message: `unit '${r.hourly_units[v]}' is not one of ${Object.keys(UNIT_CONVERSIONS[v]).join(', ')}` });
      }
    }
  });
export type OpenMeteoResponse = z.output<typeof openMeteoResponseSchema>;

/**
 * The hours from the issue on (earlier hours of "today" are analysis, not forecast) up to 168 h ahead,
 * converted to stored units; null values (a variable a model doesn't reach that far) are left out, and an
 * hour with nothing left is dropped.
 */
export function openMeteoToPoints(siteId: string, body: OpenMeteoResponse, issuedAtMs: number): WeatherForecastPoint[] {
  const points: WeatherForecastPoint[] = [];
  body.hourly.time.forEach((local, i) => {
    // hourly.time is local time in the requested zone; utc_offset_seconds takes it to UTC (0 for timezone=UTC).
    const timeMs = Date.parse(`${local}:00Z`) - body.utc_offset_seconds * 1000;
    if (timeMs < issuedAtMs || timeMs - issuedAtMs > MAX_FORECAST_LEAD_HOURS * HOUR_MS) return;
    const values: WeatherForecastPoint['values'] = {};
    for (const v of VARIABLES) {
      const raw = body.hourly[v][i];
      if (raw !== null && raw !== undefined) values[OPEN_METEO_HOURLY[v]] = UNIT_CONVERSIONS[v][body.hourly_units[v]]!(raw);
    }
    if (Object.keys(values).length > 0) points.push({ site: siteId, source: OPEN_METEO_SOURCE, issuedAtMs, timeMs, values });
  });
  return points;
}

/**
 * Fetches one site's forecast, issued at `nowMs` truncated to the hour. WeatherSourceError naming the
 * site and URL (key redacted) on a network error, timeout, non-2xx answer (with Open-Meteo's `reason`),
 * or a body that isn't the documented format; nothing is returned then, so nothing gets stored.
 */
export async function fetchOpenMeteoForecast(site: OpenMeteoSite, opts: OpenMeteoOptions, nowMs: number, fetchImpl: typeof fetch = fetch): Promise<WeatherForecastPoint[]> {
  const url = openMeteoForecastUrl(site, opts);
  const shown = redactedUrl(url);
  const fail = (what: string, cause?: unknown) => new WeatherSourceError(site.id, shown, `Open-Meteo forecast for site '${site.id}' from ${shown}: ${what}`, cause);
  let response: Response;
  let text: string;
  try {
    response = await fetchImpl(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000), headers: { accept: 'application/json' } });
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
  const parsed = openMeteoResponseSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw fail(`answer is not in Open-Meteo's format: ${issue.path.join('.') || '(body)'}: ${issue.message}`);
  }
  const points = openMeteoToPoints(site.id, parsed.data, Math.floor(nowMs / HOUR_MS) * HOUR_MS);
  if (points.length === 0) throw fail('answer holds no hour from now on');
  return points;
}

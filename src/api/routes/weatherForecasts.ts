import { WEATHER_FORECAST_VARIABLES, type WeatherForecastVariable } from '../../contract/index.js';
import type { ApiDependencies } from '../deps.js';
import { ApiProblem } from '../problem.js';
import { idParam, isoTime, timeParam, toIso } from '../params.js';
import type { ApiRoutes } from '../route.js';
import { z } from '../zod.js';

const HOUR_MS = 3_600_000;
const MAX_RANGE_MS = 8 * 24 * HOUR_MS;

/** Stored names (snake_case with units) → API names (camelCase with units), as the telemetry contract does. */
const API_NAMES = {
  temperature_c: 'temperatureC',
  ghi_wm2: 'ghiWm2',
  direct_wm2: 'directWm2',
  diffuse_wm2: 'diffuseWm2',
  cloud_cover_pct: 'cloudCoverPct',
  wind_speed_10m_ms: 'windSpeed10mMs',
  wind_speed_100m_ms: 'windSpeed100mMs',
  wind_direction_100m_deg: 'windDirection100mDeg',
} as const satisfies Record<WeatherForecastVariable, string>;

export const weatherForecastResponseSchema = z
  .object({
    site: z.string(),
    asOf: isoTime.nullable().openapi({ description: 'The as-of instant asked for; null: the latest issued.' }),
    points: z.array(
      z
        .object({
          time: isoTime.openapi({ description: 'Start of the hour forecast.' }),
          issuedAt: isoTime.openapi({ description: 'When the run behind this hour was issued (available).' }),
          source: z.string(),
        })
        .extend({
          temperatureC: z.number().optional().openapi({ description: '°C at 2 m.' }),
          ghiWm2: z.number().optional().openapi({ description: 'Global horizontal irradiance, W/m² (mean of the hour).' }),
          directWm2: z.number().optional(),
          diffuseWm2: z.number().optional(),
          cloudCoverPct: z.number().optional(),
          windSpeed10mMs: z.number().optional(),
          windSpeed100mMs: z.number().optional(),
          windDirection100mDeg: z.number().optional(),
        }),
    ),
  })
  .openapi('WeatherForecast');

/** Stored weather forecasts of a site: per hour, the latest run issued (at or before `asOf`). */
export function weatherForecastRoutes(routes: ApiRoutes, d: ApiDependencies): void {
  const now = d.now ?? Date.now;
  routes.add({
    method: 'get',
    path: '/weather-forecasts',
    operationId: 'getWeatherForecast',
    tag: 'forecasts',
    summary: 'Weather forecast (NWP) of a site per hour: the latest run issued, or as of a past instant',
    description: 'What the models read at the target hours (docs/forecasting.md). Default range: the current hour to 48 h later.',
    scope: 'read',
    query: z.object({
      site: idParam('Site id.'),
      source: idParam('Only this source (open-meteo, mqtt, …).').optional(),
      from: timeParam('First hour (inclusive); default the start of the current hour.', now).optional(),
      to: timeParam('End (exclusive); default 48 h after `from`.', now).optional(),
      asOf: timeParam('What was forecast as of this instant (issued at or before it).', now).optional(),
    }),
    response: weatherForecastResponseSchema,
    csv: (f) => {
      const used = WEATHER_FORECAST_VARIABLES.map((v) => API_NAMES[v]).filter((name) => f.points.some((p) => p[name] !== undefined));
      return { columns: ['time', 'issuedAt', 'source', ...used], rows: f.points.map((p) => [p.time, p.issuedAt, p.source, ...used.map((name) => p[name] as number | undefined)]) };
    },
    handler: async ({ query: q }) => {
      const fromMs = q.from ?? Math.floor(now() / HOUR_MS) * HOUR_MS;
      const toMs = q.to ?? fromMs + 48 * HOUR_MS;
      if (fromMs >= toMs || toMs - fromMs > MAX_RANGE_MS) {
        throw new ApiProblem('invalid-parameters', '`from` must be before `to`, at most 8 days apart.', [{ name: 'to', reason: `${toIso(fromMs)} → ${toIso(toMs)}`, allowed: 'a time after `from`, at most 8 days later' }]);
      }
      const points = await d.stores.weatherForecasts.readWeatherForecasts({
        site: q.site,
        fromMs,
        toMs,
        ...(q.source !== undefined ? { source: q.source } : {}),
        ...(q.asOf !== undefined ? { asOfMs: q.asOf } : {}),
      });
      return {
        site: q.site,
        asOf: q.asOf !== undefined ? toIso(q.asOf) : null,
        points: points.map((p) => ({
          time: toIso(p.timeMs),
          issuedAt: toIso(p.issuedAtMs),
          source: p.source,
          ...Object.fromEntries((Object.entries(p.values) as [WeatherForecastVariable, number][]).map(([v, value]) => [API_NAMES[v], value])),
        })),
      };
    },
  });
}

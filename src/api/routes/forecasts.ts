import { forecastRunSchema, type ApiDependencies } from '../deps.js';
import { ApiProblem } from '../problem.js';
import { allowed, idParam, isoTime, listParam, targetParam, targetSchema, timeParam, toIso } from '../params.js';
import type { ApiRoutes } from '../route.js';
import { z } from '../zod.js';
import { FORECAST_TARGETS, SITE_TOTAL_FEEDER, type ForecastPoint, type ForecastTarget } from '../../contract/index.js';
import type { SeriesRef } from '../../forecast/index.js';

const HOUR_MS = 3_600_000;
/** Longest range of target times one request may read. */
const MAX_RANGE_MS = 31 * 24 * HOUR_MS;
const QUANTILES = ['p10', 'p50', 'p90'] as const;

export const forecastResponseSchema = z
  .object({
    site: z.string(),
    feeder: z.string(),
    target: targetSchema,
    asOf: isoTime.nullable().openapi({ description: 'The as-of instant asked for; null: the latest issued forecasts.' }),
    weatherForecast: z
      .object({ source: z.string(), issuedAt: isoTime.openapi({ description: 'The latest run issued by the forecast\'s issue time, the one its model read.' }) })
      .nullable()
      .openapi({ description: 'The weather forecast the latest issue in the answer read (its model reads one); null: none.' }),
    points: z.array(
      z.object({
        time: isoTime.openapi({ description: 'Start of the forecast step.' }),
        issuedAt: isoTime,
        model: z.string().openapi({ description: 'The model or baseline that served, e.g. lstm@20261122T023000Z or seasonal-naive-week.' }),
        p10Kw: z.number().optional(),
        p50Kw: z.number().optional(),
        p90Kw: z.number().optional(),
      }),
    ),
  })
  .openapi('Forecast');

/** A served model version in a forecast's `model` (`lstm@20261122T023000Z`). */
const MODEL_VERSION = /^[a-z][a-z0-9-]*@(\d{8}T\d{6}Z)$/;

/**
 * Which weather forecast the latest issue among `points` read: none unless its model reads one (the
 * registry's features); else the runs issued by that issue time for its hours, as the model looked them up.
 */
async function weatherForecastUsed(d: ApiDependencies, series: SeriesRef, points: readonly ForecastPoint[]): Promise<{ source: string; issuedAt: string } | null> {
  const latest = points.reduce<ForecastPoint | undefined>((a, p) => (!a || p.issuedAtMs > a.issuedAtMs ? p : a), undefined);
  const version = latest ? MODEL_VERSION.exec(latest.model)?.[1] : undefined;
  if (!latest || !version || !d.models) return null;
  const meta = await d.models.metadata(series, version).catch(() => undefined);
  if (!meta?.features.some((f) => f.startsWith('forecast:'))) return null;
  const issue = points.filter((p) => p.issuedAtMs === latest.issuedAtMs);
  const used = await d.stores.weatherForecasts.readWeatherForecasts({ site: series.site, fromMs: issue[0]!.timeMs, toMs: issue.at(-1)!.timeMs + 1, asOfMs: latest.issuedAtMs });
  if (used.length === 0) return null;
  return { source: [...new Set(used.map((p) => p.source))].join('+'), issuedAt: toIso(Math.max(...used.map((p) => p.issuedAtMs))) };
}

/** How far back /forecasts/freshness looks for the latest issue. */
export const FRESHNESS_LOOKBACK_MS = 7 * 24 * HOUR_MS;

export const forecastFreshnessSchema = z
  .object({
    site: z.string(),
    feeder: z.string(),
    target: targetSchema,
    latestIssuedAt: isoTime.nullable().openapi({ description: 'The newest issue with a step in the last 7 days or ahead; null: none.' }),
    ageMinutes: z.number().openapi({ description: 'Minutes since latestIssuedAt; with none, the 7 days looked back (10080): at least that old.' }),
    model: z.string().nullable().openapi({ description: 'The model or baseline of that issue.' }),
  })
  .openapi('ForecastFreshness');

/** Every series that should have forecasts: the registry's, and each site's total for the targets its meters measure. */
async function expectedSeries(d: ApiDependencies, site: string | undefined): Promise<SeriesRef[]> {
  const out = new Map<string, SeriesRef>();
  const add = (s: SeriesRef) => out.set(`${s.site}\n${s.feeder}\n${s.target}`, s);
  for (const s of await d.stores.telemetry.lastSeen(site !== undefined ? { site } : undefined)) {
    if ((FORECAST_TARGETS as readonly string[]).includes(s.kind)) add({ site: s.site, feeder: SITE_TOTAL_FEEDER, target: s.kind as ForecastTarget });
  }
  for (const s of d.models ? await d.models.seriesList().catch(() => []) : []) if (site === undefined || s.site === site) add(s);
  return [...out.values()].sort((a, b) => `${a.site} ${a.feeder} ${a.target}`.localeCompare(`${b.site} ${b.feeder} ${b.target}`));
}

/** Stored forecasts (latest, or as of a past instant) and issuing them now. */
export function forecastRoutes(routes: ApiRoutes, d: ApiDependencies): void {
  const now = d.now ?? Date.now;
  routes.add({
    method: 'get',
    path: '/forecasts',
    operationId: 'getForecast',
    tag: 'forecasts',
    summary: 'Forecast of one target for a site or feeder: P10/P50/P90 per step, latest or as of a past instant',
    description: 'One point per step: the forecast issued last (at or before `asOf` when given). Default range: the current hour to 48 h later.',
    scope: 'read',
    query: z.object({
      site: idParam('Site id.'),
      feeder: idParam('Feeder id, or `all` for the site total.').default(SITE_TOTAL_FEEDER),
      target: targetParam().default('load'),
      from: timeParam('First step (inclusive); default the start of the current hour.', now).optional(),
      to: timeParam('End (exclusive); default 48 h after `from`.', now).optional(),
      quantiles: listParam(QUANTILES, QUANTILES.join(','), 'Which quantiles to return.'),
      asOf: timeParam('What was forecast as of this instant (issued at or before it).', now).optional(),
    }),
    response: forecastResponseSchema,
    cache: 'forecast',
    csv: (f) => ({
      columns: ['time', 'issuedAt', 'model', ...QUANTILES.filter((k) => f.points.some((p) => p[`${k}Kw`] !== undefined)).map((k) => `${k}Kw`)],
      rows: f.points.map((p) => [p.time, p.issuedAt, p.model, ...QUANTILES.filter((k) => f.points.some((x) => x[`${k}Kw`] !== undefined)).map((k) => p[`${k}Kw`])]),
    }),
    handler: async ({ query: q }) => {
      const fromMs = q.from ?? Math.floor(now() / HOUR_MS) * HOUR_MS;
      const toMs = q.to ?? fromMs + 48 * HOUR_MS;
      if (fromMs >= toMs || toMs - fromMs > MAX_RANGE_MS) {
        throw new ApiProblem('invalid-parameters', '`from` must be before `to`, at most 31 days apart.', [{ name: 'to', reason: `${toIso(fromMs)} → ${toIso(toMs)}`, allowed: 'a time after `from`, at most 31 days later' }]);
      }
      const points = await d.stores.forecasts.readForecasts({ site: q.site, feeder: q.feeder, target: q.target, fromMs, toMs, ...(q.asOf !== undefined ? { asOfMs: q.asOf } : {}) });
      const want = new Set(q.quantiles);
      return {
        site: q.site,
        feeder: q.feeder,
        target: q.target,
        asOf: q.asOf !== undefined ? toIso(q.asOf) : null,
        weatherForecast: await weatherForecastUsed(d, { site: q.site, feeder: q.feeder, target: q.target }, points),
        points: points.map((p) => ({
          time: toIso(p.timeMs),
          issuedAt: toIso(p.issuedAtMs),
          model: p.model,
          ...(want.has('p10') ? { p10Kw: p.p10Kw } : {}),
          ...(want.has('p50') ? { p50Kw: p.p50Kw } : {}),
          ...(want.has('p90') ? { p90Kw: p.p90Kw } : {}),
        })),
      };
    },
  });

  routes.add({
    method: 'get',
    path: '/forecasts/freshness',
    operationId: 'getForecastFreshness',
    tag: 'forecasts',
    summary: 'How old the latest issued forecast of every series is (site totals of every target with telemetry, and the registry\'s series)',
    description: 'For dashboards and alerting: one row per series with the age in minutes of its newest issue.',
    scope: 'read',
    query: z.object({ site: idParam('Only this site.').optional() }),
    response: z.array(forecastFreshnessSchema),
    csv: (rows) => ({ columns: ['site', 'feeder', 'target', 'latestIssuedAt', 'ageMinutes', 'model'], rows: rows.map((r) => [r.site, r.feeder, r.target, r.latestIssuedAt, r.ageMinutes, r.model]) }),
    handler: async ({ query: q }) => {
      const nowMs = now();
      const out: z.infer<typeof forecastFreshnessSchema>[] = [];
      for (const s of await expectedSeries(d, q.site)) {
        const points = await d.stores.forecasts.readForecasts({ ...s, fromMs: nowMs - FRESHNESS_LOOKBACK_MS, toMs: nowMs + 31 * 24 * HOUR_MS });
        const latest = points.reduce<ForecastPoint | undefined>((a, p) => (!a || p.issuedAtMs > a.issuedAtMs ? p : a), undefined);
        out.push({
          ...s,
          latestIssuedAt: latest ? toIso(latest.issuedAtMs) : null,
          ageMinutes: Math.round(((nowMs - (latest?.issuedAtMs ?? nowMs - FRESHNESS_LOOKBACK_MS)) / 60_000) * 100) / 100,
          model: latest?.model ?? null,
        });
      }
      return out;
    },
  });

  routes.add({
    method: 'post',
    path: '/forecasts/run',
    operationId: 'runForecasts',
    tag: 'forecasts',
    summary: 'Issue forecasts now (every series with telemetry, or one site), with whatever serves each',
    scope: 'operate',
    body: z.object({ site: idParam('Only this site.').optional() }).strict(),
    response: forecastRunSchema,
    errors: ['unavailable'],
    handler: async ({ body }) => {
      if (!d.runForecasts) throw new ApiProblem('unavailable', 'This process does not issue forecasts (gridcast ingest); call the instance that runs `gridcast start` or `gridcast schedule`.');
      return d.runForecasts(body.site !== undefined ? { site: body.site } : {});
    },
  });
}

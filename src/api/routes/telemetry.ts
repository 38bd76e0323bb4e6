import { AGGREGATES, type TelemetrySeries } from '../../storage/index.js';
import type { ApiDependencies } from '../deps.js';
import { ApiProblem } from '../problem.js';
import { allowed, idParam, isoTime, listParam, resolutionParam, timeParam, toIso } from '../params.js';
import type { ApiRoutes } from '../route.js';
import { z } from '../zod.js';
import { READING_KINDS, TAG_NAMES, TELEMETRY_FIELDS, type TagName } from '../../contract/index.js';

/** Most buckets one request may ask for per series. */
export const MAX_BUCKETS = 10_000;
const DAY_MS = 86_400_000;

const telemetryQuery = (now: () => number) =>
  z.object({
    site: idParam('Only this site.').optional(),
    feeder: idParam('Only this feeder.').optional(),
    meter: idParam('Only this meter.').optional(),
    kind: allowed(z.enum(READING_KINDS), READING_KINDS.join(', '), 'Only this kind of reading.').optional(),
    field: allowed(z.enum(TELEMETRY_FIELDS).default('power_kw'), TELEMETRY_FIELDS.join(', '), 'The stored field (unit in its name).'),
    from: timeParam('Start (inclusive); default 24 h before `to`.', now).optional(),
    to: timeParam('End (exclusive); default now.', now).optional(),
    resolution: resolutionParam,
    aggregation: allowed(z.enum(AGGREGATES).default('mean'), AGGREGATES.join(', '), 'How readings in a bucket become one value.'),
    groupBy: listParam(TAG_NAMES, TAG_NAMES.join(','), 'One output series per distinct combination of these tags.'),
    combine: allowed(
      z.enum(['none', 'sum', 'mean']).default('none'),
      'none, sum, mean',
      'none: aggregate every reading of a group at once. sum or mean: aggregate each stored series (meter and kind) first, then add up (site total in kW) or average them per bucket.',
    ),
  });

const pointSchema = z.object({ time: isoTime, value: z.number() });
export const telemetryResponseSchema = z
  .object({
    field: z.enum(TELEMETRY_FIELDS),
    resolution: z.string().openapi({ example: '1h' }),
    aggregation: z.enum(AGGREGATES),
    combine: z.enum(['none', 'sum', 'mean']),
    from: isoTime,
    to: isoTime,
    series: z.array(z.object({ tags: z.record(z.string(), z.string()), points: z.array(pointSchema) })),
  })
  .openapi('Telemetry');

/** Telemetry for a range, aggregated into epoch-aligned buckets. */
export function telemetryRoutes(routes: ApiRoutes, d: ApiDependencies): void {
  const now = d.now ?? Date.now;
  routes.add({
    method: 'get',
    path: '/telemetry',
    operationId: 'getTelemetry',
    tag: 'telemetry',
    summary: 'Telemetry at a chosen resolution and aggregation',
    description: 'Buckets without data are left out. Times are bucket starts.',
    scope: 'read',
    query: telemetryQuery(now),
    response: telemetryResponseSchema,
    csv: (t) => {
      const tags = TAG_NAMES.filter((tag) => t.series.some((s) => s.tags[tag] !== undefined));
      return { columns: ['time', ...tags, t.field], rows: t.series.flatMap((s) => s.points.map((p) => [p.time, ...tags.map((tag) => s.tags[tag]), p.value])) };
    },
    handler: async ({ query: q }) => {
      const toMs = q.to ?? now();
      const fromMs = q.from ?? toMs - DAY_MS;
      if (fromMs >= toMs) throw new ApiProblem('invalid-parameters', '`from` must be before `to`.', [{ name: 'from', reason: `${toIso(fromMs)} is not before ${toIso(toMs)}`, allowed: 'a time before `to`' }]);
      const buckets = Math.ceil((toMs - fromMs) / q.resolution);
      if (buckets > MAX_BUCKETS) {
        throw new ApiProblem('invalid-parameters', `The range holds ${buckets} buckets of ${formatDuration(q.resolution)}; at most ${MAX_BUCKETS} per request.`, [
          { name: 'resolution', reason: `gives ${buckets} buckets`, allowed: `at least ${formatDuration(Math.ceil((toMs - fromMs) / MAX_BUCKETS / 1000) * 1000)} for this range, or a shorter range` },
        ]);
      }
      const where = Object.fromEntries(TAG_NAMES.filter((t) => q[t] !== undefined).map((t) => [t, q[t]!]));
      const base = { field: q.field, fromMs, toMs, bucketMs: q.resolution, aggregate: q.aggregation, where };
      const series =
        q.combine === 'none'
          ? await d.stores.telemetry.queryTelemetry({ ...base, groupBy: q.groupBy })
          : combineSeries(await d.stores.telemetry.queryTelemetry({ ...base, groupBy: TAG_NAMES }), q.groupBy, q.combine);
      return {
        field: q.field,
        resolution: formatDuration(q.resolution),
        aggregation: q.aggregation,
        combine: q.combine,
        from: toIso(fromMs),
        to: toIso(toMs),
        series: series.map((s) => ({ tags: s.tags as Record<string, string>, points: s.points.map((p) => ({ time: toIso(p.timeMs), value: p.value })) })),
      };
    },
  });
}

/** Per-series buckets → one series per `groupBy` combination, values added (or averaged) per bucket. */
export function combineSeries(series: readonly TelemetrySeries[], groupBy: readonly TagName[], how: 'sum' | 'mean'): TelemetrySeries[] {
  const groups = new Map<string, { tags: Partial<Record<TagName, string>>; buckets: Map<number, { sum: number; n: number }> }>();
  for (const s of series) {
    const tags = Object.fromEntries(groupBy.map((t) => [t, s.tags[t] ?? ''])) as Partial<Record<TagName, string>>;
    const key = JSON.stringify(groupBy.map((t) => tags[t]));
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { tags, buckets: new Map() }));
    for (const p of s.points) {
      const b = g.buckets.get(p.timeMs) ?? { sum: 0, n: 0 };
      b.sum += p.value;
      b.n += 1;
      g.buckets.set(p.timeMs, b);
    }
  }
  return [...groups.values()].map((g) => ({
    tags: g.tags,
    points: [...g.buckets].sort((a, b) => a[0] - b[0]).map(([timeMs, b]) => ({ timeMs, value: how === 'sum' ? b.sum : b.sum / b.n })),
  }));
}

export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', DAY_MS], ['h', 3_600_000], ['m', 60_000]] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${Math.round(ms / 1000)}s`;
}

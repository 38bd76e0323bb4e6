import { servingName } from '../../forecast/index.js';
import type { ApiDependencies } from '../deps.js';
import { ApiProblem } from '../problem.js';
import { allowed, idParam, isoTime, targetParam, targetSchema } from '../params.js';
import type { ApiRoutes } from '../route.js';
import { z } from '../zod.js';
import { metrics, metricsSchema, modelId } from './models.js';

const METRIC_KEYS = ['n', 'maeKw', 'rmseKw', 'mapePct', 'nmaePct', 'mase', 'pinballKw', 'coverageP10P90'] as const;

export const backtestSchema = z
  .object({
    modelId: z.string(),
    site: z.string(),
    feeder: z.string(),
    target: targetSchema,
    createdAt: isoTime,
    window: z.object({ from: isoTime, to: isoTime }).openapi({ description: 'The held-out days, forecast day-ahead (issued 10:00 local on the day before).' }),
    results: z.array(z.object({ method: z.string(), kind: z.enum(['model', 'baseline']), metrics: metricsSchema })),
  })
  .openapi('Backtest');

/** The validation backtest of every trained model, next to the baselines on the same days (kept in each model's metadata.json). */
export function backtestRoutes(routes: ApiRoutes, d: ApiDependencies): void {
  routes.add({
    method: 'get',
    path: '/backtests',
    operationId: 'listBacktests',
    tag: 'models',
    summary: 'Validation backtests of the trained models, model vs baselines on the same days',
    scope: 'read',
    query: z.object({
      site: idParam('Only this site.').optional(),
      feeder: idParam('Only this feeder (`all`: site totals).').optional(),
      target: targetParam('Only this target.').optional(),
    }),
    response: z.array(backtestSchema),
    errors: ['unavailable'],
    csv: (all) => ({
      columns: ['modelId', 'site', 'feeder', 'target', 'windowFrom', 'windowTo', 'method', 'kind', ...METRIC_KEYS],
      rows: all.flatMap((b) => b.results.map((r) => [b.modelId, b.site, b.feeder, b.target, b.window.from, b.window.to, r.method, r.kind, ...METRIC_KEYS.map((k) => r.metrics[k])])),
    }),
    handler: async ({ query: q }) => {
      if (!d.models) throw new ApiProblem('unavailable', 'No model registry in this process.');
      const out: z.infer<typeof backtestSchema>[] = [];
      for (const series of await d.models.seriesList()) {
        if ((q.site && series.site !== q.site) || (q.feeder && series.feeder !== q.feeder) || (q.target && series.target !== q.target)) continue;
        for (const m of await d.models.versions(series)) {
          out.push({
            modelId: modelId(series, m.version),
            ...series,
            createdAt: m.createdAt,
            window: m.validation.window,
            results: [
              { method: servingName({ kind: 'model', version: m.version }), kind: 'model', metrics: metrics(m.validation.model) },
              ...Object.entries(m.validation.baselines).map(([name, b]) => ({ method: name, kind: 'baseline' as const, metrics: metrics(b) })),
            ],
          });
        }
      }
      return out;
    },
  });
}

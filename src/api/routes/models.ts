import { ConflictError } from '../../common/errors.js';
import { baselinesFor, servingName, type ModelMetadata, type ModelRegistry, type PointMetrics, type SeriesRef, type Serving } from '../../forecast/index.js';
import { trainingStartSchema, trainingStatusSchema, type ApiDependencies } from '../deps.js';
import { ApiProblem } from '../problem.js';
import { allowed, ID_ALLOWED, ID_PATTERN, idParam, isoTime, targetParam, targetSchema } from '../params.js';
import { FORECAST_TARGETS } from '../../contract/index.js';

/** The id rule without its anchors, to build a model id from. */
const idBody = ID_PATTERN.source.slice(1, -1);
import type { ApiRoutes } from '../route.js';
import { z } from '../zod.js';

const VERSION = /^\d{8}T\d{6}Z$/;
/** `site:feeder:target:version` (or `…:baseline:<name>`), each part by the contract's rules. */
const MODEL_ID = new RegExp(`^(${idBody}):(${idBody}):(${FORECAST_TARGETS.join('|')}):(\\d{8}T\\d{6}Z|baseline:[a-z0-9-]{1,64})$`);

const metricsSchema = z
  .object({
    n: z.number().int(),
    maeKw: z.number().nullable(),
    rmseKw: z.number().nullable(),
    mapePct: z.number().nullable(),
    nmaePct: z.number().nullable(),
    mase: z.number().nullable(),
    pinballKw: z.number().nullable(),
    coverageP10P90: z.number().nullable(),
  })
  .openapi('Metrics', { description: 'Day-ahead validation metrics; null where undefined (e.g. MAPE with only near-zero actuals).' });

/** How long a fallback keeps a series `degraded` in GET /models: two hourly forecast runs. */
export const FALLBACK_RECENT_MINUTES = 120;

/** Demoted (a baseline serves where a model did) or fell back lately: what GET /models reports as `degraded`. */
export function degradation(state: { serving?: Serving | null; history: readonly { serving: Serving }[]; lastFallback?: { at: string; used: string; reason: string } | null }, nowMs: number): string | null {
  if (state.serving?.kind !== 'model' && state.history.some((h) => h.serving.kind === 'model')) return `a baseline serves (${state.serving ? servingName(state.serving) : 'the default'}) where a trained model served before`;
  const fb = state.lastFallback;
  if (fb && nowMs - Date.parse(fb.at) <= FALLBACK_RECENT_MINUTES * 60_000) return `the latest forecast fell back to ${fb.used}: ${fb.reason}`;
  return null;
}

const modelSummarySchema = z.object({
  id: z.string().openapi({ example: 'town:all:load:20261122T023000Z' }),
  version: z.string(),
  createdAt: isoTime,
  serving: z.boolean(),
  validationMaeKw: z.number().nullable(),
  bestBaselineMaeKw: z.number().nullable(),
});

const decisionSchema = z.object({ at: isoTime, action: z.enum(['promote', 'keep', 'rollback', 'manual']), serving: z.string(), reason: z.string() });

export const modelSeriesSchema = z
  .object({
    site: z.string(),
    feeder: z.string(),
    target: targetSchema,
    serving: z.string().nullable().openapi({ description: 'What serves the series now (lstm@<version> or a baseline); null: nothing chosen yet, the default baseline of the target serves (load: seasonal-naive-week; pv: clear-sky-persistence with a known position, else seasonal-naive-day; wind: persistence).' }),
    lastDecision: decisionSchema.nullable(),
    lastFallback: z
      .object({ at: isoTime, used: z.string(), reason: z.string() })
      .nullable()
      .openapi({ description: 'The latest forecast the serving model could not make (no weather forecast covered it), what forecast instead and why; null: none.' }),
    lastDrift: z
      .object({ at: isoTime, model: z.string(), liveMaeKw: z.number(), validationMaeKw: z.number(), reason: z.string() })
      .nullable()
      .openapi({ description: "The latest drift-triggered retrain: the serving model's scored day-ahead MAE (leads 14–38 h, last FORECAST_DRIFT_DAYS) was more than FORECAST_DRIFT_MARGIN above its validation MAE; null: none." }),
    models: z.array(modelSummarySchema),
    degraded: z
      .number()
      .int()
      .openapi({ description: `1 when a baseline (or nothing) serves where a trained model served before, or the latest forecast fell back (lastFallback in the last ${FALLBACK_RECENT_MINUTES} minutes); else 0. A number, for alerting.` }),
    degradedReason: z.string().nullable(),
  })
  .openapi('ModelSeries');

export const modelDetailSchema = z
  .object({
    id: z.string(),
    site: z.string(),
    feeder: z.string(),
    target: targetSchema,
    version: z.string(),
    createdAt: isoTime,
    serving: z.boolean(),
    resolutionMinutes: z.number(),
    features: z.array(z.string()),
    backend: z.string(),
    trainingWindow: z.object({ from: isoTime, to: isoTime }),
    validation: z.object({ window: z.object({ from: isoTime, to: isoTime }), model: metricsSchema, baselines: z.record(z.string(), metricsSchema) }),
    history: z.array(decisionSchema),
  })
  .openapi('Model');

const servingChangeSchema = z.object({ site: z.string(), feeder: z.string(), target: targetSchema, serving: z.string(), reason: z.string() }).openapi('ServingChange');

const modelIdParam = allowed(
  z.string().regex(MODEL_ID, 'is not a model id'),
  `<site>:<feeder>:<target>:<version> (version like 20261122T023000Z, or baseline:<name> to promote a baseline); site and feeder ${ID_ALLOWED}`,
  'Model id, as GET /models lists it.',
);

/** The model registry: what is trained, how it validated, what serves; promote, roll back, train now. */
export function modelRoutes(routes: ApiRoutes, d: ApiDependencies): void {
  const registry = (): ModelRegistry => {
    if (!d.models) throw new ApiProblem('unavailable', 'No model registry in this process.');
    return d.models;
  };

  routes.add({
    method: 'get',
    path: '/models',
    operationId: 'listModels',
    tag: 'models',
    summary: 'Every forecast series: what serves it, the last decision, and its trained versions',
    scope: 'read',
    response: z.array(modelSeriesSchema),
    errors: ['unavailable'],
    csv: (all) => ({
      columns: ['site', 'feeder', 'target', 'servingNow', 'id', 'version', 'createdAt', 'serving', 'validationMaeKw', 'bestBaselineMaeKw'],
      rows: all.flatMap((s) =>
        s.models.length
          ? s.models.map((m) => [s.site, s.feeder, s.target, s.serving, m.id, m.version, m.createdAt, m.serving, m.validationMaeKw, m.bestBaselineMaeKw])
          : [[s.site, s.feeder, s.target, s.serving, null, null, null, null, null, null]],
      ),
    }),
    handler: async () => {
      const reg = registry();
      const out: z.infer<typeof modelSeriesSchema>[] = [];
      for (const series of await reg.seriesList()) {
        const state = await reg.serving(series);
        const versions = await reg.versions(series);
        const last = state.history.at(-1);
        const degradedReason = degradation(state, (d.now ?? Date.now)());
        out.push({
          ...series,
          serving: state.serving ? servingName(state.serving) : null,
          lastDecision: last ? { at: last.at, action: last.action, serving: servingName(last.serving), reason: last.reason } : null,
          lastFallback: state.lastFallback ?? null,
          lastDrift: state.lastDrift ?? null,
          models: versions.map((m) => ({
            id: modelId(series, m.version),
            version: m.version,
            createdAt: m.createdAt,
            serving: isServing(state.serving, m.version),
            validationMaeKw: finite(m.validation.model.maeKw),
            bestBaselineMaeKw: finite(Math.min(...Object.values(m.validation.baselines).map((b) => (Number.isFinite(b.maeKw) ? b.maeKw : Infinity)))),
          })),
          degraded: degradedReason ? 1 : 0,
          degradedReason,
        });
      }
      return out;
    },
  });

  // Before /models/{id}, which would take 'training' for a model id.
  routes.add({
    method: 'get',
    path: '/models/training',
    operationId: 'getTrainingStatus',
    tag: 'models',
    summary: 'The training runs going on in this process: which series, which phase, which epoch',
    scope: 'read',
    response: trainingStatusSchema,
    errors: [],
    handler: async () => ({
      training: (d.trainingProgress?.() ?? []).map((p) => ({ ...p.series, startedAt: new Date(p.startedAtMs).toISOString(), phase: p.phase, epoch: p.epoch, epochs: p.epochs })),
    }),
  });

  routes.add({
    method: 'get',
    path: '/models/{id}',
    operationId: 'getModel',
    tag: 'models',
    summary: 'One trained model: training window, features, validation next to the baselines, decisions',
    scope: 'read',
    params: z.object({ id: modelIdParam }),
    response: modelDetailSchema,
    errors: ['not-found', 'unavailable'],
    handler: async ({ params }) => {
      const { series, version } = parseModelId(params.id);
      const meta = await findVersion(registry(), series, version);
      const state = await registry().serving(series);
      return {
        id: params.id,
        ...series,
        version,
        createdAt: meta.createdAt,
        serving: isServing(state.serving, version),
        resolutionMinutes: meta.resolutionMs / 60_000,
        features: meta.features,
        backend: meta.backend,
        trainingWindow: meta.trainingWindow,
        validation: { window: meta.validation.window, model: metrics(meta.validation.model), baselines: Object.fromEntries(Object.entries(meta.validation.baselines).map(([k, m]) => [k, metrics(m)])) },
        history: state.history.map((h) => ({ at: h.at, action: h.action, serving: servingName(h.serving), reason: h.reason })),
      };
    },
  });

  routes.add({
    method: 'post',
    path: '/models/{id}/promote',
    operationId: 'promoteModel',
    tag: 'models',
    summary: 'Make a model version (or a baseline: <site>:<feeder>:<target>:baseline:<name>) serve its series',
    scope: 'admin',
    params: z.object({ id: modelIdParam }),
    response: servingChangeSchema,
    errors: ['not-found', 'unavailable'],
    handler: async ({ params, principal }) => {
      const { series, version } = parseModelId(params.id);
      let serving: Serving;
      if (version.startsWith('baseline:')) {
        const name = version.slice('baseline:'.length);
        const names = baselinesFor(series.target, true).map((b) => b.name);
        if (!names.includes(name)) throw new ApiProblem('not-found', `No baseline '${name}' for target ${series.target}.`, [{ name: 'id', reason: `unknown baseline '${name}'`, allowed: names.join(', ') }]);
        serving = { kind: 'baseline', name };
      } else {
        await findVersion(registry(), series, version);
        serving = { kind: 'model', version };
      }
      const reason = `promoted through the API by key '${principal.name}'`;
      await registry().setServing(series, serving, 'manual', reason);
      return { ...series, serving: servingName(serving), reason };
    },
  });

  routes.add({
    method: 'post',
    path: '/models/rollback',
    operationId: 'rollbackModel',
    tag: 'models',
    summary: 'Go back to what served a series before the current choice',
    scope: 'admin',
    body: z.object({ site: idParam('Site id.'), feeder: idParam('Feeder id, or `all`.'), target: targetParam() }).strict(),
    response: servingChangeSchema,
    errors: ['conflict', 'unavailable'],
    handler: async ({ body }) => {
      const series: SeriesRef = { site: body.site, feeder: body.feeder, target: body.target };
      const state = await registry().serving(series);
      const current = state.serving;
      if (!state.history.some((h) => JSON.stringify(h.serving) !== JSON.stringify(current))) {
        throw new ConflictError(`Nothing to roll back to for ${series.site}/${series.feeder}/${series.target}: it has served only ${current ? servingName(current) : 'the default baseline'}.`);
      }
      const serving = await registry().rollback(series);
      return { ...series, serving: servingName(serving), reason: `rolled back from ${current ? servingName(current) : 'nothing'}` };
    },
  });

  routes.add({
    method: 'post',
    path: '/models/train',
    operationId: 'trainModels',
    tag: 'models',
    summary: 'Train (validate, maybe promote) every series now, or one site or target; answers at once, trains in the background',
    scope: 'admin',
    body: z.object({ site: idParam('Only this site.').optional(), target: targetParam().optional() }).strict(),
    response: trainingStartSchema,
    status: 202,
    errors: ['conflict', 'unavailable'],
    handler: async ({ body }) => {
      if (!d.startTraining) throw new ApiProblem('unavailable', 'This process does not train models (gridcast ingest); call the instance that runs `gridcast start` or `gridcast schedule`.');
      return d.startTraining({ ...(body.site !== undefined ? { site: body.site } : {}), ...(body.target !== undefined ? { target: body.target } : {}) });
    },
  });
}

export function modelId(s: SeriesRef, version: string): string {
  return `${s.site}:${s.feeder}:${s.target}:${version}`;
}

function parseModelId(id: string): { series: SeriesRef; version: string } {
  const m = MODEL_ID.exec(id)!; // the path schema already checked it
  if (!ID_PATTERN.test(m[1]!) || !ID_PATTERN.test(m[2]!)) throw new ApiProblem('invalid-parameters', 'Bad model id.');
  return { series: { site: m[1]!, feeder: m[2]!, target: m[3] as SeriesRef['target'] }, version: m[4]! };
}

async function findVersion(reg: ModelRegistry, series: SeriesRef, version: string): Promise<ModelMetadata> {
  const meta = VERSION.test(version) ? (await reg.versions(series)).find((m) => m.version === version) : undefined;
  if (!meta) throw new ApiProblem('not-found', `No model version ${version} for ${series.site}/${series.feeder}/${series.target}; GET /api/v1/models lists them.`);
  return meta;
}

function isServing(serving: Serving | undefined, version: string): boolean {
  return serving?.kind === 'model' && serving.version === version;
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

export function metrics(m: PointMetrics): z.infer<typeof metricsSchema> {
  return {
    n: m.n,
    maeKw: finite(m.maeKw),
    rmseKw: finite(m.rmseKw),
    mapePct: finite(m.mapePct),
    nmaePct: finite(m.nmaePct),
    mase: finite(m.mase),
    pinballKw: finite(m.pinballKw),
    coverageP10P90: finite(m.coverageP10P90),
  };
}

export { metricsSchema };

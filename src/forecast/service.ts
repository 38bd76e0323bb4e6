import { InsufficientDataError, MissingWeatherForecastError } from '../common/errors.js';
import { FORECAST_TARGETS, SITE_TOTAL_FEEDER, type ForecastErrorPoint, type ForecastPoint } from '../contract/index.js';
import type { Logger } from '../common/logger.js';
import type { ForecastConfig } from '../config/index.js';
import type { Stores, WeatherForecastStore } from '../storage/index.js';
import { vintagedForecastTable, type WeatherForecastTable } from './features/weatherForecast.js';
import { runBacktest } from './backtest/rollingOrigin.js';
import { DEFAULT_QUALITY, maskBadValues } from './data/quality.js';
import { loadTargetSeries, loadWeather } from './data/fromStore.js';
import { sliceInput, valueAt } from './data/series.js';
import { UNSCALED, adaptBandScale, gammaPerStep, scaleBand, type BandScale, type ScoredStep } from './evaluation/adaptiveBands.js';
import { nearZeroKwFor } from './evaluation/metrics.js';
import { judgeDrift, type DriftVerdict } from './evaluation/drift.js';
import { baselinesFor, defaultBaselineFor, MIN_TRAINING_DAYS, modelFor, type TrainedModelOptions } from './presets.js';
import { decidePromotion, servingName, type Serving } from './registry/promotion.js';
import { ModelRegistry, type SeriesRef } from './registry/registry.js';
import { scoreForecastPoints } from './scoring.js';
import { seriesContext, type SiteInfo } from './sites.js';
import type { ForecastInput, Forecaster, ModelShape, TrainingRuntime } from './types.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** History a forecast is issued from: enough for the LSTM's input window and the seasonal baselines' weekly lags. */
const ISSUE_HISTORY_DAYS = 35;
/** How far back the latest stored issue of the serving kind is looked for: older, the band starts over from 1. */
const BAND_STATE_DAYS = 3;
/**
 * The window scoreForecasts covers by default, back from now: the forecast job re-scores it every run, so
 * telemetry that arrives late still reaches the scores.
 */
export const DEFAULT_SCORING_HOURS = 48;

export interface ScoringWindow {
  /** Inclusive start of the steps scored, epoch ms. */
  fromMs: number;
  /** Exclusive end; steps that haven't ended by now are left for a later run. */
  toMs: number;
}

/** The stores forecasting uses: telemetry in, forecasts and their scores out. */
export type ForecastStores = Pick<Stores, 'telemetry' | 'forecasts'> & {
  /** Weather forecasts (NWP) of the sites, every vintage; absent: models see no weather forecast. */
  weatherForecasts?: WeatherForecastStore;
};

export interface ForecastServiceDeps {
  stores: ForecastStores;
  registry: ModelRegistry;
  config: ForecastConfig;
  sites: Map<string, SiteInfo>;
  logger: Logger;
  /** Injected clock (tests). */
  now?: () => number;
  /** Overrides of the trained model's defaults (tests train tiny models in seconds). */
  model?: Partial<TrainedModelOptions>;
}

/** A training run going on in this process, for the page and GET /api/v1/models/training. */
export interface TrainingProgress {
  series: SeriesRef;
  startedAtMs: number;
  /** `preparing` until the first epoch, `training` during them, `validating` after the last (the backtest next to the baselines). */
  phase: 'preparing' | 'training' | 'validating';
  epoch: number;
  /** 0 until the first epoch says how many there are. */
  epochs: number;
}

export interface TrainOutcome {
  series: SeriesRef;
  version: string;
  serving: Serving;
  promoted: boolean;
  reason: string;
}

/**
 * Training and issuing forecasts for one series at a time; the scheduler and the CLI only call these.
 * A forecast always comes from whatever serves the series (a promoted model or the best baseline),
 * and is stored with that name.
 */
export class ForecastService {
  private readonly now: () => number;
  private readonly progress = new Map<string, TrainingProgress>();
  constructor(private readonly d: ForecastServiceDeps) {
    this.now = d.now ?? Date.now;
  }

  /** The training runs going on in this process now (another instance's runs are not seen here). */
  trainingInProgress(): TrainingProgress[] {
    return [...this.progress.values()].map((p) => ({ ...p, series: { ...p.series } }));
  }

  /**
   * Trains a new model on the history, validates it day-ahead on the held-out last days next to the
   * serving model and the baselines, saves it, and lets it serve only if it beats both.
   */
  async train(ref: SeriesRef, runtime: TrainingRuntime = {}): Promise<TrainOutcome> {
    const key = `${ref.site}/${ref.feeder}/${ref.target}`;
    const progress: TrainingProgress = { series: { ...ref }, startedAtMs: this.now(), phase: 'preparing', epoch: 0, epochs: 0 };
    this.progress.set(key, progress);
    try {
      return await this.trainSeries(ref, {
        ...runtime,
        onEpoch: (p) => {
          progress.epoch = p.epoch;
          progress.epochs = p.epochs;
          progress.phase = p.epoch >= p.epochs ? 'validating' : 'training';
          runtime.onEpoch?.(p);
        },
      });
    } finally {
      this.progress.delete(key);
    }
  }

  /** Site totals of every target that has telemetry, and every feeder's when FORECAST_LEVELS asks. */
  async discoverSeries(): Promise<SeriesRef[]> {
    const keys = await this.d.stores.telemetry.listSeries();
    const out = new Map<string, SeriesRef>();
    for (const k of keys) {
      const target = FORECAST_TARGETS.find((t) => t === k.kind);
      if (!target) continue;
      out.set(`${k.site}/${SITE_TOTAL_FEEDER}/${target}`, { site: k.site, feeder: SITE_TOTAL_FEEDER, target });
      if (this.d.config.feederLevel) out.set(`${k.site}/${k.feeder}/${target}`, { site: k.site, feeder: k.feeder, target });
    }
    return [...out.values()];
  }

  private get stepMs(): number {
    return this.d.config.resolutionMinutes * 60_000;
  }

  /** A new model's shape at this resolution: a day of input (at most 48 steps) and a horizon covering both the forecast job and day-ahead validation. */
  private modelShape(): ModelShape {
    const perHour = HOUR_MS / this.stepMs;
    // One step more than the horizon: issued mid-step (the cron runs at :05), a forecast starts at the next full
    // step, one after the last observed one, so it reaches horizon + 1 steps past the last observation.
    return { inputSteps: Math.min(48, 24 * perHour), horizonSteps: (Math.max(this.d.config.horizonHours, 40) + 1) * perHour };
  }

  /** The series up to `untilMs`, with bad values masked and weather when the site has a station. */
  async input(ref: SeriesRef, days: number, untilMs: number): Promise<ForecastInput> {
    const stepMs = this.stepMs;
    const toMs = Math.floor(untilMs / stepMs) * stepMs;
    const raw = await loadTargetSeries(this.d.stores.telemetry, { ...ref, fromMs: toMs - days * DAY_MS, toMs, stepMs });
    const series = { ...raw, values: maskBadValues(raw.values, DEFAULT_QUALITY[ref.target], raw.stepMs).values };
    const weatherForecast = await this.weatherForecastTable(ref.site, series.startMs, toMs + (this.d.config.horizonHours + 24) * HOUR_MS, untilMs);
    const input: ForecastInput = {
      series,
      weather: await loadWeather(this.d.stores.telemetry, ref.site, series),
      ...(weatherForecast ? { weatherForecast } : {}),
      context: seriesContext(ref.target, this.d.sites.get(ref.site), this.d.config.defaultTimeZone),
    };
    // A young site's series starts at its first reading, not FORECAST_HISTORY_DAYS back: years of empty
    // steps cost time in every fit and feature, and say nothing.
    const first = series.values.findIndex(Number.isFinite);
    return first > 0 ? sliceInput(input, series.startMs + first * stepMs, toMs) : input;
  }

  /**
   * Every vintage of the site's weather forecasts for the hours in [fromMs, toMs) issued by `asOfMs`, as a
   * table the models look up as known at each issue time; undefined when there is none.
   */
  private async weatherForecastTable(site: string, fromMs: number, toMs: number, asOfMs: number): Promise<WeatherForecastTable | undefined> {
    const store = this.d.stores.weatherForecasts;
    if (!store) return undefined;
    const points = await store.readWeatherForecastHistory({ site, fromMs, toMs, asOfMs });
    if (points.length === 0) return undefined;
    const sources = [...new Set(points.map((p) => p.source))].join('+');
    return vintagedForecastTable(sources, HOUR_MS, points);
  }

  private async trainSeries(ref: SeriesRef, runtime: TrainingRuntime): Promise<TrainOutcome> {
    const { config, registry, logger } = this.d;
    const nowMs = this.now();
    const input = await this.input(ref, config.historyDays, nowMs);
    const observedDays = (input.series.values.filter(Number.isFinite).length * input.series.stepMs) / DAY_MS;
    const neededDays = MIN_TRAINING_DAYS + config.validationDays;
    if (observedDays < neededDays) {
      const series = `${ref.site}/${ref.feeder}/${ref.target}`;
      throw new InsufficientDataError(
        series,
        observedDays,
        neededDays,
        `${series}: ${observedDays.toFixed(1)} days of data; training needs at least ${neededDays} (${MIN_TRAINING_DAYS / 7} weeks plus FORECAST_VALIDATION_DAYS=${config.validationDays} to validate on). ${defaultBaselineFor(ref.target, input.context.latitude !== undefined).name} serves meanwhile.`,
      );
    }
    const kind = modelFor(ref.target);
    const candidate = kind.create(this.modelShape(), this.d.model, { ...runtime, logger });
    const incumbent = await this.servingForecaster(ref);
    const frozenIncumbent = incumbent && incumbent.serving.kind === 'model' ? frozen(incumbent.forecaster) : undefined;
    const baselines = baselinesFor(ref.target, input.context.latitude !== undefined);
    // One fit per model at the start of the validation window: trained only on data before it.
    const validation = await runBacktest(input, [candidate, ...(frozenIncumbent ? [frozenIncumbent] : []), ...baselines], {
      horizonSteps: 24 * (HOUR_MS / this.stepMs),
      issueHourLocal: 10,
      testDays: config.validationDays,
      retrainDays: config.validationDays + 1,
      // Live forecasts carry the bands as the model makes them, so validation scores those.
      bandAdaptation: 0,
    });
    const score = (name: string) => validation.models[name]!.overall.maeKw;
    const decision = decidePromotion(
      { serving: { kind: 'model', version: 'candidate' }, maeKw: score(candidate.name) },
      frozenIncumbent && incumbent ? { serving: incumbent.serving, maeKw: score(frozenIncumbent.name) } : undefined,
      baselines.map((b) => ({ serving: { kind: 'baseline', name: b.name } as Serving, maeKw: score(b.name) })),
    );
    const saved = await candidate.saveFiles();
    const version = await registry.saveVersion(
      {
        series: ref,
        resolutionMs: input.series.stepMs,
        features: saved.features,
        scalers: saved.scalers,
        options: saved.options,
        trainingWindow: { from: new Date(input.series.startMs).toISOString(), to: validation.testWindow.from },
        validation: {
          window: validation.testWindow,
          model: validation.models[candidate.name]!.overall,
          baselines: Object.fromEntries(baselines.map((b) => [b.name, validation.models[b.name]!.overall])),
        },
        backend: saved.backend,
        packageVersion: process.env.npm_package_version ?? '0.1.0',
        createdAt: new Date(nowMs).toISOString(),
      },
      saved.files,
      nowMs,
    );
    const serve: Serving = decision.serve.kind === 'model' && decision.serve.version === 'candidate' ? { kind: 'model', version } : decision.serve;
    const reason = decision.reason.replace(servingName({ kind: 'model', version: 'candidate' }), servingName({ kind: 'model', version }));
    await registry.setServing(ref, serve, decision.promoted ? 'promote' : 'keep', reason, nowMs);
    logger.info({ series: ref, version, serving: servingName(serve), promoted: decision.promoted }, reason);
    return { series: ref, version, serving: serve, promoted: decision.promoted, reason };
  }

  /** Issues a forecast now with whatever serves the series and stores it. Returns the points written. */
  async forecast(ref: SeriesRef): Promise<ForecastPoint[]> {
    const { config, stores, logger } = this.d;
    const nowMs = this.now();
    const input = await this.input(ref, ISSUE_HISTORY_DAYS, nowMs);
    let serving = (await this.servingForecaster(ref)) ?? (await this.defaultBaseline(input));
    const firstTargetMs = Math.ceil(nowMs / input.series.stepMs) * input.series.stepMs;
    const request = { issuedAtMs: nowMs, firstTargetMs, horizon: Math.round((config.horizonHours * HOUR_MS) / input.series.stepMs) };
    let f;
    try {
      f = await serving.forecaster.predict(input, request);
    } catch (err) {
      if (!(err instanceof MissingWeatherForecastError)) throw err;
      // The model reads a weather forecast that isn't there (or too short): the best baseline of its own
      // validation forecasts instead, under its own name, and why is recorded for /api/v1/models.
      serving = await this.fallbackBaseline(ref, input, serving.serving);
      f = await serving.forecaster.predict(input, request);
      const reason = `${err.message}: ${servingName(serving.serving)} forecast instead`;
      await this.d.registry.recordFallback(ref, { at: new Date(nowMs).toISOString(), used: servingName(serving.serving), reason });
      logger.warn({ series: ref, fallback: servingName(serving.serving), missingSteps: err.missingSteps }, reason);
    }
    const model = servingName(serving.serving);
    const scale = await this.bandScale(ref, model, input, nowMs);
    const banded = scaleBand(f, scale, ref.target === 'load' ? Number.NEGATIVE_INFINITY : 0);
    const scaled = scale.lower !== 1 || scale.upper !== 1 ? { bandScaleLower: scale.lower, bandScaleUpper: scale.upper } : {};
    const points: ForecastPoint[] = banded.timesMs
      .map((timeMs, i) => ({ ...ref, model, issuedAtMs: nowMs, timeMs, p10Kw: banded.p10[i]!, p50Kw: banded.p50[i]!, p90Kw: banded.p90[i]!, ...scaled }))
      .filter((p) => Number.isFinite(p.p10Kw) && Number.isFinite(p.p50Kw) && Number.isFinite(p.p90Kw));
    await stores.forecasts.writeForecasts(points);
    logger.info({ series: ref, model, steps: points.length, issuedAt: new Date(nowMs).toISOString(), bandScale: scale }, 'forecast issued');
    return points;
  }

  /**
   * How to scale the band of a forecast `model` issues now (adaptive bands, src/forecast/evaluation/
   * recalibration.ts): the factors its latest stored issue carried, moved by every step of its stored forecasts
   * that ended since then, judged against the band as issued. Any version of the same kind counts (a
   * retrained LSTM carries the LSTM's record); nothing stored in the last days: from 1. The backtest does the
   * same pass (adaptForecasts), so its coverage is what the platform's bands do.
   */
  private async bandScale(ref: SeriesRef, model: string, input: ForecastInput, nowMs: number): Promise<BandScale> {
    const gamma = this.d.config.bandAdaptation;
    if (gamma === 0) return UNSCALED;
    const stepMs = input.series.stepMs;
    const kind = (name: string) => name.split('@')[0];
    const fromMs = Math.floor((nowMs - BAND_STATE_DAYS * DAY_MS) / stepMs) * stepMs;
    const own = (await this.d.stores.forecasts.readForecastHistory({ ...ref, fromMs, toMs: nowMs + (this.d.config.horizonHours + 24) * HOUR_MS })).filter(
      (p) => kind(p.model) === kind(model) && p.issuedAtMs < nowMs,
    );
    if (own.length === 0) return UNSCALED;
    const latest = own.reduce((a, p) => (p.issuedAtMs > a.issuedAtMs ? p : a));
    const start = { lower: latest.bandScaleLower ?? 1, upper: latest.bandScaleUpper ?? 1 };
    // Steps that ended after the latest issue (the ones before are in its factors already) and by now.
    const steps = new Map<number, ScoredStep[]>();
    for (const p of own) {
      const endMs = p.timeMs + stepMs;
      if (endMs <= latest.issuedAtMs || endMs > nowMs) continue;
      const scored = steps.get(p.timeMs) ?? [];
      scored.push({ actual: valueAt(input.series, p.timeMs), p10: p.p10Kw, p50: p.p50Kw, p90: p.p90Kw });
      steps.set(p.timeMs, scored);
    }
    return adaptBandScale(start, [...steps].sort(([a], [b]) => a - b).map(([, s]) => s), gammaPerStep(gamma, stepMs));
  }

  /**
   * Scores the stored forecasts of the steps in `window` whose actuals are observed now, and writes the
   * scores to `forecast_error` (src/forecast/scoring.ts):
   * - every stored point, each issue time and lead, under the model that issued it;
   * - each baseline of the target on the same issue times and steps, re-run on what was observed before
   *   each issue time (the same history forecast() would have used then), under the baseline's name, so
   *   "model vs baselines" is a GROUP BY model. A baseline that itself served an issue is scored as stored.
   * Actuals are the series the models train on (loadTargetSeries, bad values masked). Idempotent: a
   * re-score of the same window writes the same keys again. Returns the points written.
   */
  async scoreForecasts(ref: SeriesRef, window?: ScoringWindow): Promise<ForecastErrorPoint[]> {
    const { stores, logger } = this.d;
    const nowMs = this.now();
    const stepMs = this.stepMs;
    const fromMs = Math.ceil((window?.fromMs ?? nowMs - DEFAULT_SCORING_HOURS * HOUR_MS) / stepMs) * stepMs;
    // Only a step that has ended is observed.
    const toMs = Math.min(window?.toMs ?? nowMs, Math.floor(nowMs / stepMs) * stepMs);
    if (fromMs >= toMs) return [];
    const stored = await stores.forecasts.readForecastHistory({ ...ref, fromMs, toMs });
    if (stored.length === 0) return [];

    // What each issue forecast: its steps in the window and the models that issued them.
    const issues = new Map<number, { timesMs: Set<number>; models: Set<string> }>();
    for (const p of stored) {
      const issue = issues.get(p.issuedAtMs) ?? { timesMs: new Set<number>(), models: new Set<string>() };
      issue.timesMs.add(p.timeMs);
      issue.models.add(p.model);
      issues.set(p.issuedAtMs, issue);
    }
    const firstIssueMs = Math.min(...issues.keys());
    const raw = await loadTargetSeries(stores.telemetry, { ...ref, fromMs: Math.floor(firstIssueMs / stepMs) * stepMs - ISSUE_HISTORY_DAYS * DAY_MS, toMs, stepMs });
    const rawInput: ForecastInput = { series: raw, weather: await loadWeather(stores.telemetry, ref.site, raw), context: seriesContext(ref.target, this.d.sites.get(ref.site), this.d.config.defaultTimeZone) };
    const actuals = { ...raw, values: maskBadValues(raw.values, DEFAULT_QUALITY[ref.target], raw.stepMs).values };

    const baselines = baselinesFor(ref.target, rawInput.context.latitude !== undefined);
    const replayed: ForecastPoint[] = [];
    const nearZeroKw = new Map<number, number>();
    for (const [issuedAtMs, issue] of issues) {
      const history = this.historyAt(rawInput, issuedAtMs);
      nearZeroKw.set(issuedAtMs, nearZeroKwFor(history.series.values));
      const firstTargetMs = Math.ceil(issuedAtMs / stepMs) * stepMs;
      const horizon = Math.round((Math.max(...issue.timesMs) - firstTargetMs) / stepMs) + 1;
      for (const baseline of baselines) {
        if (issue.models.has(baseline.name)) continue;
        await baseline.fit(history);
        const f = await baseline.predict(history, { issuedAtMs, firstTargetMs, horizon });
        f.timesMs.forEach((timeMs, i) => {
          const p = { ...ref, model: baseline.name, issuedAtMs, timeMs, p10Kw: f.p10[i]!, p50Kw: f.p50[i]!, p90Kw: f.p90[i]! };
          if (issue.timesMs.has(timeMs) && Number.isFinite(p.p10Kw) && Number.isFinite(p.p50Kw) && Number.isFinite(p.p90Kw)) replayed.push(p);
        });
      }
    }
    const points = scoreForecastPoints([...stored, ...replayed], actuals, (issuedAtMs) => nearZeroKw.get(issuedAtMs) ?? 0);
    await stores.forecasts.writeForecastErrors(points);
    logger.info({ series: ref, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), issues: issues.size, points: points.length }, 'forecasts scored');
    return points;
  }

  /**
   * Has the serving model drifted? Its scored day-ahead error over the last FORECAST_DRIFT_DAYS (issues made
   * since it was created) against its validation MAE (src/forecast/evaluation/drift.ts). A drift is recorded
   * in the registry (GET /api/v1/models: lastDrift); the caller retrains. Undefined when a baseline serves.
   */
  async checkDrift(ref: SeriesRef): Promise<DriftVerdict | undefined> {
    const serving = (await this.d.registry.serving(ref)).serving;
    if (serving?.kind !== 'model') return undefined;
    const versions = await this.d.registry.versions(ref);
    const meta = versions.find((v) => v.version === serving.version) ?? (await this.d.registry.metadata(ref, serving.version));
    const model = servingName(serving);
    const nowMs = this.now();
    const { margin, days } = this.d.config.drift;
    const fromMs = Math.max(Date.parse(meta.createdAt), nowMs - days * DAY_MS);
    const scores = (await this.d.stores.forecasts.readForecastErrors({ ...ref, fromMs, toMs: nowMs })).filter((p) => p.model === model && p.issuedAtMs >= Date.parse(meta.createdAt));
    const lastTrainedMs = Math.max(...versions.map((v) => Date.parse(v.createdAt)));
    const verdict = judgeDrift(scores, meta.validation.model.maeKw, model, { margin, days, nowMs, lastTrainedMs });
    if (verdict.drifted) {
      await this.d.registry.recordDrift(ref, { at: new Date(nowMs).toISOString(), model, liveMaeKw: verdict.liveMaeKw, validationMaeKw: verdict.validationMaeKw, reason: verdict.reason });
      this.d.logger.warn({ series: ref, model, liveMaeKw: verdict.liveMaeKw, validationMaeKw: verdict.validationMaeKw, days: verdict.days }, verdict.reason);
    }
    return verdict;
  }

  /** What forecast() would have seen if issued at `issuedAtMs`: the history before it, bad values masked. */
  private historyAt(raw: ForecastInput, issuedAtMs: number): ForecastInput {
    const untilMs = Math.floor(issuedAtMs / this.stepMs) * this.stepMs;
    const window = sliceInput(raw, untilMs - ISSUE_HISTORY_DAYS * DAY_MS, issuedAtMs);
    const target = window.context.target;
    return { ...window, series: { ...window.series, values: maskBadValues(window.series.values, DEFAULT_QUALITY[target], window.series.stepMs).values } };
  }

  private async servingForecaster(ref: SeriesRef): Promise<{ serving: Serving; forecaster: Forecaster } | undefined> {
    const state = await this.d.registry.serving(ref);
    const s = state.serving;
    if (!s) return undefined;
    if (s.kind === 'model') {
      const forecaster = await modelFor(ref.target).loadFiles((name) => this.d.registry.readFile(ref, s.version, name), { logger: this.d.logger });
      return { serving: s, forecaster };
    }
    const baseline = baselinesFor(ref.target, true).find((b) => b.name === s.name);
    if (!baseline) return undefined;
    return { serving: s, forecaster: baseline };
  }

  /** The baseline with the lowest validation MAE next to the serving model (the target's default when unknown), fitted. */
  private async fallbackBaseline(ref: SeriesRef, input: ForecastInput, serving: Serving): Promise<{ serving: Serving; forecaster: Forecaster }> {
    const validation = serving.kind === 'model' ? (await this.d.registry.metadata(ref, serving.version)).validation.baselines : {};
    const best = Object.entries(validation).filter(([, m]) => Number.isFinite(m.maeKw)).sort(([, a], [, b]) => a.maeKw - b.maeKw)[0]?.[0];
    const hasPosition = input.context.latitude !== undefined;
    const f = baselinesFor(ref.target, hasPosition).find((b) => b.name === best) ?? defaultBaselineFor(ref.target, hasPosition);
    await f.fit(input);
    return { serving: { kind: 'baseline', name: f.name }, forecaster: f };
  }

  /** Before any training: the target's default baseline (fitted on what there is). */
  private async defaultBaseline(input: ForecastInput): Promise<{ serving: Serving; forecaster: Forecaster }> {
    const f = defaultBaselineFor(input.context.target, input.context.latitude !== undefined);
    await f.fit(input);
    return { serving: { kind: 'baseline', name: f.name }, forecaster: f };
  }
}

/** The serving model as it is: validation must not retrain it, or it would not be the model that serves. */
function frozen(f: Forecaster): Forecaster {
  return { name: `serving:${f.name}`, fit: async () => undefined, predict: (input, req) => f.predict(input, req) };
}

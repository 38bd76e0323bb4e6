import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, DispatchError, DispatchRunError, errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { histogram, type Histogram, type Registry } from '../common/metrics.js';
import type { MqttConfig } from '../config/index.js';
import type { Stores } from '../storage/index.js';
import { scenarioFromForecasts, type ForecastsForDispatch } from './fromForecasts.js';
import { optimizeDispatch, warmUpDispatch } from './optimize.js';
import type { DispatchPlan } from './plan.js';
import { mqttPlanPublisher, type PlanPublisher } from './publisher.js';
import { dispatchFileSchema, type Scenario, type SiteDispatch } from './scenario.js';
import { toStoredPlan } from './stored.js';
import { livePriceSteps, priceSpans } from './livePrices.js';
import { priceSeries } from './steps.js';
import { FORECAST_TARGETS, SITE_TOTAL_FEEDER, pricePointsOf, type PricePoint, type priceMessageSchema } from '../contract/index.js';
import type { z } from 'zod';
import { byRisk, feederCongestion, FLOW_TARGETS, type FeederRating } from '../forecast/index.js';

/** The dispatch settings of every site, from DISPATCH_FILE (YAML or JSON). */
export function loadDispatchFile(path: string): SiteDispatch[] {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError([`DISPATCH_FILE: cannot read '${path}': ${errorMessage(err)}`]);
  }
  const parsed = dispatchFileSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `DISPATCH_FILE '${path}': ${i.path.join('.')}: ${i.message}`));
  return parsed.data.sites;
}

/** The stores dispatch uses. */
export type DispatchStores = Pick<Stores, 'telemetry' | 'forecasts' | 'dispatchPlans' | 'prices'>;

/** What storing a price series answers: how many intervals and the span they cover. */
export interface StoredPrices {
  site: string;
  source: string;
  currency: string;
  intervals: number;
  fromMs: number;
  toMs: number;
  receivedAtMs: number;
}

/** Longest published price interval (PT60M): how far before a plan's start a covering price can begin. */
const MAX_PRICE_INTERVAL_MS = 3_600_000;

export interface DispatchServiceOptions {
  /** Forecasts in, plans out; telemetry for the battery's state of charge. */
  stores: DispatchStores;
  sites: readonly SiteDispatch[];
  publisher?: PlanPublisher;
  logger: Logger;
  now?: () => number;
  /** The process's Prometheus registry: each plan's HiGHS solve time goes into `gridcast_dispatch_solve_seconds`. */
  metrics?: Registry;
  /** A site's feeder ratings (SITES_FILE feederRatings): each plan then says each feeder's congestion risk. */
  feederRatings?: (site: string) => readonly FeederRatingEntry[];
}

export interface FeederRatingEntry extends FeederRating {
  feeder: string;
}

/** A battery meter's state of charge counts as current for this long. */
const SOC_MAX_AGE_MS = 3_600_000;

/**
 * Plans from stored forecasts: for a site, the latest load/PV/wind forecasts (site total) from the next
 * step boundary, the measured battery SoC when a battery meter reports one, the MILP, then the plan
 * stored and published. Run after each scheduled forecast and on demand (CLI, API).
 */
export class DispatchService {
  private readonly now: () => number;
  private readonly bySite: Map<string, SiteDispatch>;
  private readonly solveSeconds: Histogram | undefined;

  constructor(private readonly o: DispatchServiceOptions) {
    this.now = o.now ?? Date.now;
    this.bySite = new Map(o.sites.map((s) => [s.site, s]));
    this.solveSeconds = o.metrics
      ? histogram(o.metrics, {
          name: 'gridcast_dispatch_solve_seconds',
          help: "HiGHS's time to solve one site's plan (the MILP; not reading forecasts, not storing the plan), scheduled and on-demand runs",
          // A 48 h plan at 15 minutes solves in 0.1–1.5 s once warm; the time limit (solver.timeLimitSeconds) caps the tail.
          buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
        })
      : undefined;
  }

  get siteIds(): string[] {
    return [...this.bySite.keys()];
  }

  async run(siteId: string): Promise<DispatchPlan> {
    const site = this.siteOf(siteId);
    const issuedAtMs = this.now();
    const stepMs = site.stepMinutes * 60_000;
    const startMs = Math.ceil(issuedAtMs / stepMs) * stepMs;
    const toMs = startMs + site.horizonHours * 3_600_000;
    const read = (target: (typeof FORECAST_TARGETS)[number]) =>
      this.o.stores.forecasts.readForecasts({ site: site.site, feeder: SITE_TOTAL_FEEDER, target, fromMs: startMs - 3_600_000, toMs });
    const [load, pv, wind] = await Promise.all(FORECAST_TARGETS.map(read));
    const forecasts: ForecastsForDispatch = { load: load!, pv: pv!, wind: wind! };
    const planned = scenarioFromForecasts(site, forecasts, startMs, await this.batterySoc(site, issuedAtMs));
    const { scenario, prices } = await this.withPublishedPrices(site, planned);
    const used = Object.fromEntries(
      FORECAST_TARGETS.flatMap((t) => {
        const f = scenario.forecasts[t];
        return f?.model && f.issuedAt ? [[t, { model: f.model, issuedAt: f.issuedAt }]] : [];
      }),
    );
    const optimized = await optimizeDispatch(scenario, { issuedAtMs, forecasts: used, prices });
    const congestion = await this.congestion(site.site, startMs, Date.parse(optimized.steps.at(-1)?.time ?? new Date(startMs).toISOString()) + stepMs);
    const plan: DispatchPlan = congestion.length > 0 ? { ...optimized, congestion } : optimized;
    this.solveSeconds?.observe(plan.solver.solveMs / 1000);
    await this.o.stores.dispatchPlans.writeDispatchPlan(toStoredPlan(plan));
    await this.o.publisher?.publish(plan).catch((err: unknown) => this.o.logger.warn({ site: siteId, err: errorMessage(err) }, 'dispatch plan stored but not published on MQTT'));
    this.o.logger.info(
      { site: siteId, steps: plan.steps.length, cost: plan.cost.total, savings: plan.savings, issues: plan.diagnosis.issues.length, solveMs: Math.round(plan.solver.solveMs), status: plan.solver.status },
      plan.diagnosis.feasible ? 'dispatch plan issued' : `dispatch plan issued with ${plan.diagnosis.issues.length} limit(s) that gave way: ${plan.diagnosis.issues.map((i) => i.message).join(' | ')}`,
    );
    return plan;
  }

  /**
   * Stores a validated price message for a configured site (source: api, mqtt, entsoe): the next plan uses it
   * where it covers the plan's steps. DispatchError 'unknown_site' or 'price_currency' (not the site's currency).
   */
  async storePrices(siteId: string, message: z.output<typeof priceMessageSchema>, source: string): Promise<StoredPrices> {
    const site = this.siteOf(siteId);
    if (message.currency !== site.currency) {
      throw new DispatchError('price_currency', siteId, `prices are in ${message.currency}, but site '${siteId}' plans in ${site.currency} (currency in DISPATCH_FILE): send ${site.currency} prices`);
    }
    const receivedAtMs = this.now();
    const points = pricePointsOf(siteId, source, message, receivedAtMs);
    await this.o.stores.prices.writePrices(points);
    const fromMs = Math.min(...points.map((p) => p.timeMs));
    const toMs = Math.max(...points.map((p) => p.timeMs + p.durationMs));
    this.o.logger.info({ site: siteId, source, intervals: points.length, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() }, 'electricity prices stored');
    return { site: siteId, source, currency: message.currency, intervals: points.length, fromMs, toMs, receivedAtMs };
  }

  /** Each rated feeder's risk over [fromMs, toMs), from its own latest forecasts, riskiest first. */
  private async congestion(siteId: string, fromMs: number, toMs: number): Promise<NonNullable<DispatchPlan['congestion']>> {
    const rated = this.o.feederRatings?.(siteId) ?? [];
    const risks = await Promise.all(
      rated.map(async (f) => {
        const forecasts = Object.fromEntries(
          await Promise.all(FLOW_TARGETS.map(async (target) => [target, await this.o.stores.forecasts.readForecasts({ site: siteId, feeder: f.feeder, target, fromMs, toMs })] as const)),
        );
        return feederCongestion(f.feeder, f, forecasts);
      }),
    );
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const pct = (p: number) => `${(100 * p).toFixed(p < 0.1 ? 1 : 0)} %`;
    return risks.sort(byRisk).map((r) => ({
      feeder: r.feeder,
      ratingKw: r.ratingKw,
      reverseRatingKw: r.reverseRatingKw,
      maxOverloadProbability: r.maxOverloadProbability,
      maxOverloadAt: iso(r.maxOverloadAtMs),
      maxReverseFlowProbability: r.maxReverseFlowProbability,
      maxReverseFlowAt: iso(r.maxReverseFlowAtMs),
      reason:
        r.targets.length === 0
          ? `no forecast for feeder ${r.feeder} in the plan's horizon (FORECAST_LEVELS=site,feeder forecasts feeders)`
          : `feeder ${r.feeder}: overload (above ${r.ratingKw} kW) up to ${pct(r.maxOverloadProbability!)} at ${iso(r.maxOverloadAtMs)}, reverse flow (above ${r.reverseRatingKw} kW) up to ${pct(r.maxReverseFlowProbability!)} at ${iso(r.maxReverseFlowAtMs)}`,
    }));
  }

  private siteOf(siteId: string): SiteDispatch {
    const site = this.bySite.get(siteId);
    if (!site) throw new DispatchError('unknown_site', siteId, `site '${siteId}' has no dispatch settings; known sites: ${this.siteIds.join(', ') || '(none: set DISPATCH_FILE)'}`);
    return site;
  }

  /**
   * The scenario with each step's import and export price from the latest published prices (in the site's
   * currency) where they cover the step, else the dispatch file's; and which source each step's price came from.
   */
  private async withPublishedPrices(site: SiteDispatch, scenario: Scenario): Promise<{ scenario: Scenario; prices: NonNullable<DispatchPlan['prices']> }> {
    const startMs = Date.parse(scenario.start);
    const stepMs = scenario.stepMinutes * 60_000;
    const steps = scenario.forecasts.load.p50Kw.length;
    const timesMs = Array.from({ length: steps }, (_, t) => startMs + t * stepMs);
    const published: PricePoint[] = await this.o.stores.prices.readPrices({ site: site.site, currency: site.currency, fromMs: startMs - MAX_PRICE_INTERVAL_MS, toMs: startMs + steps * stepMs });
    const live = livePriceSteps(published, timesMs, stepMs);
    const staticImport = priceSeries(scenario.grid.importPricePerKwh, timesMs, scenario.timeZone, 'grid.importPricePerKwh');
    const staticExport = priceSeries(scenario.grid.exportPricePerKwh, timesMs, scenario.timeZone, 'grid.exportPricePerKwh');
    const prices = { import: priceSpans(timesMs, stepMs, live.map((l) => l.from)), export: priceSpans(timesMs, stepMs, live.map((l) => l.exportFrom)) };
    if (live.every((l) => l.importPerKwh === undefined && l.exportPerKwh === undefined)) return { scenario, prices };
    return {
      scenario: {
        ...scenario,
        grid: {
          ...scenario.grid,
          importPricePerKwh: { series: live.map((l, t) => l.importPerKwh ?? staticImport[t]!) },
          exportPricePerKwh: { series: live.map((l, t) => l.exportPerKwh ?? staticExport[t]!) },
        },
      },
      prices,
    };
  }

  /**
   * Every site in turn; one failing (no forecast yet) doesn't stop the others. Rejects with DispatchRunError
   * afterwards when any site got no new plan: its controller goes on with an older one, which an operator
   * should hear about (the scheduler counts the run as failed).
   */
  async runAll(): Promise<void> {
    const failed: { site: string; error: string }[] = [];
    for (const site of this.siteIds) {
      await this.run(site).catch((err: unknown) => {
        this.o.logger.warn({ site, err: errorMessage(err) }, 'dispatch failed for site');
        failed.push({ site, error: errorMessage(err) });
      });
    }
    if (failed.length > 0) throw new DispatchRunError(failed, this.siteIds.length);
  }

  /** Latest soc_pct of each battery meter (meter id = battery id) reported in the last hour. */
  private async batterySoc(site: SiteDispatch, nowMs: number): Promise<Record<string, number>> {
    if (site.batteries.length === 0) return {};
    const series = await this.o.stores.telemetry.queryTelemetry({
      field: 'soc_pct',
      fromMs: nowMs - SOC_MAX_AGE_MS,
      toMs: nowMs + 1,
      where: { site: site.site, kind: 'battery' },
      bucketMs: 60_000,
      aggregate: 'last',
      groupBy: ['meter'],
    });
    const soc: Record<string, number> = {};
    for (const s of series) {
      const last = s.points[s.points.length - 1];
      if (s.tags.meter && last && site.batteries.some((b) => b.id === s.tags.meter)) soc[s.tags.meter] = last.value;
    }
    return soc;
  }
}

export interface ConfiguredDispatch {
  service: DispatchService;
  close(): Promise<void>;
}

/**
 * The dispatch stage as a process runs it: the sites of `file`, plans stored in `stores` and published on
 * `mqttUrl` (when given), the solver warmed up in the background so the first plan doesn't pay for it.
 */
export function startDispatch(o: {
  file: string;
  stores: DispatchStores;
  mqttUrl?: string;
  mqtt: MqttConfig;
  logger: Logger;
  metrics?: Registry;
  feederRatings?: DispatchServiceOptions['feederRatings'];
}): ConfiguredDispatch {
  const sites = loadDispatchFile(o.file);
  const publisher = o.mqttUrl ? mqttPlanPublisher(o.mqttUrl, o.mqtt, o.metrics) : undefined;
  const service = new DispatchService({ stores: o.stores, sites, publisher, logger: o.logger, metrics: o.metrics, ...(o.feederRatings ? { feederRatings: o.feederRatings } : {}) });
  void warmUpDispatch().then(
    (ms) => o.logger.info({ sites: service.siteIds, warmUpMs: Math.round(ms) }, 'dispatch ready (solver warmed up)'),
    (err: unknown) => o.logger.warn({ err: errorMessage(err) }, 'dispatch solver warm-up failed'),
  );
  return { service, close: async () => publisher?.close() };
}

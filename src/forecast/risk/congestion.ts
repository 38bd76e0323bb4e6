import type { ForecastPoint, ForecastTarget } from '../../contract/index.js';

/**
 * Congestion risk from the forecast's quantiles: the probability that a feeder's (or transformer's) flow exceeds
 * its rating at a step. NGED's Flexpectation frames flexibility needs around this upper tail.
 *
 * A forecast gives P10, P50 and P90 only. Read as a two-piece normal (median P50, each side's spread from its own
 * half-band, so P10 and P90 come back exactly and a skewed band keeps its skew), the tails beyond P10 and P90
 * follow a normal's: thin, which is what the bands' calibration (80 % of actuals inside) can speak for, no more.
 */

/** z of the 90th percentile of a standard normal. */
const Z90 = 1.2815515655446004;

export interface QuantilesKw {
  p10Kw: number;
  p50Kw: number;
  p90Kw: number;
}

/** The two-piece normal through three quantiles: median and each side's standard deviation. */
export interface TwoPieceNormal {
  medianKw: number;
  lowerSigmaKw: number;
  upperSigmaKw: number;
}

export function twoPieceNormal(q: QuantilesKw): TwoPieceNormal {
  return { medianKw: q.p50Kw, lowerSigmaKw: Math.max(0, q.p50Kw - q.p10Kw) / Z90, upperSigmaKw: Math.max(0, q.p90Kw - q.p50Kw) / Z90 };
}

/** P(X > thresholdKw) for X following `d`. A zero-width side is a step: certain on one side of the median. */
export function exceedance(d: TwoPieceNormal, thresholdKw: number): number {
  const sigma = thresholdKw >= d.medianKw ? d.upperSigmaKw : d.lowerSigmaKw;
  if (sigma === 0) return thresholdKw >= d.medianKw ? 0 : 1;
  return 1 - standardNormalCdf((thresholdKw - d.medianKw) / sigma);
}

/** P(X > thresholdKw) for a forecast step given by its quantiles. */
export function exceedanceProbability(q: QuantilesKw, thresholdKw: number): number {
  return exceedance(twoPieceNormal(q), thresholdKw);
}

/**
 * Net export of a feeder, generation minus load, as a two-piece normal: medians add, and each side's spread is
 * the root sum of squares of the sides that push it that way (export rises with PV and wind, and falls with load),
 * as if the three were independent. Their errors share the weather, so this understates the tail when a sunny
 * forecast is wrong for both PV and load together; it is the honest reading of three separate bands.
 */
export function netExport(load: QuantilesKw | undefined, generation: readonly QuantilesKw[]): TwoPieceNormal {
  const g = generation.map(twoPieceNormal);
  const l = load ? twoPieceNormal(load) : { medianKw: 0, lowerSigmaKw: 0, upperSigmaKw: 0 };
  const rss = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0));
  return {
    medianKw: g.reduce((s, x) => s + x.medianKw, 0) - l.medianKw,
    upperSigmaKw: rss([...g.map((x) => x.upperSigmaKw), l.lowerSigmaKw]),
    lowerSigmaKw: rss([...g.map((x) => x.lowerSigmaKw), l.upperSigmaKw]),
  };
}

export interface FeederRating {
  /** Most import (load) the feeder or its transformer carries, kW (kVA × an assumed power factor of 1). */
  ratingKw: number;
  /** Most export (reverse flow from PV and wind) it carries, kW; the import rating when absent. */
  reverseRatingKw?: number;
}

export interface StepForecasts {
  timeMs: number;
  load?: QuantilesKw;
  pv?: QuantilesKw;
  wind?: QuantilesKw;
}

export interface StepRisk {
  timeMs: number;
  /** P(load − generation > ratingKw): the load alone where there is no generation forecast. */
  overloadProbability: number;
  /** P(generation − load > reverseRatingKw); 0 without a generation forecast. */
  reverseFlowProbability: number;
}

/** Each step's probability of overload and of reverse flow beyond the rating. */
export function congestionRisk(steps: readonly StepForecasts[], rating: FeederRating): StepRisk[] {
  const reverse = rating.reverseRatingKw ?? rating.ratingKw;
  return steps.map((s) => {
    const generation = [s.pv, s.wind].filter((q): q is QuantilesKw => q !== undefined);
    const net = netExport(s.load, generation);
    // Import = −export: P(import > r) = P(export < −r) = 1 − P(export > −r).
    const overloadProbability = s.load ? 1 - exceedance(net, -rating.ratingKw) : 0;
    const reverseFlowProbability = generation.length > 0 ? exceedance(net, reverse) : 0;
    return { timeMs: s.timeMs, overloadProbability, reverseFlowProbability };
  });
}

/** The generation and load targets a feeder's flow is made of. */
export const FLOW_TARGETS = ['load', 'pv', 'wind'] as const satisfies readonly ForecastTarget[];
export type FlowTarget = (typeof FLOW_TARGETS)[number];

export interface FeederCongestion {
  feeder: string;
  ratingKw: number;
  reverseRatingKw: number;
  /** The forecasts read; none: no forecast in the range, and no figures. */
  targets: FlowTarget[];
  maxOverloadProbability: number | null;
  maxOverloadAtMs: number | null;
  maxReverseFlowProbability: number | null;
  maxReverseFlowAtMs: number | null;
  steps: StepRisk[];
}

/** One feeder's risk per step from its forecasts (each the latest per step), and its worst steps. */
export function feederCongestion(feeder: string, rating: FeederRating, forecasts: Partial<Record<FlowTarget, readonly ForecastPoint[]>>): FeederCongestion {
  const byTime = new Map<number, StepForecasts>();
  const targets = FLOW_TARGETS.filter((t) => (forecasts[t]?.length ?? 0) > 0);
  for (const target of targets) {
    for (const p of forecasts[target]!) {
      const step = byTime.get(p.timeMs) ?? { timeMs: p.timeMs };
      step[target] = { p10Kw: p.p10Kw, p50Kw: p.p50Kw, p90Kw: p.p90Kw };
      byTime.set(p.timeMs, step);
    }
  }
  const reverseRatingKw = rating.reverseRatingKw ?? rating.ratingKw;
  const steps = congestionRisk([...byTime.values()].sort((a, b) => a.timeMs - b.timeMs), { ratingKw: rating.ratingKw, reverseRatingKw });
  const worst = (key: 'overloadProbability' | 'reverseFlowProbability') => steps.reduce<StepRisk | undefined>((a, s) => (!a || s[key] > a[key] ? s : a), undefined);
  const overload = worst('overloadProbability');
  const reverse = worst('reverseFlowProbability');
  return {
    feeder,
    ratingKw: rating.ratingKw,
    reverseRatingKw,
    targets,
    maxOverloadProbability: overload?.overloadProbability ?? null,
    maxOverloadAtMs: overload?.timeMs ?? null,
    maxReverseFlowProbability: reverse?.reverseFlowProbability ?? null,
    maxReverseFlowAtMs: reverse?.timeMs ?? null,
    steps,
  };
}

/** The riskiest feeder first (by its worst step of either kind); feeders without figures last, then by id. */
export function byRisk(a: FeederCongestion, b: FeederCongestion): number {
  const top = (f: FeederCongestion) => Math.max(f.maxOverloadProbability ?? -1, f.maxReverseFlowProbability ?? -1);
  return top(b) - top(a) || a.feeder.localeCompare(b.feeder);
}

/**
 * Φ(x), the standard normal CDF, from erfc by the Numerical Recipes Chebyshev fit (fractional error below
 * 1.2e-7 everywhere): far better than the probabilities it feeds need.
 */
export function standardNormalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

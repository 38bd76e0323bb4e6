import { DispatchError } from '../common/errors.js';
import type { QuantileSeries, Scenario, SiteDispatch } from './scenario.js';
import { scenarioSchema } from './scenario.js';
import type { ForecastPoint } from '../contract/index.js';

/**
 * A scenario from a site's dispatch settings and stored forecasts, pure. Each plan step takes the
 * forecast step that contains its start (hourly forecasts hold over four 15-minute steps). The
 * horizon stops where the load forecast stops: a plan never runs on load it doesn't know.
 */
export interface ForecastsForDispatch {
  load: readonly ForecastPoint[];
  pv: readonly ForecastPoint[];
  wind: readonly ForecastPoint[];
}

export function scenarioFromForecasts(
  site: SiteDispatch,
  forecasts: ForecastsForDispatch,
  startMs: number,
  socInitialPct: Readonly<Record<string, number>> = {},
): Scenario {
  const stepMs = site.stepMinutes * 60_000;
  const maxSteps = Math.floor((site.horizonHours * 3_600_000) / stepMs);
  // One resolution for all three (the forecast job issues them alike); a series of one point can't tell its own.
  const forecastStepMs = inferStepMs(forecasts.load) ?? inferStepMs(forecasts.pv) ?? inferStepMs(forecasts.wind) ?? stepMs;
  const load = holdSeries(forecasts.load, startMs, stepMs, maxSteps, forecastStepMs);
  const steps = load.findIndex((p) => p === undefined);
  const covered = steps === -1 ? maxSteps : steps;
  if (covered === 0) {
    throw new DispatchError(
      'no_forecast',
      site.site,
      `no load forecast for site ${site.site} (feeder all) covering ${new Date(startMs).toISOString()}: run 'gridcast forecast' or the scheduler first`,
    );
  }
  const quantiles = (points: (ForecastPoint | undefined)[], missingAsZero: boolean): QuantileSeries | undefined => {
    const used = points.slice(0, covered);
    if (used.every((p) => p === undefined)) return undefined;
    if (!missingAsZero && used.some((p) => p === undefined)) return undefined;
    const first = used.find((p) => p !== undefined)!;
    return {
      p10Kw: used.map((p) => p?.p10Kw ?? 0),
      p50Kw: used.map((p) => p?.p50Kw ?? 0),
      p90Kw: used.map((p) => p?.p90Kw ?? 0),
      model: first.model,
      issuedAt: new Date(first.issuedAtMs).toISOString(),
    };
  };
  const { horizonHours: _horizon, ...assets } = site;
  const pv = quantiles(holdSeries(forecasts.pv, startMs, stepMs, covered, forecastStepMs), true);
  const wind = quantiles(holdSeries(forecasts.wind, startMs, stepMs, covered, forecastStepMs), true);
  return scenarioSchema.parse({
    ...assets,
    start: new Date(startMs).toISOString(),
    forecasts: { load: quantiles(load, false)!, ...(pv ? { pv } : {}), ...(wind ? { wind } : {}) },
    batteries: assets.batteries.map((b) => {
      const live = socInitialPct[b.id];
      // Measured SoC wins over the file's; clamped so a meter reading 91 % against a 90 % max still plans.
      return live === undefined ? b : { ...b, socInitialPct: Math.min(b.socMaxPct, Math.max(b.socMinPct, live)) };
    }),
  });
}

/**
 * For each plan step, the forecast point whose interval [time, time + forecastStepMs) contains the step
 * start (undefined if none). forecastStepMs defaults to the smallest spacing of the points.
 */
export function holdSeries(
  points: readonly ForecastPoint[],
  startMs: number,
  stepMs: number,
  steps: number,
  forecastStepMs = inferStepMs(points) ?? stepMs,
): (ForecastPoint | undefined)[] {
  const sorted = [...points].sort((a, b) => a.timeMs - b.timeMs);
  const out: (ForecastPoint | undefined)[] = [];
  let k = 0;
  for (let t = 0; t < steps; t++) {
    const at = startMs + t * stepMs;
    while (k + 1 < sorted.length && sorted[k + 1]!.timeMs <= at) k++;
    const p = sorted[k];
    out.push(p && p.timeMs <= at && at < p.timeMs + forecastStepMs ? p : undefined);
  }
  return out;
}

function inferStepMs(points: readonly ForecastPoint[]): number | undefined {
  const sorted = [...points].sort((a, b) => a.timeMs - b.timeMs);
  let smallest: number | undefined;
  for (let i = 1; i < sorted.length; i++) {
    const d = sorted[i]!.timeMs - sorted[i - 1]!.timeMs;
    if (d > 0 && (smallest === undefined || d < smallest)) smallest = d;
  }
  return smallest;
}

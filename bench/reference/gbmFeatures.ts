/**
 * Feature rows of the gradient-boosting peer (bench/reference/gbmForecaster.ts): one row per target step
 * of a forecast, built only from what was observed before the issue time. Pure, no I/O.
 *
 * Per target step t of a forecast issued at `issuedAtMs`:
 *   last, last_1h, last_2h, last_3h, last_6h, last_12h, last_23h — the last observation (the step that
 *     ended by the issue time) and the observations 1, 2, 3, 6, 12 and 23 h before it;
 *   same_hour_2d, same_hour_7d, same_hour_14d — the same local hour as t, 2, 7 and 14 days back;
 *   hour (local, fractional), weekday (ISO 1–7, holidays count as Sundays = 7, as SeriesContext asks),
 *   doy_sin, doy_cos (local day of year), lead_h (hours from the issue time to the start of t).
 * A step not observed, or not yet ended at the issue time, is NaN (HistGradientBoosting handles it), never 0.
 *
 * The target is the ratio to `base`: the same local hour a week back, or two weeks back when that one is
 * missing (or zero), like the weekly seasonal naive's skip-back. The model predicts the ratio, the
 * forecast multiplies it back. Targets whose week-back value can be zero (PV, wind) use the level instead.
 */
import { DateTime } from 'luxon';
import { endMs, valueAt } from '../../src/forecast/data/series.js';
import type { ForecastInput, ForecastRequest } from '../../src/forecast/types.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const GBM_FEATURES = [
  'last',
  'last_1h',
  'last_2h',
  'last_3h',
  'last_6h',
  'last_12h',
  'last_23h',
  'same_hour_2d',
  'same_hour_7d',
  'same_hour_14d',
  'hour',
  'weekday',
  'doy_sin',
  'doy_cos',
  'lead_h',
] as const;

/** Hours before the last observation of each `last_*` feature, in GBM_FEATURES order. */
const LAST_LAGS_H = [0, 1, 2, 3, 6, 12, 23] as const;
const SAME_HOUR_DAYS = [2, 7, 14] as const;

export type GbmTargetMode = 'ratio' | 'level';

export interface GbmRows {
  /** Start of each target step. */
  timesMs: number[];
  /** One row per target step, GBM_FEATURES order; NaN = unknown. */
  features: number[][];
  /** What the model's output is multiplied by: the week-back value ('ratio'), 1 ('level'); NaN = none known. */
  base: number[];
}

/**
 * The value of the step starting at `timeMs` as known at `issuedAtMs`: NaN unless that step ended by then.
 * Every feature goes through here, so no feature can read an observation from after the issue time.
 */
export function observedAt(input: ForecastInput, issuedAtMs: number, timeMs: number): number {
  if (timeMs + input.series.stepMs > issuedAtMs) return Number.NaN;
  return valueAt(input.series, timeMs);
}

/** The start of the last step that ended by `issuedAtMs` (on the series' grid). */
export function lastStepStartMs(input: ForecastInput, issuedAtMs: number): number {
  const { startMs, stepMs } = input.series;
  return startMs + (Math.floor((issuedAtMs - startMs) / stepMs) - 1) * stepMs;
}

/** The ratio's base for target step `timeMs`: the same local hour 7 days back, else 14; NaN when neither is known. */
export function ratioBase(input: ForecastInput, issuedAtMs: number, timeMs: number): number {
  const local = DateTime.fromMillis(timeMs, { zone: input.context.timeZone });
  for (const days of [7, 14]) {
    const v = observedAt(input, issuedAtMs, local.minus({ days }).toMillis());
    if (Number.isFinite(v) && v !== 0) return v;
  }
  return Number.NaN;
}

/** Feature rows of one forecast (the request's target steps), with their bases. */
export function gbmRows(input: ForecastInput, req: ForecastRequest, mode: GbmTargetMode): GbmRows {
  const { stepMs } = input.series;
  const zone = input.context.timeZone;
  const holidays = new Set(input.context.holidays);
  const last = lastStepStartMs(input, req.issuedAtMs);
  const lastValues = LAST_LAGS_H.map((h) => observedAt(input, req.issuedAtMs, last - h * HOUR));
  const out: GbmRows = { timesMs: [], features: [], base: [] };
  for (let k = 0; k < req.horizon; k++) {
    const t = req.firstTargetMs + k * stepMs;
    const local = DateTime.fromMillis(t, { zone });
    const sameHour = SAME_HOUR_DAYS.map((d) => observedAt(input, req.issuedAtMs, local.minus({ days: d }).toMillis()));
    const isoDate = local.toISODate();
    const weekday = isoDate !== null && holidays.has(isoDate) ? 7 : local.weekday;
    const doyAngle = (2 * Math.PI * (local.ordinal - 1)) / local.daysInYear;
    out.timesMs.push(t);
    out.features.push([...lastValues, ...sameHour, local.hour + local.minute / 60, weekday, Math.sin(doyAngle), Math.cos(doyAngle), (t - req.issuedAtMs) / HOUR]);
    out.base.push(mode === 'ratio' ? ratioBase(input, req.issuedAtMs, t) : 1);
  }
  return out;
}

export interface DayAheadConvention {
  /** Local hour of D−1 at which a forecast for day D is issued (the backtest's issueHourLocal). */
  issueHourLocal: number;
  /** Steps forecast from local midnight of D. */
  horizonSteps: number;
}

/**
 * The day-ahead issues a fit can learn from: every local day D whose targets all lie within `input`
 * (so ended before its cut) and that has two weeks of history before its issue, the last `trainDays` of them.
 */
export function trainingIssues(input: ForecastInput, convention: DayAheadConvention, trainDays: number): ForecastRequest[] {
  const { startMs, stepMs } = input.series;
  const end = endMs(input.series);
  const zone = input.context.timeZone;
  const out: ForecastRequest[] = [];
  let day = DateTime.fromMillis(end - convention.horizonSteps * stepMs, { zone }).startOf('day');
  while (out.length < trainDays) {
    const firstTargetMs = day.toMillis();
    const issuedAtMs = day.minus({ days: 1 }).set({ hour: convention.issueHourLocal }).toMillis();
    if (issuedAtMs - startMs < 14 * DAY) break;
    if (firstTargetMs + convention.horizonSteps * stepMs <= end) out.push({ issuedAtMs, firstTargetMs, horizon: convention.horizonSteps });
    day = day.minus({ days: 1 });
  }
  return out.reverse();
}

export interface GbmTrainingSet {
  features: number[][];
  /** Target over base (ratio) or the target (level). */
  targets: number[];
}

/**
 * Training rows from the day-ahead issues within `input` (already cut at the fit's end): each issue's rows
 * see only what was observed before its own issue time; rows whose target or base is unknown are left out.
 */
export function gbmTrainingSet(input: ForecastInput, convention: DayAheadConvention, trainDays: number, mode: GbmTargetMode): GbmTrainingSet {
  const set: GbmTrainingSet = { features: [], targets: [] };
  for (const req of trainingIssues(input, convention, trainDays)) {
    const rows = gbmRows(input, req, mode);
    rows.timesMs.forEach((t, i) => {
      const y = valueAt(input.series, t);
      const base = rows.base[i]!;
      if (!Number.isFinite(y) || !Number.isFinite(base)) return;
      set.features.push(rows.features[i]!);
      set.targets.push(y / base);
    });
  }
  return set;
}

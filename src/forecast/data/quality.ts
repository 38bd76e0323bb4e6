import type { ForecastTarget } from '../../contract/index.js';
/**
 * Bad readings kept out of training (the shared datasets have real ones: metering dropouts to a few
 * percent of normal, flat-lined values). They are masked to NaN in a copy; the stored data is untouched.
 */
export interface QualityReport {
  values: Float64Array;
  outliers: number;
  stuck: number;
  /** Small negatives (a generator's standby draw) set to 0 (PV and wind). */
  standbyClipped: number;
  /** Persistent level shifts found (load only): outliers are judged against the level after the last one. */
  levelShifts: LevelShift[];
}

export interface QualityOptions {
  /** Values below this fraction of the series median are outliers (PJM's dropouts sit below 40 %). Off for PV/wind, whose zeros are real. */
  lowFractionOfMedian?: number;
  /** Values more than this many MADs from the median are outliers. */
  madLimit: number;
  /** A run of identical non-zero values longer than this many steps is a stuck meter. */
  stuckSteps: number;
  /**
   * A step of the daily level by at least this factor (up or down) that holds for weeks is a level shift:
   * a feeder reconfigured, load transferred, a plant connected. Undefined: not looked for (PV and wind,
   * whose daily output swings by more than that with the weather).
   */
  levelShiftRatio?: number;
  /**
   * PV and wind: negatives no deeper than this fraction of the series' output (its 99th percentile) are the
   * inverter's or turbine's own draw at night or in a calm (real meters report −0.1 to −2 W per PV system).
   * They are set to 0, so that a night band of exactly 0 covers them and a constant standby draw isn't taken
   * for a stuck meter; deeper negatives are masked. Undefined: negatives are left as they are (load).
   */
  standbyFraction?: number;
}

/** A change of the series' level: the median daily mean after `atMs` over the one before, `ratio`. */
export interface LevelShift {
  atMs: number;
  /** Step index of the series where the new level starts. */
  index: number;
  ratio: number;
}

export const DEFAULT_QUALITY: Record<ForecastTarget, QualityOptions> = {
  // 2×: from one four weeks to the next, heat and cold move a load's level by up to 1.9× on the shared
  // data (GEFCom2012 zone 14, June 2008); zone 10 of GEFCom2012 steps by 3.4× on 2008-01-02.
  load: { lowFractionOfMedian: 0.4, madLimit: 12, stuckSteps: 6, levelShiftRatio: 2 },
  // PV is 0 half the time and wind piles up at 0 and at rated power: median/MAD say nothing about such
  // distributions (a PV median and MAD of 0 would mask every daylight value), so only long non-zero flat lines count.
  pv: { madLimit: Number.POSITIVE_INFINITY, stuckSteps: 8, standbyFraction: 0.02 },
  wind: { madLimit: Number.POSITIVE_INFINITY, stuckSteps: 12, standbyFraction: 0.02 },
};

const DAY_MS = 86_400_000;
/** Days of level compared on each side of a candidate shift, and the fewest observed days each side needs. */
export const LEVEL_WINDOW_DAYS = 28;
const LEVEL_MIN_DAYS = 14;
/** 52 weeks: the same weekdays a year earlier. */
const SEASON_DAYS = 364;
/** A step must exceed the one a year earlier by this factor to be more than the season. */
const SEASONAL_EXCESS_RATIO = 1.5;
/** Outliers are judged against the last this many days (and the day itself), so the reference follows the seasons. */
export const REFERENCE_DAYS = 28;
/** Lows on more than this share of a reference's steps are a pattern, not dropouts (judged on at least a week). */
const LOW_PATTERN_SHARE = 0.02;
const MIN_PATTERN_DAYS = 7;

export interface StepSeries {
  startMs: number;
  stepMs: number;
  values: Float64Array;
}

function median(sorted: readonly number[]): number {
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Mean of each day's finite values (days counted from the series start); NaN for a day less than half observed. */
export function dailyMeans(s: StepSeries): Float64Array {
  const perDay = Math.max(1, Math.round(DAY_MS / s.stepMs));
  const days = Math.ceil(s.values.length / perDay);
  const out = new Float64Array(days).fill(Number.NaN);
  for (let d = 0; d < days; d++) {
    let sum = 0;
    let n = 0;
    for (let i = d * perDay; i < Math.min(s.values.length, (d + 1) * perDay); i++) {
      const v = s.values[i]!;
      if (Number.isFinite(v)) {
        sum += v;
        n++;
      }
    }
    if (n * 2 >= perDay) out[d] = sum / n;
  }
  return out;
}

/**
 * Persistent level shifts: day d where the daily means of the `LEVEL_WINDOW_DAYS` after it stand apart
 * from those before it by `ratio` (quartile to quartile, up or down), and, where the series reaches a year further
 * back, the same days a year earlier did not step nearly as much (so a season arriving is not a shift).
 * Neighbouring days that all qualify are one shift, placed where the week-to-week step is largest;
 * its ratio is median to median. A shift less than
 * two weeks before the end is not yet known to persist.
 */
export function findLevelShifts(s: StepSeries, ratio: number): LevelShift[] {
  const perDay = Math.max(1, Math.round(DAY_MS / s.stepMs));
  const means = dailyMeans(s);
  const finiteIn = (from: number, to: number) => {
    const out: number[] = [];
    for (let d = Math.max(0, from); d < Math.min(means.length, to); d++) if (Number.isFinite(means[d]!)) out.push(means[d]!);
    return out.sort((x, y) => x - y);
  };
  const at = (sorted: readonly number[], q: number) => sorted[Math.floor((sorted.length - 1) * q)]!;
  // A step up counts when even the lower quartile after it clears the upper quartile before it by `ratio`
  // (and a step down the other way round): a window only partly at the new level does not qualify.
  const logStep = new Float64Array(means.length).fill(Number.NaN);
  for (let d = LEVEL_MIN_DAYS; d + LEVEL_MIN_DAYS <= means.length; d++) {
    const before = finiteIn(d - LEVEL_WINDOW_DAYS, d);
    const after = finiteIn(d, d + LEVEL_WINDOW_DAYS);
    if (before.length < LEVEL_MIN_DAYS || after.length < LEVEL_MIN_DAYS || at(before, 0) <= 0 || at(after, 0) <= 0) continue;
    const up = Math.log(at(after, 0.25) / at(before, 0.75));
    const down = Math.log(at(after, 0.75) / at(before, 0.25));
    logStep[d] = up > 0 ? up : down < 0 ? down : 0;
  }
  // Where in a run of qualifying days the step is: the day whose week after differs most from its week before.
  const weekStep = (d: number) => {
    const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
    const before = finiteIn(d - 7, d);
    const after = finiteIn(d, d + 7);
    return before.length === 0 || after.length === 0 ? 0 : Math.abs(Math.log(mean(after) / mean(before)));
  };
  const shifts: LevelShift[] = [];
  let run: number[] = [];
  const flush = () => {
    if (run.length > 0) {
      const day = run.reduce((best, d) => (weekStep(d) > weekStep(best) ? d : best), run[0]!);
      const levelRatio = median(finiteIn(day, day + LEVEL_WINDOW_DAYS)) / median(finiteIn(day - LEVEL_WINDOW_DAYS, day));
      shifts.push({ index: day * perDay, atMs: s.startMs + day * perDay * s.stepMs, ratio: levelRatio });
    }
    run = [];
  };
  for (let d = 0; d < means.length; d++) {
    const step = logStep[d]!;
    const yearBefore = d >= SEASON_DAYS ? logStep[d - SEASON_DAYS]! : Number.NaN;
    const unlikeLastYear = !Number.isFinite(yearBefore) || Math.abs(step - yearBefore) >= Math.log(SEASONAL_EXCESS_RATIO);
    if (Number.isFinite(step) && Math.abs(step) >= Math.log(ratio) && unlikeLastYear) run.push(d);
    else flush();
  }
  flush();
  return shifts;
}

/** The step index where the series' current level starts: after its last level shift, else 0. */
export function currentLevelStart(s: StepSeries, o: QualityOptions): number {
  if (o.levelShiftRatio === undefined) return 0;
  return findLevelShifts(s, o.levelShiftRatio).at(-1)?.index ?? 0;
}

/**
 * Masks outliers and stuck runs. With `stepMs`, each day is judged against the median and MAD of the
 * `REFERENCE_DAYS` before it and itself, never reaching back across a level shift, so a summer peak is
 * not an outlier of the winter and a feeder's new level is not an outlier of its old one. Without it
 * (a short vector), the whole vector is the reference.
 */
export function maskBadValues(values: Float64Array, o: QualityOptions, stepMs?: number): QualityReport {
  const out = Float64Array.from(values);
  const { clipped: standbyClipped, masked: deepNegatives } = o.standbyFraction === undefined ? { clipped: 0, masked: 0 } : clipStandby(out, o.standbyFraction);
  const perDay = stepMs === undefined ? Math.max(1, values.length) : Math.max(1, Math.round(DAY_MS / stepMs));
  const levelShifts = stepMs !== undefined && o.levelShiftRatio !== undefined ? findLevelShifts({ startMs: 0, stepMs, values }, o.levelShiftRatio) : [];
  const referenceSteps = stepMs === undefined ? values.length : REFERENCE_DAYS * perDay;
  let outliers = deepNegatives;
  for (let dayStart = 0; dayStart < values.length; dayStart += perDay) {
    const dayEnd = Math.min(values.length, dayStart + perDay);
    const segmentStart = levelShifts.filter((l) => l.index <= dayStart).at(-1)?.index ?? 0;
    const finite: number[] = [];
    for (let i = Math.max(segmentStart, dayStart - referenceSteps); i < dayEnd; i++) if (Number.isFinite(values[i]!)) finite.push(values[i]!);
    if (finite.length === 0) continue;
    finite.sort((a, b) => a - b);
    const med = median(finite);
    const deviations = finite.map((v) => Math.abs(v - med)).sort((a, b) => a - b);
    // A flat series has a MAD of 0, which would make every wiggle an outlier: floor it at 1 % of the median.
    const mad = Math.max(median(deviations), 0.01 * Math.abs(med), 1e-9);
    const lowKw = o.lowFractionOfMedian === undefined ? Number.NEGATIVE_INFINITY : o.lowFractionOfMedian * med;
    // A dropout is rare. Lows on many days of the reference are how this load behaves (GEFCom2012 zone 9
    // falls to a quarter of its level on hot afternoons), and the model must learn them, not lose them.
    const judged = finite.length >= MIN_PATTERN_DAYS * perDay;
    const lowsArePattern = judged && finite.filter((v) => v < lowKw).length > LOW_PATTERN_SHARE * finite.length;
    for (let i = dayStart; i < dayEnd; i++) {
      const v = out[i]!;
      if (!Number.isFinite(v)) continue;
      const low = !lowsArePattern && v < lowKw;
      if (low || Math.abs(v - med) / mad > o.madLimit) {
        out[i] = Number.NaN;
        outliers++;
      }
    }
  }
  let stuck = 0;
  for (let i = 0; i < out.length; ) {
    let j = i + 1;
    while (j < out.length && out[j] === out[i]) j++;
    if (j - i > o.stuckSteps && out[i] !== 0 && Number.isFinite(out[i]!)) {
      out.fill(Number.NaN, i, j);
      stuck += j - i;
    }
    i = j;
  }
  return { values: out, outliers, stuck, standbyClipped, levelShifts };
}

/** In place: negatives down to `fraction` of the 99th percentile set to 0, deeper ones to NaN. */
function clipStandby(values: Float64Array, fraction: number): { clipped: number; masked: number } {
  const finite = Array.from(values).filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0 || finite[0]! >= 0) return { clipped: 0, masked: 0 };
  const floorKw = -fraction * Math.max(0, finite[Math.min(finite.length - 1, Math.floor(0.99 * finite.length))]!);
  let clipped = 0;
  let masked = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v < 0)) continue;
    if (v >= floorKw) {
      values[i] = 0;
      clipped++;
    } else {
      values[i] = Number.NaN;
      masked++;
    }
  }
  return { clipped, masked };
}

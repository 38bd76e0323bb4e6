/**
 * Drift: the serving model's live error, scored after the fact (forecast_error), against the error it was
 * promoted on. Validation scores day-ahead forecasts (issued 10:00 on D−1 for the hours of D: leads 14–38 h),
 * so only scores at those leads are compared; shorter leads are easier and would hide a drift.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const DRIFT_LEAD_HOURS: readonly [number, number] = [14, 38];
/** Fewer scored days than this say too little to retrain on. */
export const MIN_DRIFT_DAYS = 3;

export interface DriftOptions {
  /** Retrain when live MAE > (1 + margin) × validation MAE; 0 = never. */
  margin: number;
  /** Scores of the last this many days count. */
  days: number;
}

export interface DriftScore {
  issuedAtMs: number;
  timeMs: number;
  absErrorKw: number;
}

export interface DriftVerdict {
  drifted: boolean;
  liveMaeKw: number;
  validationMaeKw: number;
  /** Scored steps at the validated leads, and the distinct days they fall on. */
  steps: number;
  days: number;
  reason: string;
}

/** A series trained less than this long ago (promoted or not) is not retrained for drift: that fit's verdict stands. */
export const DRIFT_RETRAIN_GAP_MS = DAY_MS;

/** `lastTrainedMs`: when the series' newest version was made, whether it serves or not. */
export function judgeDrift(scores: readonly DriftScore[], validationMaeKw: number, model: string, o: DriftOptions & { nowMs: number; lastTrainedMs: number }): DriftVerdict {
  const [minLead, maxLead] = DRIFT_LEAD_HOURS;
  const used = scores.filter((s) => {
    const leadHours = (s.timeMs - s.issuedAtMs) / HOUR_MS;
    return leadHours >= minLead && leadHours <= maxLead && Number.isFinite(s.absErrorKw);
  });
  const days = new Set(used.map((s) => Math.floor(s.timeMs / DAY_MS))).size;
  const liveMaeKw = used.length ? used.reduce((sum, s) => sum + s.absErrorKw, 0) / used.length : Number.NaN;
  const base = { liveMaeKw, validationMaeKw, steps: used.length, days };
  if (!(o.margin > 0)) return { ...base, drifted: false, reason: 'drift check off (FORECAST_DRIFT_MARGIN=0)' };
  if (days < MIN_DRIFT_DAYS || !(validationMaeKw > 0)) {
    return { ...base, drifted: false, reason: `${model}: ${days} scored day(s) at leads ${minLead}–${maxLead} h; the drift check needs ${MIN_DRIFT_DAYS}` };
  }
  const ratio = liveMaeKw / validationMaeKw;
  const limit = 1 + o.margin;
  const said = `${model}: day-ahead MAE ${liveMaeKw.toFixed(3)} kW over the last ${days} scored days is ${ratio.toFixed(2)}× its validation MAE ${validationMaeKw.toFixed(3)} kW`;
  if (ratio <= limit) return { ...base, drifted: false, reason: `${said}, within ${limit.toFixed(2)}×` };
  if (o.nowMs - o.lastTrainedMs < DRIFT_RETRAIN_GAP_MS) return { ...base, drifted: false, reason: `${said}, but the series was trained less than a day ago: its verdict stands` };
  return { ...base, drifted: true, reason: `${said}, past ${limit.toFixed(2)}× (FORECAST_DRIFT_MARGIN=${o.margin}): retraining now` };
}

import { describe, expect, it } from 'vitest';
import { judgeDrift, type DriftScore } from '../../../../src/forecast/evaluation/drift.js';

const H = 3_600_000;
const DAY = 24 * H;
const T0 = Date.UTC(2026, 10, 1, 10);

/** One issue a day at 10:00, scored at leads 2 h (too short to count), 14 h and 38 h. */
function scores(days: number, errorKw: (lead: number) => number): DriftScore[] {
  return Array.from({ length: days }, (_, d) => [2, 14, 38].map((lead) => ({ issuedAtMs: T0 + d * DAY, timeMs: T0 + d * DAY + lead * H, absErrorKw: errorKw(lead) }))).flat();
}
const o = { margin: 0.25, days: 7, nowMs: T0 + 10 * DAY, lastTrainedMs: T0 - DAY };

describe('drift: scored day-ahead error against the validation MAE', () => {
  it('counts only leads 14–38 h, and retrains past (1 + margin) × validation MAE', () => {
    // Lead 2 h scores 0 (would pull the mean down to 8); leads 14 and 38 score 10 and 14: MAE 12 = 1.5 × 8.
    // Issued at 10:00, lead 14 h falls on the next day and 38 h on the one after: 4 issues cover 5 days.
    const v = judgeDrift(scores(4, (lead) => (lead === 2 ? 0 : lead === 14 ? 10 : 14)), 8, 'lstm@v1', o);
    expect(v).toMatchObject({ drifted: true, liveMaeKw: 12, steps: 8, days: 5 });
    expect(v.reason).toBe('lstm@v1: day-ahead MAE 12.000 kW over the last 5 scored days is 1.50× its validation MAE 8.000 kW, past 1.25× (FORECAST_DRIFT_MARGIN=0.25): retraining now');
    // 1.25 × 8 = 10: at the limit is not past it.
    expect(judgeDrift(scores(4, () => 10), 8, 'lstm@v1', o).drifted).toBe(false);
  });

  it('needs 3 scored days, waits a day after any training, and is off at margin 0', () => {
    // Two issues: the 38 h scores of both fall on days 2 and 3, the 14 h ones on days 1 and 2: 3 days.
    expect(judgeDrift(scores(1, () => 50), 8, 'm', o)).toMatchObject({ drifted: false, days: 2 });
    expect(judgeDrift(scores(2, () => 50), 8, 'm', o)).toMatchObject({ drifted: true, days: 3 });
    const fresh = judgeDrift(scores(4, () => 50), 8, 'm', { ...o, lastTrainedMs: o.nowMs - 3 * H });
    expect(fresh.drifted).toBe(false);
    expect(fresh.reason).toMatch(/trained less than a day ago/);
    expect(judgeDrift(scores(4, () => 50), 8, 'm', { ...o, margin: 0 }).drifted).toBe(false);
  });
});

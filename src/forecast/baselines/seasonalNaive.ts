import { DateTime } from 'luxon';
import { lastObserved, quantile, valueAt } from '../data/series.js';
import type { ForecastInput, ForecastRequest, Forecaster, QuantileForecast, RegularSeries } from '../types.js';

/**
 * Seasonal naive with what is known at issue time:
 * - `day`: the same local hour on the last fully observed day (for a 10:00 day-ahead issue, two days back);
 * - `week`: the same local hour one week back (further weeks back if that value is missing).
 * P10/P90 come from the spread of this method's own errors on the training data, so the bands are honest.
 */
export class SeasonalNaiveForecaster implements Forecaster {
  readonly name: string;
  private train: RegularSeries | undefined;
  private readonly spreadByLagDays = new Map<number, { lo: number; hi: number }>();

  constructor(private readonly season: 'day' | 'week') {
    this.name = season === 'day' ? 'seasonal-naive-day' : 'seasonal-naive-week';
  }

  async fit(input: ForecastInput): Promise<void> {
    this.train = input.series;
    this.spreadByLagDays.clear();
  }

  async predict(input: ForecastInput, req: ForecastRequest): Promise<QuantileForecast> {
    const zone = input.context.timeZone;
    const out: QuantileForecast = { issuedAtMs: req.issuedAtMs, timesMs: [], p10: [], p50: [], p90: [] };
    for (let h = 0; h < req.horizon; h++) {
      const t = req.firstTargetMs + h * input.series.stepMs;
      const local = DateTime.fromMillis(t, { zone });
      let value = Number.NaN;
      let lagDays = this.season === 'day' ? 1 : 7;
      for (; lagDays <= 28; lagDays += this.season === 'day' ? 1 : 7) {
        const then = local.minus({ days: lagDays });
        // `day` needs the whole local day observed, not just that hour.
        const observedBy = this.season === 'day' ? then.startOf('day').plus({ days: 1 }).toMillis() : then.toMillis() + input.series.stepMs;
        if (observedBy > req.issuedAtMs) continue;
        value = valueAt(input.series, then.toMillis());
        if (Number.isFinite(value)) break;
      }
      // Nothing seasonal observed (a long gap): the last observation beats no forecast at all.
      if (!Number.isFinite(value)) value = lastObserved(input.series);
      const spread = this.spread(lagDays, input.series.stepMs);
      out.timesMs.push(t);
      out.p50.push(value);
      out.p10.push(Math.min(value, value + spread.lo));
      out.p90.push(Math.max(value, value + spread.hi));
    }
    return out;
  }

  /** 10th and 90th percentile of y[t] − y[t − lag] over the training series. */
  private spread(lagDays: number, stepMs: number): { lo: number; hi: number } {
    const cached = this.spreadByLagDays.get(lagDays);
    if (cached) return cached;
    const s = this.train;
    const lag = Math.round((lagDays * 86_400_000) / stepMs);
    const diffs: number[] = [];
    if (s) for (let i = lag; i < s.values.length; i++) diffs.push(s.values[i]! - s.values[i - lag]!);
    const spread = { lo: quantile(diffs, 0.1) || 0, hi: quantile(diffs, 0.9) || 0 };
    this.spreadByLagDays.set(lagDays, spread);
    return spread;
  }
}

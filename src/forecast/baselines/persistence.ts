import { lastObserved, quantile } from '../data/series.js';
import type { ForecastInput, ForecastRequest, Forecaster, QuantileForecast, RegularSeries } from '../types.js';

/**
 * Persistence: the last observation before the issue time, for every step. The wind baseline.
 * P10/P90 from training errors at the same lead, which widen with the lead as they should.
 */
export class PersistenceForecaster implements Forecaster {
  readonly name = 'persistence';
  private train: RegularSeries | undefined;
  private readonly spreadByLead = new Map<number, { lo: number; hi: number }>();

  async fit(input: ForecastInput): Promise<void> {
    this.train = input.series;
    this.spreadByLead.clear();
  }

  async predict(input: ForecastInput, req: ForecastRequest): Promise<QuantileForecast> {
    const last = lastObserved(input.series);
    const lastStart = input.series.startMs + (input.series.values.length - 1) * input.series.stepMs;
    const out: QuantileForecast = { issuedAtMs: req.issuedAtMs, timesMs: [], p10: [], p50: [], p90: [] };
    const floorKw = input.context.target === 'load' ? Number.NEGATIVE_INFINITY : Math.min(0, last);
    for (let h = 0; h < req.horizon; h++) {
      const t = req.firstTargetMs + h * input.series.stepMs;
      const spread = this.spread(Math.round((t - lastStart) / input.series.stepMs));
      out.timesMs.push(t);
      out.p50.push(last);
      // PV and wind output can't go below zero: a calm hour's band starts at 0 (as the LSTM's does).
      out.p10.push(Math.max(floorKw, Math.min(last, last + spread.lo)));
      out.p90.push(Math.max(last, last + spread.hi));
    }
    return out;
  }

  private spread(leadSteps: number): { lo: number; hi: number } {
    const cached = this.spreadByLead.get(leadSteps);
    if (cached) return cached;
    const diffs: number[] = [];
    const v = this.train?.values ?? new Float64Array(0);
    for (let i = leadSteps; i < v.length; i++) diffs.push(v[i]! - v[i - leadSteps]!);
    const spread = { lo: quantile(diffs, 0.1) || 0, hi: quantile(diffs, 0.9) || 0 };
    this.spreadByLead.set(leadSteps, spread);
    return spread;
  }
}

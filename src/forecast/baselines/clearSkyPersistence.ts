import { ConfigError } from '../../common/errors.js';
import { DateTime } from 'luxon';
import { clearSkyGhiAt } from '../features/solar.js';
import { quantile } from '../data/series.js';
import type { ForecastInput, ForecastRequest, Forecaster, QuantileForecast } from '../types.js';

/**
 * PV baseline: yesterday's clearness carried forward. The ratio of PV output to clear-sky irradiance
 * over the last fully observed local day, times the clear-sky irradiance of each target hour; zero at night.
 * P10/P90 scale P50 by the 10th/90th percentile of hourly actual-to-forecast ratios seen in training.
 */
export class ClearSkyPersistenceForecaster implements Forecaster {
  readonly name = 'clear-sky-persistence';
  private ratioLo = 1;
  private ratioHi = 1;

  async fit(input: ForecastInput): Promise<void> {
    const { latitude, longitude } = requirePosition(input);
    const s = input.series;
    const ratios: number[] = [];
    const stepsPerDay = Math.round(86_400_000 / s.stepMs);
    for (let day = 1; day * stepsPerDay < s.values.length; day++) {
      const k = clearness(s.values, s.startMs, s.stepMs, (day - 1) * stepsPerDay, stepsPerDay, latitude, longitude);
      if (!Number.isFinite(k)) continue;
      for (let i = day * stepsPerDay; i < Math.min(s.values.length, (day + 1) * stepsPerDay); i++) {
        const sky = clearSkyGhiAt(s.startMs + (i + 0.5) * s.stepMs, latitude, longitude);
        const predicted = k * sky;
        if (predicted > 0 && Number.isFinite(s.values[i]!)) ratios.push(s.values[i]! / predicted);
      }
    }
    this.ratioLo = Math.min(1, quantile(ratios, 0.1) || 1);
    this.ratioHi = Math.max(1, quantile(ratios, 0.9) || 1);
  }

  async predict(input: ForecastInput, req: ForecastRequest): Promise<QuantileForecast> {
    const { latitude, longitude } = requirePosition(input);
    const s = input.series;
    // The last local day that ended before the issue time.
    const dayEnd = DateTime.fromMillis(req.issuedAtMs, { zone: input.context.timeZone }).startOf('day').toMillis();
    const dayStart = DateTime.fromMillis(dayEnd - 1, { zone: input.context.timeZone }).startOf('day').toMillis();
    const from = Math.round((dayStart - s.startMs) / s.stepMs);
    const k = clearness(s.values, s.startMs, s.stepMs, from, Math.round((dayEnd - dayStart) / s.stepMs), latitude, longitude);
    const out: QuantileForecast = { issuedAtMs: req.issuedAtMs, timesMs: [], p10: [], p50: [], p90: [] };
    for (let h = 0; h < req.horizon; h++) {
      const t = req.firstTargetMs + h * s.stepMs;
      const p50 = (Number.isFinite(k) ? k : 0) * clearSkyGhiAt(t + s.stepMs / 2, latitude, longitude);
      out.timesMs.push(t);
      out.p50.push(p50);
      out.p10.push(p50 * this.ratioLo);
      out.p90.push(p50 * this.ratioHi);
    }
    return out;
  }
}

/** Sum of output over sum of clear-sky irradiance across one window (kW per W/m²); NaN when unobserved. */
function clearness(values: Float64Array, startMs: number, stepMs: number, from: number, steps: number, lat: number, lon: number): number {
  let out = 0;
  let sky = 0;
  for (let i = Math.max(0, from); i < Math.min(values.length, from + steps); i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    const g = clearSkyGhiAt(startMs + (i + 0.5) * stepMs, lat, lon);
    out += v;
    sky += g;
  }
  return sky > 0 ? out / sky : Number.NaN;
}

function requirePosition(input: ForecastInput): { latitude: number; longitude: number } {
  const { latitude, longitude } = input.context;
  if (latitude === undefined || longitude === undefined) {
    throw new ConfigError(['latitude, longitude: clear-sky persistence needs the site position: give latitude and longitude (e.g. --latitude 52.1 --longitude 5.1, or in SITES_FILE)']);
  }
  return { latitude, longitude };
}

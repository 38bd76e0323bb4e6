import type { TelemetryStore } from '../../storage/index.js';
import type { RegularSeries, WeatherInputs } from '../types.js';
import { SITE_TOTAL_FEEDER, type TelemetryField, type ForecastTarget } from '../../contract/index.js';

export interface StoreSeriesRequest {
  site: string;
  /** A feeder, or `all` for the site total. */
  feeder: string;
  target: ForecastTarget;
  fromMs: number;
  toMs: number;
  stepMs: number;
}

/**
 * A target's series from the store: the sum over meters of each meter's mean power per step.
 * A step where any meter of the series is missing is NaN, not a smaller sum: a meter that went
 * silent must never look like a drop in load.
 */
export async function loadTargetSeries(store: TelemetryStore, r: StoreSeriesRequest): Promise<RegularSeries> {
  const where = { site: r.site, kind: r.target, ...(r.feeder === SITE_TOTAL_FEEDER ? {} : { feeder: r.feeder }) };
  const perMeter = await store.queryTelemetry({ field: 'power_kw', fromMs: r.fromMs, toMs: r.toMs, bucketMs: r.stepMs, aggregate: 'mean', where, groupBy: ['feeder', 'meter'] });
  const startMs = Math.floor(r.fromMs / r.stepMs) * r.stepMs;
  const n = Math.ceil((r.toMs - startMs) / r.stepMs);
  const sum = new Float64Array(n);
  const count = new Uint32Array(n);
  for (const meter of perMeter) {
    for (const p of meter.points) {
      const i = (p.timeMs - startMs) / r.stepMs;
      if (i >= 0 && i < n) {
        sum[i]! += p.value;
        count[i]! += 1;
      }
    }
  }
  const meters = perMeter.length;
  return { startMs, stepMs: r.stepMs, values: sum.map((v, i) => (meters > 0 && count[i] === meters ? v : Number.NaN)) };
}

/** Weather at the site (its weather station readings), aligned with `series`. Missing steps are NaN. */
export async function loadWeather(store: TelemetryStore, site: string, series: RegularSeries): Promise<WeatherInputs> {
  const toMs = series.startMs + series.values.length * series.stepMs;
  const field = async (name: TelemetryField): Promise<Float64Array | undefined> => {
    const [s] = await store.queryTelemetry({ field: name, fromMs: series.startMs, toMs, bucketMs: series.stepMs, aggregate: 'mean', where: { site, kind: 'weather' } });
    if (!s || s.points.length === 0) return undefined;
    const out = new Float64Array(series.values.length).fill(Number.NaN);
    for (const p of s.points) out[(p.timeMs - series.startMs) / series.stepMs] = p.value;
    return out;
  };
  const [temperatureC, irradianceWm2, windSpeedMs] = await Promise.all([field('temperature_c'), field('irradiance_wm2'), field('wind_speed_ms')]);
  return { ...(temperatureC ? { temperatureC } : {}), ...(irradianceWm2 ? { irradianceWm2 } : {}), ...(windSpeedMs ? { windSpeedMs } : {}) };
}

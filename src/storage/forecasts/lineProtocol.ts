import { escape } from '@influxdata/influxdb-client';
import { FORECAST_ERROR_MEASUREMENT, FORECAST_MEASUREMENT, type ForecastErrorPoint, type ForecastPoint } from '../../contract/index.js';

const FORECAST = escape.measurement(FORECAST_MEASUREMENT);

/**
 * One forecast point as a line (precision=ms): tags feeder, lead, model, site, target (sorted), float
 * fields band_scale_lower/upper, issued_at_ms, p10_kw, p50_kw, p90_kw (epoch ms is exact in a float64, and a
 * float can never conflict with a later write). The band scales are always written (1 when not re-scaled):
 * a re-issue overwrites every field, never keeping an older issue's scale. `lead` is forecastLeadHours(p),
 * checked by validateForecastPoints.
 */
export function toForecastLine(p: ForecastPoint, lead: number): string {
  return (
    `${FORECAST},feeder=${escape.tag(p.feeder)},lead=${lead},model=${escape.tag(p.model)},site=${escape.tag(p.site)},target=${escape.tag(p.target)} ` +
    `band_scale_lower=${p.bandScaleLower ?? 1},band_scale_upper=${p.bandScaleUpper ?? 1},issued_at_ms=${p.issuedAtMs},p10_kw=${p.p10Kw},p50_kw=${p.p50Kw},p90_kw=${p.p90Kw} ${p.timeMs}`
  );
}

/**
 * One score as a line (precision=ms): tags feeder, lead, model, site, target (sorted, as toForecastLine),
 * float fields in name order; `ape_pct` only when the point has one (a near-zero actual has none). All
 * floats, `in_band` and `issued_at_ms` too: a float never conflicts with a later write, and mean(in_band)
 * is the band coverage. `lead` is forecastLeadHours(p), checked by validateForecastErrorPoints.
 */
export function toForecastErrorLine(p: ForecastErrorPoint, lead: number): string {
  const ape = p.apePct === undefined ? '' : `,ape_pct=${p.apePct}`;
  return (
    `${escape.measurement(FORECAST_ERROR_MEASUREMENT)},feeder=${escape.tag(p.feeder)},lead=${lead},model=${escape.tag(p.model)},site=${escape.tag(p.site)},target=${escape.tag(p.target)} ` +
    `abs_error_kw=${p.absErrorKw},actual_kw=${p.actualKw}${ape},error_kw=${p.errorKw},in_band=${p.inBand},issued_at_ms=${p.issuedAtMs},p50_kw=${p.p50Kw},pinball_kw=${p.pinballKw} ${p.timeMs}`
  );
}

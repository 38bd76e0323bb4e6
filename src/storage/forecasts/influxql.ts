import { FORECAST_ERROR_FIELDS, type ForecastErrorPoint, type ForecastPoint } from '../../contract/index.js';
import { identifier, stringLiteral, type InfluxSeries } from '../engines/influx/query.js';
import type { ForecastHistoryQuery, ForecastQuery } from './store.js';
import { withBandScales } from './rules.js';

/** Forecasts' and scores' InfluxQL statements and result parsing, pure. */

/**
 * Every stored forecast point of one site/feeder/target in [fromMs, toMs), issued at or before asOfMs
 * (a numeric comparison on the issued_at_ms field), one result series per model and lead. Picking the
 * latest issue per time is left to latestPerTime(). Assumes validateForecastQuery(q) passed.
 */
export function buildForecastSelect(q: ForecastQuery, from: string): string {
  const conditions = [
    `${identifier('site')} = ${stringLiteral(q.site)}`,
    `${identifier('feeder')} = ${stringLiteral(q.feeder)}`,
    `${identifier('target')} = ${stringLiteral(q.target)}`,
    `time >= ${q.fromMs}ms`,
    `time < ${q.toMs}ms`,
    ...(q.asOfMs === undefined ? [] : [`${identifier('issued_at_ms')} <= ${q.asOfMs}`]),
  ];
  return (
    `SELECT ${['p10_kw', 'p50_kw', 'p90_kw', 'issued_at_ms', 'band_scale_lower', 'band_scale_upper'].map(identifier).join(', ')} FROM ${from} ` +
    `WHERE ${conditions.join(' AND ')} GROUP BY ${identifier('model')}, ${identifier('lead')}`
  );
}

/** The rows of buildForecastSelect as points (site/feeder/target from the query, model from the series tag). */
export function toForecastPoints(series: InfluxSeries[], q: Pick<ForecastQuery, 'site' | 'feeder' | 'target'>): ForecastPoint[] {
  const points: ForecastPoint[] = [];
  for (const s of series) {
    const col = (name: string) => s.columns.indexOf(name);
    const [t, p10, p50, p90, issued, lower, upper] = [col('time'), col('p10_kw'), col('p50_kw'), col('p90_kw'), col('issued_at_ms'), col('band_scale_lower'), col('band_scale_upper')];
    // Points written before band scales existed have none: absent, not 1, so a reader can tell.
    const scale = (row: unknown[], i: number) => (i >= 0 && typeof row[i] === 'number' ? (row[i] as number) : undefined);
    for (const row of s.values ?? []) {
      const values = [row[t], row[p10], row[p50], row[p90], row[issued]];
      if (values.some((v) => v === null || v === undefined)) continue;
      points.push({
        site: q.site,
        feeder: q.feeder,
        target: q.target,
        model: s.tags?.model ?? '',
        issuedAtMs: Number(row[issued]),
        timeMs: Number(row[t]),
        p10Kw: Number(row[p10]),
        p50Kw: Number(row[p50]),
        p90Kw: Number(row[p90]),
        ...withBandScales(scale(row, lower), scale(row, upper)),
      });
    }
  }
  return points;
}

/**
 * Every score of one site/feeder/target with a step time in [fromMs, toMs), one result series per model
 * and lead. Assumes validateForecastQuery(q) passed.
 */
export function buildForecastErrorSelect(q: ForecastHistoryQuery, from: string): string {
  const conditions = [
    `${identifier('site')} = ${stringLiteral(q.site)}`,
    `${identifier('feeder')} = ${stringLiteral(q.feeder)}`,
    `${identifier('target')} = ${stringLiteral(q.target)}`,
    `time >= ${q.fromMs}ms`,
    `time < ${q.toMs}ms`,
  ];
  return `SELECT ${FORECAST_ERROR_FIELDS.map(identifier).join(', ')} FROM ${from} WHERE ${conditions.join(' AND ')} GROUP BY ${identifier('model')}, ${identifier('lead')}`;
}

/** The rows of buildForecastErrorSelect as points; a null ape_pct (near-zero actual) stays undefined. */
export function toForecastErrorPoints(series: InfluxSeries[], q: Pick<ForecastHistoryQuery, 'site' | 'feeder' | 'target'>): ForecastErrorPoint[] {
  const points: ForecastErrorPoint[] = [];
  for (const s of series) {
    const col = (name: string) => s.columns.indexOf(name);
    for (const row of s.values ?? []) {
      const num = (name: string): number | undefined => {
        const v = row[col(name)];
        return v === null || v === undefined ? undefined : Number(v);
      };
      const [timeMs, actualKw, p50Kw, errorKw, absErrorKw, inBand, pinballKw, issuedAtMs, apePct] = [
        'time',
        'actual_kw',
        'p50_kw',
        'error_kw',
        'abs_error_kw',
        'in_band',
        'pinball_kw',
        'issued_at_ms',
        'ape_pct',
      ].map(num);
      if (timeMs === undefined || actualKw === undefined || p50Kw === undefined || errorKw === undefined || absErrorKw === undefined) continue;
      if (inBand === undefined || pinballKw === undefined || issuedAtMs === undefined) continue;
      points.push({
        site: q.site,
        feeder: q.feeder,
        target: q.target,
        model: s.tags?.model ?? '',
        issuedAtMs,
        timeMs,
        actualKw,
        p50Kw,
        errorKw,
        absErrorKw,
        ...(apePct === undefined ? {} : { apePct }),
        inBand: inBand === 1 ? 1 : 0,
        pinballKw,
      });
    }
  }
  return points;
}

import { escape } from '@influxdata/influxdb-client';
import { PRICE_MEASUREMENT, type PricePoint } from '../../contract/index.js';
import type { InfluxEngine } from '../engines/influx/engine.js';
import { firstStatementSeries, identifier, stringLiteral, type InfluxSeries } from '../engines/influx/query.js';
import { comparePricePoints, validatePricePoints, validatePriceQuery } from './rules.js';
import type { PriceQuery, PricesStore } from './store.js';

const MEASUREMENT = escape.measurement(PRICE_MEASUREMENT);
const FIELDS = ['duration_ms', 'received_at_ms', 'import_price_per_mwh', 'export_price_per_mwh', 'has_export'] as const;

/**
 * One price point as a line (precision=ms): tags currency, site, source (sorted), fields in name order. Every
 * field but export_price_per_mwh is always written; a point without an export price writes has_export=0, so an
 * export price stored earlier for the same series and time (InfluxDB keeps a field left out) is not read back.
 */
export function toPriceLine(p: PricePoint): string {
  const fields = [
    `duration_ms=${p.durationMs}`,
    ...(p.exportPricePerMwh !== undefined ? [`export_price_per_mwh=${p.exportPricePerMwh}`] : []),
    `has_export=${p.exportPricePerMwh !== undefined ? 1 : 0}`,
    `import_price_per_mwh=${p.importPricePerMwh}`,
    `received_at_ms=${p.receivedAtMs}`,
  ];
  return `${MEASUREMENT},currency=${escape.tag(p.currency)},site=${escape.tag(p.site)},source=${escape.tag(p.source)} ${fields.join(',')} ${p.timeMs}`;
}

/** Every point of one site (and currency) with a start in [fromMs, toMs), one result series per source and currency. */
export function buildPriceSelect(q: PriceQuery, from: string): string {
  const conditions = [
    `${identifier('site')} = ${stringLiteral(q.site)}`,
    ...(q.currency === undefined ? [] : [`${identifier('currency')} = ${stringLiteral(q.currency)}`]),
    `time >= ${q.fromMs}ms`,
    `time < ${q.toMs}ms`,
  ];
  return `SELECT ${FIELDS.map(identifier).join(', ')} FROM ${from} WHERE ${conditions.join(' AND ')} GROUP BY ${identifier('source')}, ${identifier('currency')}`;
}

export function toPricePoints(series: InfluxSeries[], site: string): PricePoint[] {
  const points: PricePoint[] = [];
  for (const s of series) {
    const col = new Map(s.columns.map((name, i) => [name, i]));
    const at = (row: unknown[], name: string): unknown => {
      const i = col.get(name);
      return i === undefined ? undefined : row[i];
    };
    for (const row of s.values ?? []) {
      const [time, duration, received, imp] = ['time', 'duration_ms', 'received_at_ms', 'import_price_per_mwh'].map((n) => at(row, n));
      if ([time, duration, received, imp].some((v) => v === null || v === undefined)) continue;
      const exp = at(row, 'export_price_per_mwh');
      const hasExport = Number(at(row, 'has_export')) === 1 && exp !== null && exp !== undefined;
      points.push({
        site,
        source: s.tags?.source ?? '',
        currency: s.tags?.currency ?? '',
        timeMs: Number(time),
        durationMs: Number(duration),
        receivedAtMs: Number(received),
        importPricePerMwh: Number(imp),
        ...(hasExport ? { exportPricePerMwh: Number(exp) } : {}),
      });
    }
  }
  return points;
}

/** Prices on InfluxDB, the same rules as DuckDB (rules.ts). */
export class InfluxPricesStore implements PricesStore {
  private readonly from: string;

  constructor(private readonly db: InfluxEngine) {
    this.from = db.from(PRICE_MEASUREMENT);
  }

  async writePrices(points: readonly PricePoint[]): Promise<void> {
    if (points.length === 0) return;
    validatePricePoints(points);
    await this.db.writeLines(points, (p) => toPriceLine(p));
  }

  async readPrices(q: PriceQuery): Promise<PricePoint[]> {
    validatePriceQuery(q);
    const body = await this.db.query(buildPriceSelect(q, this.from));
    return toPricePoints(firstStatementSeries(body), q.site).sort(comparePricePoints);
  }
}

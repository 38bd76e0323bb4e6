import { TELEMETRY_MEASUREMENT, type SeriesKey, type TagName, type TelemetryPoint } from '../../contract/index.js';
import type { InfluxEngine } from '../engines/influx/engine.js';
import { firstStatementSeries } from '../engines/influx/query.js';
import { buildLastSeenSelects, buildPointsSelect, buildTelemetrySelect, parseLastSeen, toTelemetryPoints, toTelemetrySeries } from './influxql.js';
import { toLine } from './lineProtocol.js';
import type { SeriesLastSeen, TelemetryQuery, TelemetryReadQuery, TelemetrySeries, TelemetryStore } from './store.js';
import { validateQuery, validateReadQuery } from './validate.js';

/** Telemetry on InfluxDB 1.x/2.x/3.x: line protocol through the shared write pool, InfluxQL reads. */
export class InfluxTelemetryStore implements TelemetryStore {
  private readonly from: string;

  constructor(private readonly db: InfluxEngine) {
    this.from = db.from(TELEMETRY_MEASUREMENT);
  }

  async writePoints(points: readonly TelemetryPoint[]): Promise<void> {
    if (points.length === 0) return;
    await this.db.writeLines(points, toLine);
  }

  async queryTelemetry(q: TelemetryQuery): Promise<TelemetrySeries[]> {
    validateQuery(q);
    const body = await this.db.query(buildTelemetrySelect(q, this.from));
    return toTelemetrySeries(firstStatementSeries(body), q.groupBy);
  }

  /** One raw select of every field, a series per tag set, merged into time order. */
  async readPoints(q: TelemetryReadQuery): Promise<TelemetryPoint[]> {
    validateReadQuery(q);
    const body = await this.db.query(buildPointsSelect(q, this.from));
    return toTelemetryPoints(firstStatementSeries(body));
  }

  /** The series lastSeen finds: the same single-statement reads, without SHOW SERIES (not in InfluxDB 3's InfluxQL). */
  async listSeries(where?: Partial<Record<TagName, string>>): Promise<SeriesKey[]> {
    return (await this.lastSeen(where)).map(({ site, feeder, meter, kind }) => ({ site, feeder, meter, kind }));
  }

  /** One `last(field)` request per field, in parallel (one statement each, as InfluxDB 3 requires), merged per series. */
  async lastSeen(where?: Partial<Record<TagName, string>>): Promise<SeriesLastSeen[]> {
    return parseLastSeen(await Promise.all(buildLastSeenSelects(this.from, where).map((q) => this.db.query(q))));
  }
}

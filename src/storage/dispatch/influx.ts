import { gunzipSync } from 'node:zlib';
import { DISPATCH_PLAN_MEASUREMENT, type StoredDispatchPlan } from '../../contract/index.js';
import type { InfluxEngine } from '../engines/influx/engine.js';
import { firstStatementSeries } from '../engines/influx/query.js';
import { buildDispatchPlanSelect } from './influxql.js';
import { toDispatchPlanLine, toDispatchStepLine } from './lineProtocol.js';
import { validateDispatchPlan, validateDispatchQuery } from './rules.js';
import type { DispatchPlanQuery, DispatchPlanStore, StoredPlanDocument } from './store.js';

export class InfluxDispatchPlanStore implements DispatchPlanStore {
  private readonly planFrom: string;

  constructor(private readonly db: InfluxEngine) {
    this.planFrom = db.from(DISPATCH_PLAN_MEASUREMENT);
  }

  /** Step points and the plan document in one write path; a re-run at the same issue time overwrites. */
  async writeDispatchPlan(plan: StoredDispatchPlan): Promise<void> {
    const leads = validateDispatchPlan(plan);
    await this.db.writeLines([...plan.steps.map((p, i) => toDispatchStepLine(p, leads[i]!)), toDispatchPlanLine(plan)], (line) => line);
  }

  async readDispatchPlan(q: DispatchPlanQuery): Promise<StoredPlanDocument | undefined> {
    validateDispatchQuery(q);
    const [series] = firstStatementSeries(await this.db.query(buildDispatchPlanSelect(q, this.planFrom)));
    const row = series?.values?.[0];
    if (!series || !row) return undefined;
    const encoded = row[series.columns.indexOf('plan_gz')];
    if (typeof encoded !== 'string') return undefined;
    return { site: q.site, issuedAtMs: Number(row[series.columns.indexOf('time')]), planJson: gunzipSync(Buffer.from(encoded, 'base64')).toString('utf8') };
  }
}

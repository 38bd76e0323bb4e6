import type { DuckDBValue } from '@duckdb/node-api';
import { DISPATCH_MEASUREMENT, DISPATCH_PLAN_MEASUREMENT, type StoredDispatchPlan } from '../../contract/index.js';
import { toNumber, toTimestamp, type DuckDbEngine } from '../engines/duckdb.js';
import { validateDispatchPlan, validateDispatchQuery } from './rules.js';
import type { DispatchPlanQuery, DispatchPlanStore, StoredPlanDocument } from './store.js';

/**
 * Dispatch: `dispatch` rows keyed like InfluxDB's series (site, asset, lead, time), the step's fields as
 * a JSON object (their names vary with the assets); `dispatch_plan` holds each plan's document.
 */
const DISPATCH_TABLE = DISPATCH_MEASUREMENT;
const DISPATCH_PLAN_TABLE = DISPATCH_PLAN_MEASUREMENT;
const DISPATCH_ROWS_PER_INSERT = 500;

export class DuckDbDispatchPlanStore implements DispatchPlanStore {
  constructor(private readonly db: DuckDbEngine) {
    db.declare([
      `CREATE TABLE IF NOT EXISTS ${DISPATCH_TABLE} (site VARCHAR NOT NULL, asset VARCHAR NOT NULL, lead INTEGER NOT NULL, time TIMESTAMP NOT NULL, ` +
        `issued_at_ms BIGINT NOT NULL, fields_json VARCHAR NOT NULL, PRIMARY KEY (site, asset, lead, time))`,
      `CREATE TABLE IF NOT EXISTS ${DISPATCH_PLAN_TABLE} (site VARCHAR NOT NULL, issued_at_ms BIGINT NOT NULL, plan_json VARCHAR NOT NULL, PRIMARY KEY (site, issued_at_ms))`,
    ]);
  }

  /** Steps and document in one transaction; a re-run at the same issue time overwrites. */
  async writeDispatchPlan(plan: StoredDispatchPlan): Promise<void> {
    const leads = validateDispatchPlan(plan);
    const rows = new Map<string, DuckDBValue[]>();
    plan.steps.forEach((p, i) => {
      rows.set(JSON.stringify([p.asset, leads[i], p.timeMs]), [p.site, p.asset, leads[i]!, toTimestamp(p.timeMs), BigInt(p.issuedAtMs), JSON.stringify(p.fields)]);
    });
    const all = [...rows.values()];
    await this.db.transaction(`dispatch plan for ${plan.site}`, async (conn) => {
      for (let i = 0; i < all.length; i += DISPATCH_ROWS_PER_INSERT) {
        const chunk = all.slice(i, i + DISPATCH_ROWS_PER_INSERT);
        const values = chunk.map((_, r) => `(${[1, 2, 3, 4, 5, 6].map((c) => `$${r * 6 + c}`).join(', ')})`).join(', ');
        await conn.run(
          `INSERT INTO ${DISPATCH_TABLE} (site, asset, lead, time, issued_at_ms, fields_json) VALUES ${values} ` +
            `ON CONFLICT (site, asset, lead, time) DO UPDATE SET issued_at_ms = EXCLUDED.issued_at_ms, fields_json = EXCLUDED.fields_json`,
          chunk.flat(),
        );
      }
      await conn.run(
        `INSERT INTO ${DISPATCH_PLAN_TABLE} (site, issued_at_ms, plan_json) VALUES ($1, $2, $3) ON CONFLICT (site, issued_at_ms) DO UPDATE SET plan_json = EXCLUDED.plan_json`,
        [plan.site, BigInt(plan.issuedAtMs), plan.planJson],
      );
    });
  }

  async readDispatchPlan(q: DispatchPlanQuery): Promise<StoredPlanDocument | undefined> {
    validateDispatchQuery(q);
    const params: DuckDBValue[] = [q.site];
    if (q.asOfMs !== undefined) params.push(BigInt(q.asOfMs));
    const rows = await this.db.read(
      `SELECT issued_at_ms, plan_json FROM ${DISPATCH_PLAN_TABLE} WHERE site = $1${q.asOfMs !== undefined ? ' AND issued_at_ms <= $2' : ''} ORDER BY issued_at_ms DESC LIMIT 1`,
      params,
      'readDispatchPlan',
    );
    const row = rows[0];
    return row ? { site: q.site, issuedAtMs: toNumber(row.issued_at_ms), planJson: String(row.plan_json) } : undefined;
  }
}

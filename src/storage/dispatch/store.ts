import type { StoredDispatchPlan } from '../../contract/index.js';

export interface DispatchPlanQuery {
  site: string;
  /** The latest plan issued at or before this instant; undefined: the latest. */
  asOfMs?: number;
}

export interface StoredPlanDocument {
  site: string;
  issuedAtMs: number;
  planJson: string;
}

/** Dispatch plans (`dispatch` steps and `dispatch_plan` documents), in InfluxDB and DuckDB alike. */
export interface DispatchPlanStore {
  writeDispatchPlan(plan: StoredDispatchPlan): Promise<void>;
  /** Undefined when no plan matches. */
  readDispatchPlan(query: DispatchPlanQuery): Promise<StoredPlanDocument | undefined>;
}

import { identifier, stringLiteral } from '../engines/influx/query.js';
import type { DispatchPlanQuery } from './store.js';

/** The latest plan of a site issued at or before asOfMs (time is the issue time). Assumes validateDispatchQuery passed. */
export function buildDispatchPlanSelect(q: DispatchPlanQuery, from: string): string {
  const conditions = [`${identifier('site')} = ${stringLiteral(q.site)}`, ...(q.asOfMs === undefined ? [] : [`time <= ${q.asOfMs}ms`])];
  return `SELECT ${identifier('plan_gz')} FROM ${from} WHERE ${conditions.join(' AND ')} ORDER BY time DESC LIMIT 1`;
}

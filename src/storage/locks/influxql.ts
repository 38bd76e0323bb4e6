import { identifier, stringLiteral, type InfluxSeries } from '../engines/influx/query.js';

/** One lock's lease (SELECT of toLockLine's point). */
export function buildLockSelect(name: string, from: string, atMs: number): string {
  return (
    `SELECT ${identifier('holder')}, ${identifier('expires_at_ms')} FROM ${from} ` +
    `WHERE ${identifier('name')} = ${stringLiteral(name)} AND time >= ${atMs}ms AND time <= ${atMs}ms`
  );
}

export function toLease(series: InfluxSeries[]): { holder: string; expiresAtMs: number } | undefined {
  const s = series[0];
  const row = s?.values?.[0];
  if (!s || !row) return undefined;
  const holder = row[s.columns.indexOf('holder')];
  const expires = row[s.columns.indexOf('expires_at_ms')];
  if (typeof holder !== 'string' || expires === null || expires === undefined) return undefined;
  return { holder, expiresAtMs: Number(expires) };
}

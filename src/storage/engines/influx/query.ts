/**
 * InfluxQL escaping and the shape of /query answers, pure. Every value from outside goes through
 * `stringLiteral` and every name through `identifier`; nothing else is interpolated. Each resource builds
 * its own statements from these (telemetry/influxql.ts, forecasts/influxql.ts, …).
 */

export function identifier(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function stringLiteral(value: string): string {
  // InfluxQL's scanner ends a string at a raw newline, so it is escaped like the quote and backslash.
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** `"db"."rp"."measurement"` (an empty retention policy means the database's default). */
export function measurementRef(database: string, retentionPolicy: string | undefined, measurement: string): string {
  return `${identifier(database)}.${retentionPolicy ? identifier(retentionPolicy) : ''}.${identifier(measurement)}`;
}

/**
 * True when `q` holds a `;` outside quoted strings and identifiers, i.e. several statements in one request,
 * which InfluxDB 3 refuses. A `;` inside a value ('a;b', escaped by stringLiteral) does not count.
 */
export function separatesStatements(q: string): boolean {
  let quote: string | undefined;
  for (let i = 0; i < q.length; i++) {
    const c = q[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === ';') {
      return true;
    }
  }
  return false;
}

/** The JSON InfluxDB answers on /query (1.x, 2.x compat, 3.x v1-compatible API). */
export interface InfluxQueryResponse {
  results?: { statement_id?: number; error?: string; series?: InfluxSeries[] }[];
  error?: string;
}
export interface InfluxSeries {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values?: unknown[][];
}

export function firstStatementSeries(body: InfluxQueryResponse): InfluxSeries[] {
  const result = body.results?.[0];
  if (body.error) throw new Error(body.error);
  if (result?.error) throw new Error(result.error);
  return result?.series ?? [];
}

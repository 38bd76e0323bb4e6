import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.js';
import { createMetricsRegistry } from '../../src/common/metrics.js';
import { openDuckDbStores, type Stores } from '../../src/storage/index.js';
import { buildDataset, fillStore, HOUR, SITE } from '../support/apiData.js';
import { call, startTestApi, type TestApi } from '../support/apiHarness.js';

/**
 * What an operator sees of the API without reading code: one access log line per request and
 * `http_request_duration_seconds` by matched route on /metrics, next to Node's unprefixed default metrics.
 */
interface AccessLine {
  level: number;
  msg: string;
  component?: string;
  reqId?: string;
  method?: string;
  route?: string;
  path?: string;
  statusCode?: number;
  durationMs?: number;
  key?: string;
}

let dir: string;
let stores: Stores;
let api: TestApi;
const logs: AccessLine[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridcast-api-obs-'));
  stores = openDuckDbStores({ path: join(dir, 'gridcast.duckdb') }, silentLogger);
  await stores.init();
  await fillStore(stores, await buildDataset(Math.floor(Date.now() / HOUR) * HOUR));
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as AccessLine) });
  api = await startTestApi(stores, { logger, deps: { registry: createMetricsRegistry() } });
}, 60_000);
afterAll(async () => {
  await api?.close();
  await stores?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Every sample of `name` on a scrape, with its labels (prom-client's label order is not part of the contract). */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

const accessLines = () => logs.filter((l) => l.component === 'http' && (l.msg === 'request completed' || l.msg === 'request abandoned by the client'));

describe('access log and http_request_duration_seconds on the real server', () => {
  it('counts requests by method, matched route pattern (not the URL) and status; logs one line each; Node metrics unprefixed', async () => {
    const meters = `${api.url}/api/v1/sites/${SITE}/meters`;
    expect((await call(meters, api.keys.read, { headers: { 'x-request-id': 'trace-42' } })).status).toBe(200);
    const second = await call(meters, api.keys.read);
    expect(second.status).toBe(200);
    expect(second.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // A route that throws: its error leaves the router, and the label must still carry the /api/v1 mount.
    expect((await call(`${api.url}/api/v1/sites/nowhere/meters`, api.keys.read)).status).toBe(404);
    expect((await call(`${api.url}/api/v1/no/such/thing/${Date.now()}`, api.keys.read)).status).toBe(404);
    expect((await call(`${api.url}/health`, undefined)).status).toBe(200);

    const scrape = await call(`${api.url}/metrics`, api.keys.read);
    expect(scrape.status).toBe(200);
    const counts = samples(scrape.text, 'http_request_duration_seconds_count');
    const count = (labels: Record<string, string>) => counts.find((c) => Object.entries(labels).every(([k, v]) => c.labels[k] === v))?.value;
    expect(count({ method: 'GET', route: '/api/v1/sites/:site/meters', status_code: '200' })).toBe(2);
    expect(count({ method: 'GET', route: '/api/v1/sites/:site/meters', status_code: '404' })).toBe(1);
    expect(count({ method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
    expect(count({ method: 'GET', route: '/health', status_code: '200' })).toBe(1);
    // No raw URL ever becomes a label value.
    expect(counts.map((c) => c.labels.route).filter((r) => r?.includes('nowhere') || r?.includes('/no/such'))).toEqual([]);
    const buckets = samples(scrape.text, 'http_request_duration_seconds_bucket').filter((b) => b.labels.route === '/api/v1/sites/:site/meters' && b.labels.status_code === '200');
    expect(buckets.find((b) => b.labels.le === '+Inf')?.value).toBe(2);

    expect(samples(scrape.text, 'process_resident_memory_bytes')[0]?.value).toBeGreaterThan(0);
    expect(samples(scrape.text, 'nodejs_heap_size_used_bytes')[0]?.value).toBeGreaterThan(0);
    expect(scrape.text).not.toMatch(/^gridcast_(process|nodejs)_/m);

    const lines = accessLines();
    const traced = lines.find((l) => l.reqId === 'trace-42');
    expect(traced).toMatchObject({ level: 30, method: 'GET', route: '/api/v1/sites/:site/meters', path: `/api/v1/sites/${SITE}/meters`, statusCode: 200 });
    expect(traced?.durationMs).toBeGreaterThanOrEqual(0);
    expect(traced?.key).toMatch(/^k/);
    expect(lines.find((l) => l.path === '/api/v1/sites/nowhere/meters')).toMatchObject({ level: 30, route: '/api/v1/sites/:site/meters', statusCode: 404 });
    // Polled by machines: there, but at debug.
    expect(lines.filter((l) => l.path === '/health').map((l) => l.level)).toEqual([20]);
    // One line per request: the five before the scrape (the scrape's own line may not be written yet).
    expect(lines.filter((l) => l.path !== '/metrics')).toHaveLength(5);
    expect(new Set(lines.map((l) => l.reqId)).size).toBe(lines.length);
  });

  it('a request id that is not one (too long, odd characters) is replaced, not logged as sent', async () => {
    const r = await call(`${api.url}/health`, undefined, { headers: { 'x-request-id': 'a b"c'.repeat(40) } });
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemSchema } from '../../src/api/problem.js';
import { silentLogger } from '../../src/common/logger.js';
import { openDuckDbStores, type Stores } from '../../src/storage/index.js';
import { buildDataset, fillStore, HOUR } from '../support/apiData.js';
import { startTestApi, type TestApi } from '../support/apiHarness.js';

/** Two holes found by black-box tests (issue #15): malformed percent-encoding, and DNS rebinding against loopback reads. */
let dir: string;
let stores: Stores;
let api: TestApi;
const logs: { level: number; msg: string }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridcast-api-holes-'));
  stores = openDuckDbStores({ path: join(dir, 'gridcast.duckdb') }, silentLogger);
  await stores.init();
  await fillStore(stores, await buildDataset(Math.floor(Date.now() / HOUR) * HOUR));
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as { level: number; msg: string }) });
  api = await startTestApi(stores, { logger });
}, 60_000);
afterAll(async () => {
  await api?.close();
  await stores?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A raw HTTP GET: fetch() would normalise the path and won't let a test set the Host header. */
function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: string }> {
  const { port } = new URL(api.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('malformed percent-encoding in the path', () => {
  it.each(['/api/v1/sites/%ZZ/meters', '/api/v1/models/b%', '/api/v1/sites/%E0%A4%A/meters'])('%s → 400 problem+json, no error log, with or without a key', async (path) => {
    const before = logs.length;
    for (const headers of [{}, { authorization: `Bearer ${api.keys.read}` }] as Record<string, string>[]) {
      const r = await get(path, headers);
      expect(r.status).toBe(400);
      expect(r.type).toMatch(/^application\/problem\+json/);
      const p = problemSchema.parse(JSON.parse(r.body));
      expect(p.type).toBe('/api/v1/docs#problem-invalid-parameters');
      expect(p.detail).toMatch(/percent-encoding/);
    }
    expect(logs.slice(before).filter((l) => l.level >= 50)).toEqual([]);
  });
});

describe('loopback reads require a loopback Host (DNS rebinding)', () => {
  it('refuses a keyless loopback read that names another host; loopback names (with this port) still read', async () => {
    const { port } = new URL(api.url);
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1.evil.example:${port}`, `localhost:${Number(port) + 1}`, `10.0.0.7:${port}`]) {
      const r = await get('/api/v1/sites', { host });
      expect({ host, status: r.status }).toEqual({ host, status: 401 });
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, '127.0.0.1', 'localhost']) {
      const r = await get('/api/v1/sites', { host });
      expect({ host, status: r.status }).toEqual({ host, status: 200 });
    }
    // A key still works whatever the Host says.
    expect((await get('/api/v1/sites', { host: `evil.example:${port}`, authorization: `Bearer ${api.keys.read}` })).status).toBe(200);
  });

  it('the public documents answer a rebinding page too (they hold no data); the data beside them still refuses it', async () => {
    const { port } = new URL(api.url);
    for (const path of ['/api/v1/openapi.json', '/api/v1/docs', '/api/v1/docs/ui/', '/api/v1/asyncapi.json', '/api/v1/schemas/reading.json']) {
      expect((await get(path, { host: `evil.example:${port}` })).status, path).toBe(200);
    }
    for (const path of ['/api/v1/sites', '/api/v1/docs/nothing', '/api/v1/docs/ui/index.html']) {
      expect((await get(path, { host: `evil.example:${port}` })).status, path).toBe(401);
    }
  });
});

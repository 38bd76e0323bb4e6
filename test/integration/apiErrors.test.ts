import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemSchema } from '../../src/api/problem.js';
import { silentLogger } from '../../src/common/logger.js';
import { DispatchService, loadDispatchFile } from '../../src/dispatch/index.js';
import { openDuckDbStores, type Stores } from '../../src/storage/index.js';
import { postJson, startTestApi, type TestApi } from '../support/apiHarness.js';

/**
 * Errors of the lower stages, as the API answers them: the real dispatch service over a real DuckDB
 * store, planning the shipped example site. (Every kind's mapping is in test/unit/api/problem.test.ts.)
 */
const EXAMPLE = fileURLToPath(new URL('../../examples/dispatch.example.yaml', import.meta.url));
let dir: string;
let stores: Stores;
let api: TestApi;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridcast-api-errors-'));
  stores = openDuckDbStores({ path: join(dir, 'gridcast.duckdb') }, silentLogger);
  await stores.init();
  const dispatch = new DispatchService({ stores, sites: loadDispatchFile(EXAMPLE), logger: silentLogger });
  api = await startTestApi(stores, { deps: { runDispatch: (site) => dispatch.run(site) } });
}, 60_000);
afterAll(async () => {
  await api?.close();
  await stores?.close();
  await rm(dir, { recursive: true, force: true });
});

function problem(r: { status: number; type: string; json: unknown }) {
  expect(r.type).toMatch(/^application\/problem\+json/);
  return problemSchema.parse(r.json);
}

describe('dispatch errors at the API edge', () => {
  it('a site without dispatch settings is a 404 naming the known sites', async () => {
    const r = await postJson(`${api.url}/api/v1/dispatch/run`, api.keys.operate, { site: 'nowhere' });
    expect(r.status).toBe(404);
    const p = problem(r);
    expect(p.type).toBe('/api/v1/docs#problem-not-found');
    expect(p.detail).toMatch(/site 'nowhere' has no dispatch settings; known sites: demo-site/);
  });

  it('a configured site with no forecast yet is a 409 that says to run the forecast first', async () => {
    const r = await postJson(`${api.url}/api/v1/dispatch/run`, api.keys.operate, { site: 'demo-site' });
    expect(r.status).toBe(409);
    const p = problem(r);
    expect(p.type).toBe('/api/v1/docs#problem-conflict');
    expect(p.detail).toMatch(/no load forecast for site demo-site .*run 'gridcast forecast' or the scheduler first/);
  });
});

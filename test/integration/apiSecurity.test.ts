import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemSchema } from '../../src/api/problem.js';
import { silentLogger } from '../../src/common/logger.js';
import { dispatchPlanSchema, toStoredPlan } from '../../src/dispatch/index.js';
import { openDuckDbStores, type Stores } from '../../src/storage/index.js';
import { buildDataset, dispatchPlan, fillStore, HOUR, SITE } from '../support/apiData.js';
import { call, postJson, startTestApi, type TestApi } from '../support/apiHarness.js';
import { runCli } from '../support/cli.js';
import { sleep } from '../support/services.js';

/** Keys, scopes, the loopback rule, rate limits, body limits, timeouts and headers, over a real DuckDB store and real HTTP. */
let dir: string;
let stores: Stores;
const apis: TestApi[] = [];
const baseMs = Math.floor(Date.now() / HOUR) * HOUR;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridcast-api-security-'));
  stores = openDuckDbStores({ path: join(dir, 'gridcast.duckdb') }, silentLogger);
  await stores.init();
  await fillStore(stores, await buildDataset(baseMs));
}, 60_000);
afterAll(async () => {
  for (const a of apis) await a.close();
  await stores?.close();
  await rm(dir, { recursive: true, force: true });
});

async function api(o: Parameters<typeof startTestApi>[1] = {}): Promise<TestApi> {
  const a = await startTestApi(stores, o);
  apis.push(a);
  return a;
}

function expectProblem(r: { status: number; type: string; json: unknown }, status: number, kind: string) {
  expect(r.status).toBe(status);
  expect(r.type).toMatch(/^application\/problem\+json/);
  const p = problemSchema.parse(r.json);
  expect(p.type).toBe(`/api/v1/docs#problem-${kind}`);
  expect(p.status).toBe(status);
  return p;
}

describe('API keys and scopes (server on 0.0.0.0: no loopback exception)', () => {
  it('needs a key everywhere but /health, /ready and the documents; wrong or missing keys are 401 problems; scopes nest read ⊂ operate ⊂ admin', async () => {
    const a = await api({ host: '0.0.0.0', deps: { runForecasts: async () => ({ issued: [], failed: [] }) } });
    expect((await call(`${a.url}/health`, undefined)).status).toBe(200);
    expect((await call(`${a.url}/ready`, undefined)).status).toBe(200);
    for (const path of ['/api/v1/sites', '/api/v1/forecasts?site=town', '/api/v1/no-such-thing', '/api/v1/docs/ui/index.html', '/api/v1/docs/ui/swagger-initializer.js', '/metrics']) {
      const r = await call(`${a.url}${path}`, undefined);
      expect(expectProblem(r, 401, 'unauthorized').detail).toMatch(/gridcast keys create/);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expectProblem(await call(`${a.url}/api/v1/sites`, 'gck_not-a-real-key-but-long-enough-to-look-like-one'), 401, 'unauthorized');
    expectProblem(await call(`${a.url}/api/v1/sites`, undefined, { headers: { authorization: 'Basic dXNlcjpwYXNz' } }), 401, 'unauthorized');
    expect((await call(`${a.url}/api/v1/sites`, a.keys.read)).status).toBe(200);
    expect((await call(`${a.url}/api/v1/sites`, undefined, { headers: { 'x-api-key': a.keys.read } })).status).toBe(200);
    expect((await call(`${a.url}/metrics`, a.keys.read)).text).toMatch(/^process_cpu_user_seconds_total /m);

    const run = (key: string) => postJson(`${a.url}/api/v1/forecasts/run`, key, {});
    expect(expectProblem(await run(a.keys.read), 403, 'forbidden').detail).toMatch(/operate/);
    expect((await run(a.keys.operate)).status).toBe(200);
    expect((await run(a.keys.admin)).status).toBe(200);
    expectProblem(await postJson(`${a.url}/api/v1/models/train`, a.keys.operate, {}), 403, 'forbidden');
  });

  it('POST /sites/{site}/prices needs the operate scope: no key 401, a read key 403', async () => {
    const a = await api({ host: '0.0.0.0' });
    const body = { currency: 'EUR', unit: 'MWh', resolution: 'PT60M', prices: [{ start: new Date(baseMs).toISOString(), importPrice: 50 }] };
    const post = (key: string | undefined) => postJson(`${a.url}/api/v1/sites/town/prices`, key, body);
    expectProblem(await post(undefined), 401, 'unauthorized');
    expect(expectProblem(await post(a.keys.read), 403, 'forbidden').detail).toMatch(/operate/);
    // Past the scope check: this server plans no dispatch, so there is nothing to use prices.
    expectProblem(await post(a.keys.operate), 503, 'unavailable');
    expectProblem(await post(a.keys.admin), 503, 'unavailable');
  });

  it('serves the documents and docs pages to anyone (no key, a wrong key, through a proxy); only the Swagger UI files the page loads', async () => {
    const a = await api({ host: '0.0.0.0' });
    const documents = {
      '/api/v1/openapi.json': /^application\/json/,
      '/api/v1/docs': /^text\/html/,
      '/api/v1/docs/ui/': /^text\/html/,
      '/api/v1/docs/ui/gridcast-swagger-ui.js': /^application\/javascript/,
      '/api/v1/docs/ui/swagger-ui-bundle.js': /javascript/,
      '/api/v1/docs/ui/swagger-ui.css': /^text\/css/,
      '/api/v1/asyncapi.json': /^application\/json/,
      '/api/v1/schemas/reading.json': /^application\/schema\+json/,
    };
    for (const [path, type] of Object.entries(documents)) {
      for (const init of [{}, { headers: { 'x-forwarded-for': '203.0.113.9' } }]) {
        const r = await call(`${a.url}${path}`, undefined, init);
        expect(r.status, `${path} ${JSON.stringify(init)}`).toBe(200);
        expect(r.type, path).toMatch(type);
      }
      expect((await call(`${a.url}${path}`, 'gck_not-a-real-key-but-long-enough-to-look-like-one')).status, path).toBe(200);
    }
    // Every operation the document calls public answers without a key; every other one refuses.
    const doc = (await call<{ paths: Record<string, Record<string, { security?: unknown[] }>> }>(`${a.url}/api/v1/openapi.json`, undefined)).json;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const url = `${a.url}${path.replace('{site}', SITE).replace('{id}', `${SITE}:all:load:20260101T000000Z`)}`;
        const r = method === 'get' ? await call(url, undefined) : await postJson(url, undefined, {});
        if (op.security?.length === 0) expect(r.status, `${method} ${path}`).toBe(200);
        else expectProblem(r, 401, 'unauthorized');
      }
    }
  });

  it('the read endpoints for dashboards and alerting (freshness, plan summary, ingest statistics, ingesters) need a key, and a read key is enough', async () => {
    const a = await api({ host: '0.0.0.0' });
    for (const path of ['/api/v1/forecasts/freshness', '/api/v1/dispatch/summary', '/api/v1/ingest/stats', '/api/v1/ingest/ingesters', '/api/v1/ingest/status']) {
      expectProblem(await call(`${a.url}${path}`, undefined), 401, 'unauthorized');
      const r = await call(`${a.url}${path}`, a.keys.read);
      expect(r.status, `${path}: ${r.text}`).toBe(200);
      expect(r.type, path).toMatch(/^application\/json/);
    }
    const doc = (await call<{ paths: Record<string, Record<string, { security?: unknown[]; 'x-scope'?: string }>> }>(`${a.url}/api/v1/openapi.json`, a.keys.read)).json;
    for (const path of ['/api/v1/forecasts/freshness', '/api/v1/dispatch/summary', '/api/v1/ingest/stats', '/api/v1/ingest/ingesters']) expect(doc.paths[path]?.get?.['x-scope'], path).toBe('read');
  });

  it('accepts keys given in API_KEYS; METRICS_PUBLIC opens /metrics only', async () => {
    const envKey = 'k'.repeat(40);
    const a = await api({ host: '0.0.0.0', env: { API_KEYS: `grafana:read:${envKey}`, METRICS_PUBLIC: 'true' } });
    expect((await call(`${a.url}/api/v1/sites`, envKey)).status).toBe(200);
    expect(expectProblem(await postJson(`${a.url}/api/v1/forecasts/run`, envKey, {}), 403, 'forbidden').detail).toMatch(/grafana/);
    expect((await call(`${a.url}/metrics`, undefined)).status).toBe(200);
    expectProblem(await call(`${a.url}/api/v1/sites`, undefined), 401, 'unauthorized');
  });

  it('gridcast keys create|list|revoke: printed once, stored hashed, picked up and revoked by a running server', async () => {
    const a = await api({ host: '0.0.0.0' });
    const env = { API_KEYS_FILE: a.keysFile.path };
    const created = await runCli(['keys', 'create', '--scope', 'read', '--name', 'grafana'], env);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^gck_[A-Za-z0-9_-]{43}$/);
    const file = await readFile(a.keysFile.path, 'utf8');
    expect(file).not.toContain(key);
    expect(file).not.toContain(key.slice(12));
    const listed = (await runCli(['keys', 'list'], env)).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; name: string; scope: string; revokedAt: string | null });
    const grafana = listed.find((k) => k.name === 'grafana')!;
    expect(grafana).toMatchObject({ scope: 'read', revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(key);

    // The server re-reads the file within a second of a change.
    await waitFor(async () => (await call(`${a.url}/api/v1/sites`, key)).status === 200);
    expect((await runCli(['keys', 'revoke', grafana.id], env)).code).toBe(0);
    await waitFor(async () => (await call(`${a.url}/api/v1/sites`, key)).status === 401);
    expect((await call(`${a.url}/api/v1/sites`, a.keys.read)).status).toBe(200);
    const unknown = await runCli(['keys', 'revoke', 'k0000000000'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no key with id/);
  }, 30_000);
});

describe('standalone loopback rule', () => {
  it('reads without a key from loopback when the server listens on loopback only; never with a proxy header, never beyond read', async () => {
    const a = await api({ deps: { runForecasts: async () => ({ issued: [], failed: [] }) } });
    expect((await call(`${a.url}/api/v1/sites`, undefined)).status).toBe(200);
    expect((await call(`${a.url}/metrics`, undefined)).status).toBe(200);
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
      expectProblem(await call(`${a.url}/api/v1/sites`, undefined, { headers: { [header]: '203.0.113.9' } }), 401, 'unauthorized');
    }
    // Writing needs a key, and the answer says how to make one.
    const refused = expectProblem(await postJson(`${a.url}/api/v1/forecasts/run`, undefined, {}), 403, 'forbidden');
    expect(refused.detail).toMatch(/may only read\. Create a key with 'gridcast keys create --scope operate --name <who>'/);
    // A key given is always checked, loopback or not.
    expectProblem(await call(`${a.url}/api/v1/sites`, 'gck_wrong-key-wrong-key-wrong-key-wrong-key-00'), 401, 'unauthorized');
  });

  it('API_LOOPBACK_READ=false closes it', async () => {
    const a = await api({ env: { API_LOOPBACK_READ: 'false' } });
    expectProblem(await call(`${a.url}/api/v1/sites`, undefined), 401, 'unauthorized');
    expectProblem(await call(`${a.url}/metrics`, undefined), 401, 'unauthorized');
  });
});

describe('limits and errors', () => {
  it('rate-limits per key: the sixth request in a minute is a 429 problem with RateLimit headers; another key is unaffected', async () => {
    const a = await api({ env: { API_RATE_LIMIT_PER_MINUTE: '5' } });
    for (let i = 0; i < 5; i++) expect((await call(`${a.url}/api/v1/sites`, a.keys.read)).status).toBe(200);
    const limited = await call(`${a.url}/api/v1/sites`, a.keys.read);
    expectProblem(limited, 429, 'rate-limited');
    expect(limited.headers.get('ratelimit')).toMatch(/r=0/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call(`${a.url}/api/v1/sites`, a.keys.operate)).status).toBe(200);
  });

  it('bodies: JSON only, at most 16 KiB, known fields only', async () => {
    const a = await api({ deps: { runForecasts: async (r) => ({ issued: [], failed: r.site ? [{ site: r.site, feeder: 'all', target: 'load', error: 'none' }] : [] }) } });
    const url = `${a.url}/api/v1/forecasts/run`;
    expectProblem(await call(url, a.keys.operate, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ site: 'x'.repeat(20_000) }) }), 413, 'payload-too-large');
    expectProblem(await call(url, a.keys.operate, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"site":' }), 400, 'invalid-body');
    expectProblem(await call(url, a.keys.operate, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'site=town' }), 415, 'unsupported-media-type');
    const unknown = expectProblem(await postJson(url, a.keys.operate, { sites: 'town' }), 400, 'invalid-body');
    expect(unknown.invalidParams).toEqual([{ name: 'sites', reason: 'unknown field', allowed: 'site' }]);
    const ok = await postJson<{ failed: { site: string }[] }>(url, a.keys.operate, { site: 'town' });
    expect(ok.json.failed[0]!.site).toBe('town');
  });

  it('a request still unanswered after API_REQUEST_TIMEOUT_MS is a 503 problem', async () => {
    const a = await api({ env: { API_REQUEST_TIMEOUT_MS: '200' }, deps: { runForecasts: () => sleep(1500).then(() => ({ issued: [], failed: [] })) } });
    const started = Date.now();
    const r = await postJson(`${a.url}/api/v1/forecasts/run`, a.keys.operate, {});
    expect(Date.now() - started).toBeLessThan(1200);
    expect(expectProblem(r, 503, 'unavailable').detail).toMatch(/200 ms/);
  });

  it('bad parameters name each one with what is allowed; unknown routes and CSV-only requests to JSON endpoints are problems too; security headers on every answer', async () => {
    const a = await api();
    const r = await call(`${a.url}/api/v1/telemetry?site=town&fedeer=f1&resolution=1x&from=yesterday&aggregation=median`, a.keys.read);
    const p = expectProblem(r, 400, 'invalid-parameters');
    expect(p.invalidParams!.map((x) => x.name).sort()).toEqual(['aggregation', 'fedeer', 'from', 'resolution']);
    expect(p.invalidParams!.find((x) => x.name === 'aggregation')!.allowed).toBe('mean, min, max, sum, count, last');
    expect(p.invalidParams!.find((x) => x.name === 'fedeer')!.allowed).toContain('feeder');
    expect(p.invalidParams!.find((x) => x.name === 'from')!.allowed).toMatch(/ISO-8601/);
    const tooMany = expectProblem(await call(`${a.url}/api/v1/telemetry?from=now-365d&resolution=1m`, a.keys.read), 400, 'invalid-parameters');
    expect(tooMany.invalidParams![0]!.name).toBe('resolution');
    expectProblem(await call(`${a.url}/api/v1/telemetry?site=a&site=b`, a.keys.read), 400, 'invalid-parameters');
    expectProblem(await call(`${a.url}/api/v1/nothing/here`, a.keys.read), 404, 'not-found');
    expectProblem(await call(`${a.url}/elsewhere`, undefined), 404, 'not-found');
    expectProblem(await call(`${a.url}/api/v1/ingest/status`, a.keys.read, { accept: 'text/csv' }), 406, 'not-acceptable');
    expectProblem(await call(`${a.url}/api/v1/dispatch/run`, a.keys.operate, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"site":"town"}' }), 503, 'unavailable');
    for (const res of [r, await call(`${a.url}/api/v1/sites`, a.keys.read), await call(`${a.url}/health`, undefined)]) {
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });
});

describe('POST /dispatch/run with an injected planner, and the OpenAPI document', () => {
  it('runs the injected function, and GET /dispatch serves the new plan at once (cache cleared by the write)', async () => {
    let a: TestApi | undefined;
    const runDispatch = async (site: string) => {
      const plan = await dispatchPlan(site, baseMs, baseMs - 5 * 60_000, 'B', 24);
      await a!.stores.dispatchPlans.writeDispatchPlan(toStoredPlan(plan));
      return plan;
    };
    a = await api({ deps: { runDispatch } });
    const before = dispatchPlanSchema.parse((await call(`${a.url}/api/v1/dispatch?site=${SITE}`, a.keys.read)).json);
    expect(before.steps).toHaveLength(48);
    const ran = await postJson(`${a.url}/api/v1/dispatch/run`, a.keys.operate, { site: SITE });
    expect(ran.status).toBe(200);
    const plan = dispatchPlanSchema.parse(ran.json);
    expect(plan.steps).toHaveLength(24);
    const after = dispatchPlanSchema.parse((await call(`${a.url}/api/v1/dispatch?site=${SITE}`, a.keys.read)).json);
    expect(after.issuedAt).toBe(plan.issuedAt);
  });

  it('POST /dispatch/solve plans a posted scenario (operate), and names what is wrong with a bad one', async () => {
    const a = await api();
    const scenario = JSON.parse(await readFile(new URL('../../examples/dispatch-scenario.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    expectProblem(await postJson(`${a.url}/api/v1/dispatch/solve`, a.keys.read, scenario), 403, 'forbidden');
    const solved = await postJson(`${a.url}/api/v1/dispatch/solve`, a.keys.operate, scenario);
    expect(solved.status, solved.text).toBe(200);
    const plan = dispatchPlanSchema.parse(solved.json);
    expect(plan.site).toBe('demo-site');
    expect(plan.diagnosis.feasible).toBe(true);
    // Solved, not stored.
    expect((await call(`${a.url}/api/v1/dispatch?site=demo-site`, a.keys.read)).status).toBe(404);
    const bad = await postJson(`${a.url}/api/v1/dispatch/solve`, a.keys.operate, { ...scenario, grid: { importLimitKw: -1, exportLimitKw: 0, importPricePerKwh: 0.2 } });
    expectProblem(bad, 400, 'invalid-body');
    expect(JSON.stringify(bad.json)).toContain('grid.importLimitKw');
  });

  it('documents every route it serves (OpenAPI 3.1 from the zod schemas), and the docs page lists them', async () => {
    const a = await api();
    const doc = (await call<{ openapi: string; paths: Record<string, Record<string, { parameters?: { name: string; required?: boolean }[]; security?: unknown[]; 'x-scope'?: string }>> }>(`${a.url}/api/v1/openapi.json`, a.keys.read)).json;
    expect(doc.openapi).toBe('3.1.0');
    const docs = (await call(`${a.url}/api/v1/docs`, a.keys.read)).text;
    for (const [path, ops] of Object.entries(doc.paths)) {
      expect(docs).toContain(path);
      for (const [method, op] of Object.entries(ops)) {
        if (!path.startsWith('/api/v1')) continue;
        if (op.security?.length !== 0) expect(['read', 'operate', 'admin']).toContain(op['x-scope']);
        // Call each documented route with made-up but valid-looking values: never the router's 404 for unknown endpoints.
        const url = `${a.url}${path.replace('{site}', SITE).replace('{id}', `${SITE}:all:load:20260101T000000Z`)}${(op.parameters ?? []).some((p) => p.name === 'site' && p.required) ? `?site=${SITE}` : ''}`;
        const r = method === 'get' ? await call(url, a.keys.admin) : await postJson(url, a.keys.admin, {});
        expect(r.text, `${method} ${path}`).not.toMatch(/No endpoint/);
      }
    }
    const telemetry = doc.paths['/api/v1/telemetry']!.get!.parameters!.map((p) => p.name);
    expect(telemetry).toEqual(expect.arrayContaining(['site', 'feeder', 'meter', 'kind', 'field', 'from', 'to', 'resolution', 'aggregation', 'groupBy', 'combine', 'format']));
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(100);
  }
}

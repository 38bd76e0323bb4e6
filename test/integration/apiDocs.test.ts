import { readFile } from 'node:fs/promises';
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.js';
import { openDuckDbStores, type Stores } from '../../src/storage/index.js';
import { call, startTestApi, type TestApi } from '../support/apiHarness.js';

/**
 * The public documents, fetched from a real server on 0.0.0.0 (no loopback exception) without a key: the
 * OpenAPI document through the real validator, and its operation ids and security.
 */
let stores: Stores;
let api: TestApi;

beforeAll(async () => {
  stores = openDuckDbStores({ path: ':memory:' }, silentLogger);
  await stores.init();
  api = await startTestApi(stores, { host: '0.0.0.0' });
}, 60_000);
afterAll(async () => {
  await api?.close();
  await stores?.close();
});

interface Operation {
  operationId?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  'x-scope'?: string;
}
interface OpenApi {
  openapi: string;
  info: { license?: { name: string; identifier?: string } };
  security?: Record<string, string[]>[];
  components: { securitySchemes: Record<string, unknown> };
  paths: Record<string, Record<string, Operation>>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function operations(doc: OpenApi): { method: string; path: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).filter(([m]) => METHODS.includes(m)).map(([method, op]) => ({ method, path, op })));
}

/** A copy: the validator dereferences the object it is given in place. */
function asDocument(doc: OpenApi): Parameters<typeof SwaggerParser.validate>[0] {
  return structuredClone(doc) as unknown as Parameters<typeof SwaggerParser.validate>[0];
}

async function openapi(): Promise<OpenApi> {
  const r = await call<OpenApi>(`${api.url}/api/v1/openapi.json`, undefined);
  expect(r.status).toBe(200);
  return r.json;
}

describe('OpenAPI document', () => {
  it('passes @apidevtools/swagger-parser (the OpenAPI 3.1 schema, every $ref resolved)', async () => {
    const validated = await SwaggerParser.validate(asDocument(await openapi()));
    expect('openapi' in validated && validated.openapi).toBe('3.1.0');
    expect(Object.keys(validated.paths ?? {}).length).toBeGreaterThan(15);
  });

  it('the validator refuses a broken copy: no title, or a $ref to nothing', async () => {
    const doc = await openapi();
    const untitled = structuredClone(doc) as OpenApi & { info: { title?: string } };
    delete untitled.info.title;
    await expect(SwaggerParser.validate(asDocument(untitled))).rejects.toThrow(/title/);
    const dangling = structuredClone(doc) as OpenApi & { components: { schemas?: Record<string, unknown> } };
    dangling.components.schemas = { ...dangling.components.schemas, Dangling: { $ref: '#/components/schemas/NoSuchSchema' } };
    await expect(SwaggerParser.validate(asDocument(dangling))).rejects.toThrow(/NoSuchSchema/);
  });

  it('every operation has a unique camelCase operationId, chosen once (clients name their methods by it)', async () => {
    const ops = operations(await openapi());
    const ids = ops.map((o) => o.op.operationId);
    for (const { method, path, op } of ops) expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z][a-zA-Z0-9]*$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Renaming one breaks generated clients: this list changes only on purpose.
    expect(Object.fromEntries(ops.map((o) => [`${o.method} ${o.path}`, o.op.operationId]))).toEqual({
      'get /health': 'getHealth',
      'get /ready': 'getReadiness',
      'get /metrics': 'getMetrics',
      'get /api/v1/sites': 'listSites',
      'get /api/v1/sites/{site}/meters': 'listSiteMeters',
      'get /api/v1/telemetry': 'getTelemetry',
      'get /api/v1/forecasts': 'getForecast',
      'post /api/v1/forecasts/run': 'runForecasts',
      'get /api/v1/weather-forecasts': 'getWeatherForecast',
      'get /api/v1/dispatch': 'getDispatchPlan',
      'post /api/v1/dispatch/run': 'runDispatch',
      'post /api/v1/dispatch/solve': 'solveDispatchScenario',
      'get /api/v1/models': 'listModels',
      'get /api/v1/models/{id}': 'getModel',
      'post /api/v1/models/{id}/promote': 'promoteModel',
      'post /api/v1/models/rollback': 'rollbackModel',
      'post /api/v1/models/train': 'trainModels',
      'get /api/v1/backtests': 'listBacktests',
      'get /api/v1/ingest/status': 'getIngestStatus',
      'get /api/v1/openapi.json': 'getOpenApiDocument',
      'get /api/v1/docs': 'getDocsPage',
      'get /api/v1/docs/ui/': 'getInteractiveDocs',
    });
  });

  it('a key by default; public operations (health, readiness, the documents) say security: []; the rest name a scope', async () => {
    const doc = await openapi();
    expect(doc.security).toEqual([{ bearerKey: [] }, { headerKey: [] }]);
    const publicOps: string[] = [];
    for (const { method, path, op } of operations(doc)) {
      const where = `${method} ${path}`;
      if (op.security?.length === 0) {
        publicOps.push(where);
        expect(op['x-scope'], where).toBeUndefined();
        continue;
      }
      // Not public: every alternative names a declared scheme.
      for (const requirement of op.security ?? doc.security!) for (const scheme of Object.keys(requirement)) expect(Object.keys(doc.components.securitySchemes), where).toContain(scheme);
      if (path.startsWith('/api/v1/')) expect(['read', 'operate', 'admin'], where).toContain(op['x-scope']);
    }
    expect(publicOps.sort()).toEqual(['get /api/v1/docs', 'get /api/v1/docs/ui/', 'get /api/v1/openapi.json', 'get /health', 'get /ready']);
    for (const { method, path, op } of operations(doc)) if (op.tags?.includes('docs')) expect(publicOps, `${method} ${path}`).toContain(`${method} ${path}`);
  });

  it("carries the project's license (package.json)", async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { license: string };
    expect((await openapi()).info.license).toEqual({ name: 'Apache License 2.0', identifier: pkg.license });
  });
});

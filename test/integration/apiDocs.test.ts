import { readFile } from 'node:fs/promises';
import SwaggerParser from '@apidevtools/swagger-parser';
// ajv comes with swagger-parser (a devDependency): the JSON Schema validator at hand.
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.js';
import { READING_KINDS, readingSchema, weatherForecastMessageSchema } from '../../src/contract/index.js';
import * as topics from '../../src/contract/topics.js';
import { dispatchPlanSchema } from '../../src/dispatch/index.js';
import { deadLetterMessage } from '../../src/ingest/deadletter.js';
import { parseTelemetryMessage } from '../../src/ingest/parse.js';
import { openDuckDbStores, type Stores } from '../../src/storage/index.js';
import { dispatchPlan, HOUR } from '../support/apiData.js';
import { call, startTestApi, type TestApi } from '../support/apiHarness.js';

/**
 * The public documents, fetched from a real server on 0.0.0.0 (no loopback exception) without a key: the
 * OpenAPI document through the real validator, its operation ids and security; the reading's JSON Schema
 * against readingSchema; the AsyncAPI document against the AsyncAPI 3.0 schema and the contract's topics.
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
      'get /api/v1/sites/{site}/congestion': 'getSiteCongestion',
      'get /api/v1/telemetry': 'getTelemetry',
      'get /api/v1/forecasts': 'getForecast',
      'get /api/v1/forecasts/freshness': 'getForecastFreshness',
      'post /api/v1/forecasts/run': 'runForecasts',
      'get /api/v1/weather-forecasts': 'getWeatherForecast',
      'get /api/v1/dispatch': 'getDispatchPlan',
      'get /api/v1/dispatch/summary': 'getDispatchSummary',
      'post /api/v1/dispatch/run': 'runDispatch',
      'post /api/v1/dispatch/solve': 'solveDispatchScenario',
      'post /api/v1/sites/{site}/prices': 'postSitePrices',
      'get /api/v1/models': 'listModels',
      'get /api/v1/models/training': 'getTrainingStatus',
      'get /api/v1/models/{id}': 'getModel',
      'post /api/v1/models/{id}/promote': 'promoteModel',
      'post /api/v1/models/rollback': 'rollbackModel',
      'post /api/v1/models/train': 'trainModels',
      'get /api/v1/backtests': 'listBacktests',
      'get /api/v1/ingest/status': 'getIngestStatus',
      'get /api/v1/ingest/stats': 'getIngestStats',
      'get /api/v1/ingest/ingesters': 'listIngesters',
      'get /api/v1/openapi.json': 'getOpenApiDocument',
      'get /api/v1/docs': 'getDocsPage',
      'get /api/v1/docs/ui/': 'getInteractiveDocs',
      'get /api/v1/asyncapi.json': 'getAsyncApiDocument',
      'get /api/v1/schemas/reading.json': 'getReadingJsonSchema',
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
    expect(publicOps.sort()).toEqual([
      'get /api/v1/asyncapi.json',
      'get /api/v1/docs',
      'get /api/v1/docs/ui/',
      'get /api/v1/openapi.json',
      'get /api/v1/schemas/reading.json',
      'get /health',
      'get /ready',
    ]);
    for (const { method, path, op } of operations(doc)) if (op.tags?.includes('docs')) expect(publicOps, `${method} ${path}`).toContain(`${method} ${path}`);
  });

  it("carries the project's license (package.json)", async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { license: string };
    expect((await openapi()).info.license).toEqual({ name: 'Apache License 2.0', identifier: pkg.license });
  });
});

describe('JSON Schema of a reading (/api/v1/schemas/reading.json)', () => {
  let validate: ValidateFunction;
  beforeAll(async () => {
    const r = await call<Record<string, unknown>>(`${api.url}/api/v1/schemas/reading.json`, undefined);
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^application\/schema\+json/);
    expect(r.json.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    // Ajv's default strict mode: an unknown keyword or format in the served schema fails here.
    validate = new Ajv2020({ allErrors: true }).compile(r.json);
  });

  it('accepts the readings of docs/telemetry.md; refuses a missing powerKw, an unknown field, a local time, a value out of range', () => {
    for (const ok of [
      { ts: '2026-11-22T10:00:00+01:00', kind: 'load', powerKw: 3.25, voltageV: 231.4 },
      { ts: 1795338000000, kind: 'pv', powerKw: 1.8 },
      { ts: '2026-11-22T09:00:00Z', kind: 'weather', irradianceWm2: 410 },
    ]) expect(validate(ok), JSON.stringify(validate.errors)).toBe(true);
    for (const bad of [
      { ts: 1795338000000, kind: 'load' },
      { ts: 1795338000000, kind: 'load', powerKw: 1, power_kw: 1 },
      { ts: '2026-11-22T10:00:00', kind: 'load', powerKw: 1 },
      { ts: 1795338000000, kind: 'battery', powerKw: 1, socPct: 101 },
      { ts: 1795338000000.5, kind: 'load', powerKw: 1 },
      { ts: 1795338000000, kind: 'weather' },
      { ts: 1795338000000, kind: 'coal', powerKw: 1 },
    ]) expect(validate(bad), JSON.stringify(bad)).toBe(false);
  });

  it('agrees with readingSchema (the contract) on every kind with every mix of the fields its rules look at', () => {
    const optional = { powerKw: 2, temperatureC: 21, irradianceWm2: 300, windSpeedMs: 7, energyKwh: 5 } as const;
    const names = Object.keys(optional) as (keyof typeof optional)[];
    let checked = 0;
    for (const kind of READING_KINDS) {
      for (let mask = 0; mask < 1 << names.length; mask++) {
        const reading: Record<string, unknown> = { ts: '2026-11-22T10:00:00Z', kind };
        names.forEach((n, i) => void (mask & (1 << i) && (reading[n] = optional[n])));
        for (const r of [reading, { ...reading, windSpeedMs: 500 }, { ...reading, ts: '22.11.2026 10:00' }]) {
          expect(validate(r), JSON.stringify(r)).toBe(readingSchema.safeParse(r).success);
          checked++;
        }
      }
    }
    expect(checked).toBe(READING_KINDS.length * 32 * 3);
  });
});

interface AsyncApi {
  asyncapi: string;
  info: { license: { name: string } };
  channels: Record<string, { address: string; parameters?: Record<string, unknown>; messages: Record<string, unknown> }>;
  operations: Record<string, { action: string; channel: { $ref: string }; messages: { $ref: string }[] }>;
  components: { schemas: Record<string, unknown> };
}

describe('AsyncAPI document of the MQTT contract (/api/v1/asyncapi.json)', () => {
  let doc: AsyncApi;
  let specSchema: ValidateFunction;
  beforeAll(async () => {
    const r = await call<AsyncApi>(`${api.url}/api/v1/asyncapi.json`, undefined);
    expect(r.status).toBe(200);
    doc = r.json;
    const spec = JSON.parse(await readFile(new URL('../fixtures/asyncapi/3.0.0-without-id.json', import.meta.url), 'utf8')) as object;
    specSchema = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(spec);
  });

  it('is valid AsyncAPI 3.0.0 (the official JSON Schema of the document), and a broken copy is not', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    expect(specSchema(doc), JSON.stringify(specSchema.errors?.slice(0, 3))).toBe(true);
    const broken = structuredClone(doc);
    broken.operations.sendDispatchPlan!.action = 'publish'; // AsyncAPI 2's word
    expect(specSchema(broken)).toBe(false);
  });

  it('names every topic the contract defines (src/contract/topics.ts), each parameter of its address, and nothing else', () => {
    // Each exported topic, subscription or topic function; placeholders and + wildcards read alike.
    const generic = (t: string) => t.replace(/\{[^}/]+\}|\+/g, '*');
    const expected = new Set<string>();
    for (const value of Object.values(topics)) {
      if (typeof value === 'string' && value.startsWith(`${topics.TOPIC_PREFIX}/`)) expected.add(generic(value));
      if (typeof value === 'function') {
        // A topic builder returns a topic; a parser (telemetryTopicMeter) returns something else.
        const topic = (value as (...segments: string[]) => unknown)(...Array.from({ length: value.length }, (_, i) => `{p${i}}`));
        if (typeof topic === 'string') expected.add(generic(topic));
      }
    }
    expect(expected.size).toBeGreaterThanOrEqual(4);
    const channels = Object.values(doc.channels);
    expect(new Set(channels.map((c) => generic(c.address)))).toEqual(expected);
    for (const c of channels) {
      const placeholders = [...c.address.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      expect(Object.keys(c.parameters ?? {}), c.address).toEqual(placeholders);
    }
  });

  it('every $ref resolves; each channel has an operation; license as package.json', async () => {
    const refs: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) k === '$ref' && typeof x === 'string' ? refs.push(x) : walk(x);
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const target = ref.slice(2).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).reduce<unknown>((o, key) => (o as Record<string, unknown> | undefined)?.[key], doc);
      expect(target, ref).toBeDefined();
    }
    const operated = new Set(Object.values(doc.operations).map((o) => o.channel.$ref));
    for (const name of Object.keys(doc.channels)) expect(operated, name).toContain(`#/channels/${name}`);
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { license: string };
    expect(doc.info.license.name).toBe(pkg.license);
  });

  it('its payload schemas take what gridcast really sends and receives, and refuse what it refuses', async () => {
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const payload = (name: string) => ajv.compile({ $ref: `#/components/schemas/${name}`, components: doc.components });
    const telemetry = payload('TelemetryPayload');
    const readings = [{ ts: '2026-11-22T10:00:00+01:00', kind: 'load', powerKw: 3.25 }, { ts: 1795338000000, kind: 'pv', powerKw: 1.8 }];
    expect(telemetry(readings), JSON.stringify(telemetry.errors)).toBe(true);
    expect(telemetry(readings[0])).toBe(true);
    expect(telemetry([])).toBe(false);
    expect(telemetry([{ ts: 1795338000000, kind: 'load' }])).toBe(false);

    const weather = payload('WeatherForecastMessage');
    const forecast = { issuedAt: '2026-11-22T06:00:00Z', hours: [{ ts: '2026-11-22T06:00:00Z', temperatureC: 3.5, windSpeed100mMs: 8.2 }] };
    expect(weatherForecastMessageSchema.safeParse(forecast).success).toBe(true);
    expect(weather(forecast), JSON.stringify(weather.errors)).toBe(true);
    expect(weather({ ...forecast, hours: [] })).toBe(false);

    // A real dead letter, from the ingester's own parser and letter builder.
    const deadLetter = payload('DeadLetter');
    const rejection = parseTelemetryMessage('gridcast/v1/town/f1/m1/telemetry', Buffer.from('{"ts":1,"kind":"load"}'), { nowMs: Date.now(), maxAgeMs: HOUR }).rejections[0]!;
    const letter = JSON.parse(deadLetterMessage('gridcast/v1/town/f1/m1/telemetry', rejection, Date.now()).body) as Record<string, unknown>;
    expect(deadLetter(letter), JSON.stringify(deadLetter.errors)).toBe(true);
    expect(deadLetter({ ...letter, reason: 'no_such_reason' })).toBe(false);

    // A real plan, solved by HiGHS.
    const plans = payload('DispatchPlan');
    const plan = await dispatchPlan('town', Math.floor(Date.now() / HOUR) * HOUR, Date.now(), 'A', 6);
    expect(dispatchPlanSchema.safeParse(plan).success).toBe(true);
    expect(plans(JSON.parse(JSON.stringify(plan))), JSON.stringify(plans.errors)).toBe(true);
    expect(plans({ ...plan, schemaVersion: 'gridcast-dispatch/0' })).toBe(false);
  });
});

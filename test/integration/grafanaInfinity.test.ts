import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Panel } from '@grafana/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { silentLogger } from '../../src/common/logger.js';
import { ModelRegistry, type PointMetrics } from '../../src/forecast/index.js';
import { openDuckDbStores, type Stores } from '../../src/storage/index.js';
import { API_DS, DASHBOARDS } from '../../grafana/src/index.js';
import type { InfinityQuery } from '../../grafana/src/builders.js';
import { call, startTestApi, type TestApi } from '../support/apiHarness.js';
import { allPanels, expand, type VariableValue } from '../support/grafanaMacros.js';

/**
 * Every Infinity panel URL of the dashboards against the real API app (/api/v1, in this process on a real
 * store and model registry), with the read key Grafana's datasource sends: the endpoint and its query
 * parameters are in the API's OpenAPI document, it answers 200, and the answer has every column the panel
 * parses, with the type the panel declares.
 */
const SITE = 'town';
const DAY = 86_400_000;
let dir: string;
let stores: Stores;
let api: TestApi;

const metrics = (maeKw: number): PointMetrics => ({ n: 24, maeKw, rmseKw: maeKw * 1.2, mapePct: maeKw * 2, mapeN: 24, nmaePct: 5, mase: 0.8, pinballKw: maeKw / 2, coverageP10P90: 0.79 });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridcast-grafana-api-'));
  stores = openDuckDbStores({ path: join(dir, 'gridcast.duckdb') }, silentLogger);
  await stores.init();
  // A registry with history: two trained versions, the second promoted, then rolled back.
  const modelsDir = join(dir, 'models');
  const registry = new ModelRegistry(modelsDir);
  const series = { site: SITE, feeder: 'all', target: 'load' } as const;
  const t0 = Date.UTC(2026, 10, 1, 2, 30);
  const versions: string[] = [];
  for (const [i, mae] of [1.5, 1.2].entries()) {
    const createdMs = t0 + i * DAY;
    versions.push(
      await registry.saveVersion(
        {
          series,
          resolutionMs: 3_600_000,
          features: ['history', 'calendar'],
          scalers: {},
          options: {},
          trainingWindow: { from: new Date(createdMs - 60 * DAY).toISOString(), to: new Date(createdMs - 28 * DAY).toISOString() },
          validation: { window: { from: new Date(createdMs - 28 * DAY).toISOString(), to: new Date(createdMs).toISOString() }, model: metrics(mae), baselines: { 'seasonal-naive-week': metrics(2), 'seasonal-naive-day': metrics(2.4) } },
          backend: 'wasm',
          packageVersion: '0.1.0',
          createdAt: new Date(createdMs).toISOString(),
        },
        { 'model.json': '{}' },
        createdMs,
      ),
    );
    await registry.setServing(series, { kind: 'model', version: versions[i]! }, 'promote', `lstm@${versions[i]} beats the baselines`, createdMs);
  }
  await registry.rollback(series, t0 + 2 * DAY);
  // As in docker-compose: Grafana calls over the network, where only a key gives access.
  api = await startTestApi(stores, { env: { MODELS_DIR: modelsDir, API_LOOPBACK_READ: 'false' }, deps: { models: registry } });
});
afterAll(async () => {
  await api?.close();
  await stores?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const operationSchema = z.object({ parameters: z.array(z.object({ name: z.string(), in: z.string() })).optional() });
const openApiSchema = z.object({ paths: z.record(z.string(), z.record(z.string(), z.unknown())) });

/** Every Infinity target with the dashboard it belongs to (variables: the dashboard's own definitions). */
const targets = DASHBOARDS.flatMap(({ dashboard }) =>
  allPanels(dashboard).flatMap((panel: Panel) =>
    (panel.targets ?? []).filter((t) => (t.datasource as { uid?: string } | undefined)?.uid === API_DS.uid).map((t) => ({ dashboard, panel, target: t as InfinityQuery })),
  ),
);

/** The values Grafana would substitute: site `town`, feeder All (the site total, `all`), every target. */
function variablesOf(d: (typeof targets)[number]['dashboard']): Record<string, VariableValue> {
  const picks: Record<string, string[]> = { site: [SITE], feeder: ['f1'], target: ['load', 'pv', 'wind'], silent_after: ['15m'] };
  return Object.fromEntries(
    (d.templating?.list ?? []).map((v) => [v.name, { values: picks[v.name] ?? ['x'], all: v.current?.value === '$__all', variable: v }]),
  );
}

/** A dot path (the backend parser's column selector) into one JSON row. */
function at(row: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, key) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined), row);
}

function expectType(value: unknown, type: InfinityQuery['columns'][number]['type'], where: string): void {
  if (value === null || value === undefined || value === '') return;
  if (type === 'number') expect(Number.isFinite(typeof value === 'number' ? value : Number(value)), where).toBe(true);
  if (type === 'timestamp') expect(Number.isFinite(Date.parse(String(value))), where).toBe(true);
  if (type === 'string') expect(['string', 'boolean', 'number'], where).toContain(typeof value);
  if (type === 'boolean') expect(['true', 'false', true, false], where).toContain(value);
}

describe('Infinity panels against the real API', () => {
  it('has Infinity panels to check (model registry, backtests, decisions)', () => {
    expect(targets.length).toBeGreaterThanOrEqual(3);
  });

  it.each(targets.map((t) => [`${t.dashboard.title} › ${t.panel.title}`, t] as const))('%s', async (_name, { dashboard, target }) => {
    const url = expand(target.url, { fromMs: 0, toMs: 1, intervalMs: 1, dialect: 'url', vars: variablesOf(dashboard) });
    const [path, query = ''] = url.split('?') as [string, string?];

    // In the contract: a GET operation of the OpenAPI document, with these query parameters.
    const doc = openApiSchema.parse((await call(`${api.url}/api/v1/openapi.json`, api.keys.read)).json);
    const operation = operationSchema.parse(doc.paths[path]?.get);
    const declared = (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    for (const name of new URLSearchParams(query).keys()) expect(declared, `${path}?${name}`).toContain(name);

    // Grafana's datasource sends the read key; without one the API refuses.
    expect((await call(`${api.url}${url}`, undefined)).status).toBe(401);
    const headers = Object.fromEntries(target.url_options.headers.map((h) => [h.key, h.value]));
    const answer = await call(`${api.url}${url}`, api.keys.read, { headers });
    expect(answer.status, answer.text).toBe(200);

    let rows: unknown[];
    if (target.type === 'csv') {
      expect(answer.type).toMatch(/^text\/csv/);
      const records = parseCsv(answer.text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
      const header = answer.text.split(/\r?\n/)[0]!.split(',');
      for (const c of target.columns) expect(header, `CSV column ${c.selector}`).toContain(c.selector);
      rows = records;
    } else {
      expect(answer.type).toMatch(/^application\/json/);
      // root_selector '' means the answer itself is the list of rows.
      expect(target.root_selector).toBe('');
      expect(Array.isArray(answer.json)).toBe(true);
      rows = answer.json as unknown[];
    }
    expect(rows.length).toBeGreaterThan(0);
    for (const c of target.columns) {
      const values = rows.map((r) => at(r, c.selector));
      expect(values.some((v) => v !== undefined && v !== null && v !== ''), `column ${c.selector} is empty in every row`).toBe(true);
      values.forEach((v, i) => expectType(v, c.type, `row ${i}, ${c.selector}=${String(v)}`));
    }
  });

  it('shows the registry as the panels promise: model vs baselines, and the last decision (a rollback)', async () => {
    const backtests = parseCsv((await call(`${api.url}/api/v1/backtests?site=${SITE}&feeder=all`, api.keys.read, { headers: { Accept: 'text/csv' } })).text, { columns: true }) as Record<string, string>[];
    expect(new Set(backtests.map((r) => r.kind))).toEqual(new Set(['model', 'baseline']));
    expect(backtests.filter((r) => r.kind === 'model').map((r) => Number(r.maeKw)).sort()).toEqual([1.2, 1.5]);
    const models = (await call<{ lastDecision: { action: string } | null }[]>(`${api.url}/api/v1/models`, api.keys.read)).json;
    expect(models.map((m) => m.lastDecision?.action)).toEqual(['rollback']);
  });
});

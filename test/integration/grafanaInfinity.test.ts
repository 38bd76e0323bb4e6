import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Panel } from '@grafana/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { silentLogger } from '../../src/common/logger.js';
import type { IngestStatsPoint, TelemetryPoint } from '../../src/contract/index.js';
import { optimizeDispatch, scenarioSchema, toStoredPlan } from '../../src/dispatch/index.js';
import { ModelRegistry, siteInfoSchema, type PointMetrics } from '../../src/forecast/index.js';
import { rejectedField } from '../../src/ingest/ingestStats.js';
import { REJECT_REASONS } from '../../src/ingest/parse.js';
import { openDuckDbStores, type Stores } from '../../src/storage/index.js';
import { API_DS, DASHBOARDS } from '../../grafana/src/index.js';
import { ALERTS, alertProvisioning, type AlertSpec } from '../../grafana/src/alerts.js';
import type { InfinityQuery } from '../../grafana/src/builders.js';
import { buildDataset, fillStore } from '../support/apiData.js';
import { call, startTestApi, type TestApi } from '../support/apiHarness.js';
import { allPanels, expand, intervalMs, parseRelative, type VariableValue } from '../support/grafanaMacros.js';

/**
 * Every Infinity panel URL of the dashboards (and Infinity variable) against the real API app (/api/v1, in
 * this process on a real DuckDB store and model registry), with the read key Grafana's datasource sends: the
 * endpoint and its query parameters are in the API's OpenAPI document, it answers 200, and the answer has
 * every column the panel parses, with the type the panel declares, in at least one row.
 * Then every provisioned alert rule's query on data built to make it fire and on data where it must not,
 * its one number per row checked against the rule's threshold.
 */
const SITE = 'town';
const DAY = 86_400_000;
const MINUTE = 60_000;
const HOUR_MS = 3_600_000;
const NOW = Date.now();

/**
 * `ingest_stats` as two ingesters write it, one sample a minute over the last hour: ing-a takes 50
 * readings/s and rejects 1/s (invalid_json), its spool filling by 10 a minute; ing-b 20 readings/s, spool empty.
 */
function ingestStats(nowMs: number, o: { spoolPerMinute: number; spoolStart?: number } = { spoolPerMinute: 10 }): IngestStatsPoint[] {
  const out: IngestStatsPoint[] = [];
  // Every reason's counter, as IngestStatsReporter writes them (0 for those that never happened).
  const reasons = (invalidJson: number) => Object.fromEntries(REJECT_REASONS.map((r) => [rejectedField(r), r === 'invalid_json' ? invalidJson : 0]));
  for (let k = 0; k < 60; k++) {
    const timeMs = nowMs - (59 - k) * MINUTE - 30_000;
    const t = k * 60;
    out.push({ ingester: 'ing-a', timeMs, fields: { messages_total: 50 * t, readings_total: 50 * t, rejected_total: t, ...reasons(t), spool_depth: Math.max(0, (o.spoolStart ?? 0) + o.spoolPerMinute * k), lag_ms: 120, messages_stuck: 0, mqtt_sessions_lost_total: 0 } });
    out.push({ ingester: 'ing-b', timeMs, fields: { messages_total: 20 * t, readings_total: 20 * t, rejected_total: 0, ...reasons(0), spool_depth: 0, lag_ms: 80, messages_stuck: 0, mqtt_sessions_lost_total: 0 } });
  }
  return out;
}
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
  // A second series demoted to a baseline by hand, whose latest forecast also fell back just now.
  const pv = { site: SITE, feeder: 'all', target: 'pv' } as const;
  const pvMeta = await registry.metadata(series, versions[1]!);
  const { version: _v, ...pvRest } = pvMeta;
  const pvVersion = await registry.saveVersion({ ...pvRest, series: pv }, { 'model.json': '{}' }, t0);
  await registry.setServing(pv, { kind: 'model', version: pvVersion }, 'manual', 'tried', t0);
  await registry.setServing(pv, { kind: 'baseline', name: 'clear-sky-persistence' }, 'manual', 'model drifts', t0 + DAY);
  await registry.recordFallback(pv, { at: new Date(NOW - 10 * MINUTE).toISOString(), used: 'seasonal-naive-day', reason: 'no weather forecast covers the horizon' });
  // The API test data set (telemetry, two forecast issues, two plans) around the current hour, a feeder
  // that went quiet an hour ago, and the ingesters' own statistics.
  const baseMs = Math.floor(NOW / HOUR_MS) * HOUR_MS;
  await fillStore(stores, await buildDataset(baseMs));
  const quiet: TelemetryPoint[] = Array.from({ length: 12 }, (_, k) => ({ site: SITE, feeder: 'f3', meter: 'm7', kind: 'load', timeMs: NOW - 4 * HOUR_MS + k * 15 * MINUTE, fields: { power_kw: 2 } }));
  await stores.telemetry.writePoints(quiet);
  await stores.ingestStats.writeIngestStats(ingestStats(NOW));
  // Feeder f1 rated in SITES_FILE, with a load forecast for tomorrow (the congestion panel's default range).
  const sites = new Map([[SITE, siteInfoSchema.parse({ id: SITE, latitude: 52.1, longitude: 5.1, timeZone: 'UTC', feederRatings: [{ feeder: 'f1', ratingKw: 30, reverseRatingKw: 20 }] })]]);
  const tomorrowMs = Math.floor(NOW / DAY) * DAY + DAY;
  await stores.forecasts.writeForecasts(
    Array.from({ length: 24 }, (_, i) => [
      { site: SITE, feeder: 'f1', target: 'load' as const, model: 'seasonal-naive-week', issuedAtMs: NOW - HOUR_MS, timeMs: tomorrowMs + i * HOUR_MS, p10Kw: 10 + i - 3, p50Kw: 10 + i, p90Kw: 10 + i + 4 },
      { site: SITE, feeder: 'f1', target: 'pv' as const, model: 'clear-sky-persistence', issuedAtMs: NOW - HOUR_MS, timeMs: tomorrowMs + i * HOUR_MS, p10Kw: 0, p50Kw: i % 24 < 12 ? i : 0, p90Kw: i % 24 < 12 ? 2 * i : 0 },
    ]).flat(),
  );
  // As in docker-compose: Grafana calls over the network, where only a key gives access.
  api = await startTestApi(stores, { env: { MODELS_DIR: modelsDir, API_LOOPBACK_READ: 'false' }, deps: { models: registry, sites } });
});
afterAll(async () => {
  await api?.close();
  await stores?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const operationSchema = z.object({ parameters: z.array(z.object({ name: z.string(), in: z.string() })).optional() });
const openApiSchema = z.object({ paths: z.record(z.string(), z.record(z.string(), z.unknown())) });

type Dash = (typeof DASHBOARDS)[number]['dashboard'];
/** Every Infinity target with the dashboard it belongs to (variables: the dashboard's own definitions), and the panel's min interval. */
const targets: { dashboard: Dash; title: string; interval?: string; target: InfinityQuery }[] = DASHBOARDS.flatMap(({ dashboard }) => [
  ...allPanels(dashboard).flatMap((panel: Panel) =>
    (panel.targets ?? [])
      .filter((t) => (t.datasource as { uid?: string } | undefined)?.uid === API_DS.uid)
      .map((t) => ({ dashboard, title: panel.title ?? '', ...(panel.interval ? { interval: panel.interval } : {}), target: t as InfinityQuery })),
  ),
  ...(dashboard.templating?.list ?? [])
    .filter((v) => v.datasource?.uid === API_DS.uid)
    .map((v) => ({ dashboard, title: `variable ${v.name}`, target: (v.query as { infinityQuery: InfinityQuery }).infinityQuery })),
]);

/** The values Grafana would substitute: site `town`, feeder f1, every target; a custom variable's current value. */
function variablesOf(d: Dash): Record<string, VariableValue> {
  const picks: Record<string, string[]> = { site: [SITE], feeder: ['f1'], target: ['load', 'pv', 'wind'] };
  return Object.fromEntries(
    (d.templating?.list ?? []).map((v) => [v.name, { values: picks[v.name] ?? [String(v.current?.value ?? 'x')], all: v.current?.value === '$__all', variable: v }]),
  );
}

/** The OpenAPI path template (`/api/v1/sites/{site}/meters`) a concrete path matches. */
function templateOf(paths: string[], path: string): string | undefined {
  return paths.find((p) => new RegExp(`^${p.replace(/\{\w+\}/g, '[^/]+')}$`).test(path));
}

/** The rows Infinity's backend parser reads: the CSV records, or the JSON answer at root_selector. */
function rowsOf(target: InfinityQuery, answer: { text: string; json: unknown; type: string }): unknown[] {
  if (target.type === 'csv') {
    expect(answer.type).toMatch(/^text\/csv/);
    const header = answer.text.split(/\r?\n/)[0]!.split(',');
    for (const c of target.columns) expect(header, `CSV column ${c.selector}`).toContain(c.selector);
    return parseCsv(answer.text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  }
  expect(answer.type).toMatch(/^application\/json/);
  // root_selector '' means the answer itself is the list of rows.
  const rows = target.root_selector === '' ? answer.json : at(answer.json, target.root_selector);
  expect(Array.isArray(rows), `rows at '${target.root_selector}'`).toBe(true);
  return rows as unknown[];
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

  it.each(targets.map((t) => [`${t.dashboard.title} › ${t.title}`, t] as const))('%s', async (_name, { dashboard, target, interval }) => {
    // The dashboard's own time range, and the $__interval Grafana would give a ~1000 px wide panel.
    const fromMs = parseRelative(dashboard.time?.from ?? 'now-6h', NOW);
    const toMs = parseRelative(dashboard.time?.to ?? 'now', NOW);
    const url = expand(target.url, { fromMs, toMs, intervalMs: intervalMs(fromMs, toMs, 1000, interval), dialect: 'url', vars: variablesOf(dashboard) });
    const [path, query = ''] = url.split('?') as [string, string?];

    // In the contract: a GET operation of the OpenAPI document, with these query parameters.
    const doc = openApiSchema.parse((await call(`${api.url}/api/v1/openapi.json`, api.keys.read)).json);
    const template = templateOf(Object.keys(doc.paths), path);
    expect(template, path).toBeDefined();
    const operation = operationSchema.parse(doc.paths[template!]?.get);
    const declared = (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    for (const name of new URLSearchParams(query).keys()) expect(declared, `${path}?${name}`).toContain(name);

    // Grafana's datasource sends the read key; without one the API refuses.
    expect((await call(`${api.url}${url}`, undefined)).status).toBe(401);
    const headers = Object.fromEntries(target.url_options.headers.map((h) => [h.key, h.value]));
    const answer = await call(`${api.url}${url}`, api.keys.read, { headers });
    expect(answer.status, answer.text).toBe(200);

    const rows = rowsOf(target, answer);
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
    expect(backtests.filter((r) => r.kind === 'model' && r.target === 'load').map((r) => Number(r.maeKw)).sort()).toEqual([1.2, 1.5]);
    const models = (await call<{ target: string; lastDecision: { action: string } | null; degraded: number }[]>(`${api.url}/api/v1/models`, api.keys.read)).json;
    expect(models.filter((m) => m.target === 'load').map((m) => [m.lastDecision?.action, m.degraded])).toEqual([['rollback', 0]]);
    expect(models.find((m) => m.target === 'pv')?.degraded).toBe(1);
  });

  it('plots what the ingestion panels promise: rates from the counters, per ingester, and the silent feeder and meters', async () => {
    type Sample = { time: string; ingester: string; readingsPerSecond: number | null; rejectedPerSecondByReason: Record<string, number | null>; spoolDepth: number };
    const samples = (await call<Sample[]>(`${api.url}/api/v1/ingest/stats?from=${NOW - 6 * HOUR_MS}&to=${NOW}`, api.keys.read)).json;
    const a = samples.filter((x) => x.ingester === 'ing-a');
    expect(a).toHaveLength(60);
    expect(a[0]!.readingsPerSecond).toBeNull();
    expect(new Set(a.slice(1).map((x) => x.readingsPerSecond))).toEqual(new Set([50]));
    expect(a.at(-1)!.rejectedPerSecondByReason.invalid_json).toBe(1);
    const ingesters = (await call<{ ingester: string; readingsPerSecond: number; spoolDepth: number; spoolDepthChange: number }[]>(`${api.url}/api/v1/ingest/ingesters?windowMinutes=15`, api.keys.read)).json;
    expect(ingesters.map((i) => [i.ingester, i.readingsPerSecond, i.spoolDepth, i.spoolDepthChange])).toEqual([
      ['ing-a', 50, 590, 140],
      ['ing-b', 20, 0, 0],
    ]);
    const status = (await call<{ silentFeeders: { feeder: string; silentForMinutes: number }[]; silentMeters: { meter: string }[] }>(`${api.url}/api/v1/ingest/status?silentAfterMinutes=15`, api.keys.read)).json;
    expect(status.silentFeeders.filter((f) => f.feeder === 'f3').length).toBe(1);
    expect(status.silentMeters.map((m) => m.meter)).toEqual(expect.arrayContaining(['m7', 'm9']));
  });
});

/**
 * The provisioned alert rules (grafana/provisioning/alerting/gridcast.yaml) on two installations: one where
 * every condition holds, one where none does. Each rule's query runs as Grafana's Infinity datasource sends
 * it; Grafana's server-side expressions read each row as one alert instance (the string columns its labels,
 * the one number its value) and the threshold expression fires where value > threshold.
 */
describe('alert rules against the real API', () => {
  const ALERT_SITE = 'grid';
  type World = { dir: string; stores: Stores; api: TestApi };
  const worlds: Partial<Record<'firing' | 'quiet', World>> = {};

  async function world(kind: 'firing' | 'quiet'): Promise<World> {
    const firing = kind === 'firing';
    const dir = await mkdtemp(join(tmpdir(), `gridcast-alerts-${kind}-`));
    const stores = openDuckDbStores({ path: join(dir, 'gridcast.duckdb') }, silentLogger);
    await stores.init();
    // Two feeders, a meter each, every 5 minutes for 3 h; when firing, feeder fb (meter b1) stopped 45 min ago.
    const telemetry: TelemetryPoint[] = [];
    for (let t = NOW - 3 * HOUR_MS; t <= NOW - MINUTE; t += 5 * MINUTE) {
      telemetry.push({ site: ALERT_SITE, feeder: 'fa', meter: 'a1', kind: 'load', timeMs: t, fields: { power_kw: 20 } });
      if (!firing || t < NOW - 45 * MINUTE) telemetry.push({ site: ALERT_SITE, feeder: 'fb', meter: 'b1', kind: 'load', timeMs: t, fields: { power_kw: 10 } });
    }
    await stores.telemetry.writePoints(telemetry);
    // The load forecast: issued 3 h ago when firing, 10 minutes ago when quiet; 48 hourly steps from then.
    const issuedAtMs = firing ? NOW - 3 * HOUR_MS : NOW - 10 * MINUTE;
    // The first step after the issue, as the forecast job does: a step before it would have a negative lead.
    const first = Math.ceil(issuedAtMs / HOUR_MS) * HOUR_MS;
    await stores.forecasts.writeForecasts(Array.from({ length: 48 }, (_, i) => ({ site: ALERT_SITE, feeder: 'all', target: 'load' as const, model: 'lstm@20260101T000000Z', issuedAtMs, timeMs: first + i * HOUR_MS, p10Kw: 25, p50Kw: 30, p90Kw: 40 })));
    // A real plan: the reserve asked for is far beyond what the grid and battery can hold when firing.
    // Its first step is the first after its issue time (5 minutes ago), as the dispatch job plans: an earlier one would have a negative lead.
    const start = Math.ceil((NOW - 5 * MINUTE) / HOUR_MS) * HOUR_MS;
    const scenario = scenarioSchema.parse({
      site: ALERT_SITE,
      start: new Date(start).toISOString(),
      stepMinutes: 60,
      forecasts: { load: { p10Kw: Array(24).fill(25), p50Kw: Array(24).fill(30), p90Kw: Array(24).fill(40) } },
      batteries: [{ id: 'bess1', capacityKwh: 40, maxChargeKw: 10, maxDischargeKw: 10, socInitialPct: 50 }],
      grid: { importLimitKw: 100, exportLimitKw: 50, importPricePerKwh: 0.2, exportPricePerKwh: 0.05 },
      reserve: { method: 'fixed', kw: firing ? 500 : 5 },
      solver: { relaxIntegrality: true },
    });
    await stores.dispatchPlans.writeDispatchPlan(toStoredPlan(await optimizeDispatch(scenario, { issuedAtMs: NOW - 5 * MINUTE })));
    // The ingester's spool: filling by 10 a minute when firing; draining from 700 when quiet.
    await stores.ingestStats.writeIngestStats(ingestStats(NOW, firing ? { spoolPerMinute: 10 } : { spoolPerMinute: -10, spoolStart: 700 }));
    // The registry: a model promoted; when firing, a baseline put back in its place.
    const registry = new ModelRegistry(join(dir, 'models'));
    const series = { site: ALERT_SITE, feeder: 'all', target: 'load' } as const;
    const t0 = NOW - 10 * DAY;
    const version = await registry.saveVersion(
      {
        series,
        resolutionMs: HOUR_MS,
        features: ['history'],
        scalers: {},
        options: {},
        trainingWindow: { from: new Date(t0 - 60 * DAY).toISOString(), to: new Date(t0 - 28 * DAY).toISOString() },
        validation: { window: { from: new Date(t0 - 28 * DAY).toISOString(), to: new Date(t0).toISOString() }, model: metrics(1), baselines: { 'seasonal-naive-week': metrics(2) } },
        backend: 'wasm',
        packageVersion: '0.1.0',
        createdAt: new Date(t0).toISOString(),
      },
      { 'model.json': '{}' },
      t0,
    );
    await registry.setServing(series, { kind: 'model', version }, 'promote', 'beats the baselines', t0);
    if (firing) await registry.setServing(series, { kind: 'baseline', name: 'seasonal-naive-week' }, 'manual', 'model suspected', NOW - HOUR_MS);
    const a = await startTestApi(stores, { env: { MODELS_DIR: join(dir, 'models'), API_LOOPBACK_READ: 'false' }, deps: { models: registry } });
    return { dir, stores, api: a };
  }

  beforeAll(async () => {
    worlds.firing = await world('firing');
    worlds.quiet = await world('quiet');
  }, 60_000);
  afterAll(async () => {
    for (const w of Object.values(worlds)) {
      await w.api.close();
      await w.stores.close();
      await rm(w.dir, { recursive: true, force: true });
    }
  });

  /** One alert instance per row: its labels (string columns) and value (the number column). */
  async function evaluate(w: World, a: AlertSpec): Promise<{ labels: Record<string, string>; value: number; fires: boolean }[]> {
    const q = a.query;
    const url = expand(q.url, { fromMs: NOW - 15 * MINUTE, toMs: NOW, intervalMs: MINUTE, dialect: 'url', vars: {} });
    const answer = await call(`${w.api.url}${url}`, w.api.keys.read, { headers: Object.fromEntries(q.url_options.headers.map((h) => [h.key, h.value])) });
    expect(answer.status, answer.text).toBe(200);
    return rowsOf(q, answer).map((row) => {
      const labels = Object.fromEntries(q.columns.filter((c) => c.type === 'string').map((c) => [c.text, String(at(row, c.selector))]));
      const raw = at(row, a.value);
      expect(typeof raw === 'number' && Number.isFinite(raw), `${a.uid}: ${a.value}=${String(raw)} in ${JSON.stringify(labels)}`).toBe(true);
      return { labels, value: raw as number, fires: (raw as number) > a.threshold };
    });
  }

  /** Which instances fire on the firing data: the labels that must be among them. */
  const expected: Record<string, Record<string, string>> = {
    'gridcast-forecast-stale': { site: ALERT_SITE, feeder: 'all', target: 'load' },
    'gridcast-meter-silent': { site: ALERT_SITE, feeder: 'fb', meter: 'b1', kind: 'load' },
    'gridcast-feeder-silent': { site: ALERT_SITE, feeder: 'fb' },
    'gridcast-reserve-short': { site: ALERT_SITE },
    'gridcast-spool-rising': { ingester: 'ing-a' },
    'gridcast-model-degraded': { site: ALERT_SITE, feeder: 'all', target: 'load' },
  };

  it('covers every provisioned rule, each a query on the API and a threshold on its value, NoData = OK', () => {
    const rules = alertProvisioning.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.uid).sort()).toEqual(Object.keys(expected).sort());
    for (const r of rules) {
      expect(r.data[0]!.datasourceUid).toBe(API_DS.uid);
      expect(r.noDataState).toBe('OK');
      const spec = ALERTS.find((a) => a.uid === r.uid)!;
      expect(r.data[1]!.model).toMatchObject({ type: 'threshold', expression: 'A', conditions: [{ evaluator: { type: 'gt', params: [spec.threshold] } }] });
    }
  });

  it.each(ALERTS.map((a) => [a.title, a] as const))('%s: fires on the firing data, stays quiet on the other', async (_title, a) => {
    const firing = await evaluate(worlds.firing!, a);
    const hot = firing.filter((i) => i.fires);
    expect(hot.map((i) => i.labels), `${a.uid}: ${JSON.stringify(firing)}`).toContainEqual(expected[a.uid]);
    const quiet = await evaluate(worlds.quiet!, a);
    // Either no row (NoData, provisioned as OK) or every value at or below the threshold.
    expect(quiet.filter((i) => i.fires), `${a.uid}: ${JSON.stringify(quiet)}`).toEqual([]);
  });

  it('the values are the ones the data implies', async () => {
    const stale = await evaluate(worlds.firing!, ALERTS.find((a) => a.uid === 'gridcast-forecast-stale')!);
    expect(stale[0]!.value).toBeCloseTo(180, 0);
    const fresh = await evaluate(worlds.quiet!, ALERTS.find((a) => a.uid === 'gridcast-forecast-stale')!);
    expect(fresh[0]!.value).toBeCloseTo(10, 0);
    const silent = await evaluate(worlds.firing!, ALERTS.find((a) => a.uid === 'gridcast-feeder-silent')!);
    expect(silent.map((i) => i.labels.feeder)).toEqual(['fb']);
    expect(silent[0]!.value).toBeGreaterThanOrEqual(45);
    expect(silent[0]!.value).toBeLessThan(51);
    const spool = await evaluate(worlds.firing!, ALERTS.find((a) => a.uid === 'gridcast-spool-rising')!);
    expect(Object.fromEntries(spool.map((i) => [i.labels.ingester, i.value]))).toEqual({ 'ing-a': 140, 'ing-b': 0 });
    const draining = await evaluate(worlds.quiet!, ALERTS.find((a) => a.uid === 'gridcast-spool-rising')!);
    expect(Object.fromEntries(draining.map((i) => [i.labels.ingester, i.value]))).toEqual({ 'ing-a': -140, 'ing-b': 0 });
  });
});

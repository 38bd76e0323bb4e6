import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchPlanSchema } from '../../src/dispatch/index.js';
import { silentLogger } from '../../src/common/logger.js';
import { loadConfig } from '../../src/config/index.js';
import { problemSchema } from '../../src/api/problem.js';
import { meterSchema, siteSchema } from '../../src/api/routes/sites.js';
import { telemetryResponseSchema } from '../../src/api/routes/telemetry.js';
import { forecastResponseSchema } from '../../src/api/routes/forecasts.js';
import { ingestStatusSchema } from '../../src/api/routes/ingest.js';
import { congestionResponseSchema } from '../../src/api/routes/congestion.js';
import { siteInfoSchema } from '../../src/forecast/index.js';
import type { ForecastPoint } from '../../src/contract/index.js';
import { DateTime } from 'luxon';
import { openDuckDbStores, openInfluxStores, type Stores } from '../../src/storage/index.js';
import { buildDataset, fillStore, forecastPoints, HOUR, OTHER_SITE, p50Of, QUARTER, SITE, type ApiDataset } from '../support/apiData.js';
import { call, postJson, startTestApi, type TestApi } from '../support/apiHarness.js';
import { Influxd } from '../support/services.js';
import { createMetricsRegistry, type Registry } from '../../src/common/metrics.js';
import { IngestMetrics } from '../../src/ingest/metrics.js';

/**
 * Every read endpoint against the real stores (InfluxDB 1.6.7 and DuckDB), with a data set whose answers
 * are known exactly; then injection strings in every parameter, after which the data must be intact.
 */
const baseMs = Math.floor(Date.now() / HOUR) * HOUR;
let data: ApiDataset;
let influxd: Influxd;
const dirs: string[] = [];

beforeAll(async () => {
  [data, influxd] = await Promise.all([buildDataset(baseMs), Influxd.start()]);
}, 60_000);
afterAll(async () => {
  await influxd?.destroy();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const engines: [string, () => Promise<Stores>][] = [
  ['InfluxDB 1.6', async () => openInfluxStores(loadConfig({ INFLUX_URL: influxd.url, INFLUX_DATABASE: 'api' }).influx!, silentLogger)],
  [
    'DuckDB',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'gridcast-api-duckdb-'));
      dirs.push(dir);
      return openDuckDbStores({ path: join(dir, 'gridcast.duckdb') }, silentLogger);
    },
  ],
];

const INJECTIONS = ["x' OR '1'='1", '"; DROP MEASUREMENT telemetry; --', "'; DROP TABLE telemetry; --", '\\', 'a\nb', 'town\u0000', 'tōwn✓', '../../etc/passwd', '*', 'town" OR "1"="1', '/.*/'];

describe.each(engines)('API over %s', (_name, makeStore) => {
  let stores: Stores;
  let api: TestApi;
  let registry: Registry;
  const iso = (ms: number) => new Date(ms).toISOString();
  const get = <T = unknown>(path: string, accept?: string) => call<T>(`${api.url}/api/v1${path}`, api.keys.read, accept ? { accept } : {});

  beforeAll(async () => {
    stores = await makeStore();
    await stores.init();
    await fillStore(stores, data);
    // The ingester's own metrics objects, as a running ingester would have counted.
    registry = createMetricsRegistry();
    const ingest = new IngestMetrics(registry);
    ingest.readingsAccepted.inc(1234);
    ingest.readingsRejected.inc({ reason: 'invalid_json' }, 2);
    ingest.spoolDepth.set(7);
    api = await startTestApi(stores, { deps: { registry } });
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    await stores?.close();
  });

  it('GET /sites: every site, its feeders with meter counts, last seen', async () => {
    const r = await get<unknown[]>('/sites');
    expect(r.status).toBe(200);
    const sites = siteSchema.array().parse(r.json);
    const last = iso(baseMs - QUARTER);
    expect(sites).toEqual([
      { site: SITE, feeders: [{ feeder: 'f1', meters: 4, lastSeenAt: last }, { feeder: 'f2', meters: 3, lastSeenAt: last }], lastSeenAt: last },
      { site: OTHER_SITE, feeders: [{ feeder: 'f1', meters: 1, lastSeenAt: last }], lastSeenAt: last },
    ]);
    const csv = await get('/sites', 'text/csv');
    expect(csv.type).toMatch(/^text\/csv/);
    expect(csv.text.split('\r\n')).toEqual(['site,feeder,meters,lastSeenAt', `${SITE},f1,4,${last}`, `${SITE},f2,3,${last}`, `${OTHER_SITE},f1,1,${last}`, '']);
  });

  it('GET /sites/{site}/meters: kinds and last seen per meter; an unknown site is a 404 problem', async () => {
    const meters = meterSchema.array().parse((await get('/sites/town/meters')).json);
    expect(meters.map((m) => `${m.feeder}/${m.meter}:${m.kinds.join('+')}`)).toEqual(['f1/m1:load', 'f1/m2:load', 'f1/pv1:pv', 'f1/ws:weather', 'f2/m3:load', 'f2/m9:load', 'f2/w1:wind']);
    expect(meters.find((m) => m.meter === 'm9')!.lastSeenAt).toBe(iso(baseMs - 24 * HOUR + 75 * QUARTER));
    const missing = await get('/sites/nowhere/meters');
    expect(missing.status).toBe(404);
    expect(missing.type).toMatch(/^application\/problem\+json/);
    expect(problemSchema.parse(missing.json).detail).toMatch(/nowhere/);
  });

  it('GET /telemetry: site total of load per hour (each meter averaged, then summed), exactly', async () => {
    const q = `site=town&kind=load&from=${iso(baseMs - 24 * HOUR)}&to=${iso(baseMs)}&resolution=1h&aggregation=mean&groupBy=site&combine=sum`;
    const t = telemetryResponseSchema.parse((await get(`/telemetry?${q}`)).json);
    expect(t.series).toHaveLength(1);
    expect(t.series[0]!.tags).toEqual({ site: SITE });
    // m1 2 + m2 3 + m3 1.25 (+ m9 1 until it went silent 5 h 15 min before the end).
    expect(t.series[0]!.points.map((p) => p.value)).toEqual([...Array(19).fill(7.25), ...Array(5).fill(6.25)]);
    expect(t.series[0]!.points[0]!.time).toBe(iso(baseMs - 24 * HOUR));
    expect({ field: t.field, resolution: t.resolution, aggregation: t.aggregation }).toEqual({ field: 'power_kw', resolution: '1h', aggregation: 'mean' });

    const csv = await get(`/telemetry?${q}`, 'text/csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('time,site,power_kw');
    expect(lines).toHaveLength(25);
    expect(lines[1]).toBe(`${iso(baseMs - 24 * HOUR)},${SITE},7.25`);
  });

  it('GET /telemetry: per-series grouping, other fields and aggregations, site filter (nothing from the other site)', async () => {
    const range = `from=${baseMs - 24 * HOUR}&to=${baseMs}`;
    const perMeter = telemetryResponseSchema.parse((await get(`/telemetry?site=town&kind=load&${range}&resolution=1d`)).json);
    expect(perMeter.series.map((s) => s.tags.meter)).toEqual(['m1', 'm2', 'm3', 'm9']);
    // Day buckets are epoch-aligned: the 24 h may straddle two, each with the meter's constant value.
    expect(perMeter.series.map((s) => [...new Set(s.points.map((p) => p.value))])).toEqual([[2], [3], [1.25], [1]]);
    const pv = telemetryResponseSchema.parse((await get(`/telemetry?site=town&meter=pv1&${range}&resolution=1h&groupBy=meter`)).json);
    expect(new Set(pv.series[0]!.points.map((p) => p.value))).toEqual(new Set([0.75]));
    const count = telemetryResponseSchema.parse((await get(`/telemetry?meter=m1&${range}&resolution=1h&aggregation=count&groupBy=meter`)).json);
    expect(count.series[0]!.points.every((p) => p.value === 4)).toBe(true);
    const temp = telemetryResponseSchema.parse((await get(`/telemetry?site=town&kind=weather&field=temperature_c&${range}&resolution=6h&groupBy=kind`)).json);
    expect(new Set(temp.series[0]!.points.map((p) => p.value))).toEqual(new Set([10]));
    const all = telemetryResponseSchema.parse((await get(`/telemetry?${range}&resolution=1d&aggregation=max&groupBy=site`)).json);
    expect(all.series.map((s) => [s.tags.site, s.points[0]!.value])).toEqual([
      [SITE, 4],
      [OTHER_SITE, 100],
    ]);
  });

  it('GET /forecasts: the latest issue per step, or what was forecast as of an instant; quantiles on request', async () => {
    const range = `from=${iso(baseMs)}&to=${iso(baseMs + 48 * HOUR)}`;
    const latest = forecastResponseSchema.parse((await get(`/forecasts?site=town&target=load&${range}`)).json);
    expect(latest.points).toHaveLength(48);
    expect(latest.asOf).toBeNull();
    expect(latest.points[5]).toEqual({ time: iso(baseMs + 5 * HOUR), issuedAt: iso(data.issueB), model: 'lstm@20260101T000000Z', p10Kw: p50Of('load', 5, 'B') - 1, p50Kw: p50Of('load', 5, 'B'), p90Kw: p50Of('load', 5, 'B') + 2 });

    const asOf = forecastResponseSchema.parse((await get(`/forecasts?site=town&target=pv&${range}&asOf=${iso(data.issueA + 30 * 60_000)}&quantiles=p50`)).json);
    expect(asOf.asOf).toBe(iso(data.issueA + 30 * 60_000));
    expect(asOf.points.map((p) => p.p50Kw)).toEqual(Array.from({ length: 48 }, (_, i) => p50Of('pv', i, 'A')));
    expect(asOf.points.every((p) => p.issuedAt === iso(data.issueA) && !('p10Kw' in p) && !('p90Kw' in p))).toBe(true);

    const before = await get(`/forecasts?site=town&target=wind&${range}&asOf=${iso(data.issueA - 1)}`);
    expect((before.json as { points: unknown[] }).points).toEqual([]);

    const csv = await get(`/forecasts?site=town&target=wind&${range}&quantiles=p10,p90&format=csv`);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('time,issuedAt,model,p10Kw,p90Kw');
    expect(lines[1]).toBe(`${iso(baseMs)},${iso(data.issueB)},lstm@20260101T000000Z,${p50Of('wind', 0, 'B') - 1},${p50Of('wind', 0, 'B') + 2}`);
  });

  it('GET /forecasts defaults to the current hour and 48 h on; a new issue written in-process shows at once (cache cleared)', async () => {
    const hourBefore = Math.floor(Date.now() / HOUR) * HOUR;
    const first = forecastResponseSchema.parse((await get('/forecasts?site=town')).json);
    const hourAfter = Math.floor(Date.now() / HOUR) * HOUR;
    expect([hourBefore, hourAfter]).toContain(Date.parse(first.points[0]!.time));
    expect(first.target).toBe('load');
    expect(first.feeder).toBe('all');

    const issueC = baseMs - 30 * 60_000;
    await api.stores.forecasts.writeForecasts(forecastPoints(SITE, baseMs, issueC, 'A').map((p) => ({ ...p, model: 'issue-c', p10Kw: p.p10Kw + 100, p50Kw: p.p50Kw + 100, p90Kw: p.p90Kw + 100 })));
    const second = forecastResponseSchema.parse((await get('/forecasts?site=town')).json);
    expect(second.points[0]!.model).toBe('issue-c');
  });

  it('GET /dispatch: the latest plan, or the one current at asOf; 404 problem when none; CSV one row per step', async () => {
    const latest = dispatchPlanSchema.parse((await get('/dispatch?site=town')).json);
    expect(latest).toEqual(JSON.parse(JSON.stringify(data.planB)));
    const earlier = dispatchPlanSchema.parse((await get(`/dispatch?site=town&asOf=${iso(baseMs - 20 * 60_000)}`)).json);
    expect(earlier.issuedAt).toBe(data.planA.issuedAt);
    for (const path of [`/dispatch?site=town&asOf=${iso(baseMs - HOUR)}`, `/dispatch?site=${OTHER_SITE}`]) {
      const none = await get(path);
      expect(none.status).toBe(404);
      expect(problemSchema.parse(none.json).type).toBe('/api/v1/docs#problem-not-found');
    }
    const csv = await get('/dispatch?site=town', 'text/csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines).toHaveLength(49);
    expect(lines[0]).toContain('battery:bess1:powerKw');
    expect(lines[1]!.startsWith(`${data.planB.steps[0]!.time},${data.planB.steps[0]!.loadKw},`)).toBe(true);
  });

  it('GET /ingest/status: the ingester counters of this process, the newest reading, series silent longer than asked', async () => {
    const s = ingestStatusSchema.parse((await get('/ingest/status?silentAfterMinutes=120')).json);
    expect(s.lastReadingAt).toBe(iso(baseMs - QUARTER));
    // Only m9 stopped 5 h 15 min before the end of the data; the rest reported 15 min before the hour.
    expect(s.silentMeters.map((m) => m.meter)).toEqual(['m9']);
    expect(s).toMatchObject({ ingesterInProcess: true, readingsTotal: 1234, spoolDepth: 7, silentAfterMinutes: 120 });
    expect(s.rejectedByReason).toMatchObject({ invalid_json: 2, invalid_topic: 0 });
  });

  it("GET /sites/{site}/congestion: each rated feeder's overload and reverse-flow probability per step, the riskiest first; 404 without ratings", async () => {
    const Z90 = 1.2815515655446004;
    const band = (p50: number, lower: number, upper = lower) => ({ p10Kw: p50 - Z90 * lower, p50Kw: p50, p90Kw: p50 + Z90 * upper });
    // Steps of their own, past the data set's 48 hours.
    const from = baseMs + 100 * HOUR;
    const issuedAtMs = baseMs - HOUR;
    const points: ForecastPoint[] = [];
    for (let i = 0; i < 3; i++) {
      const timeMs = from + i * HOUR;
      const at = (feeder: string, target: ForecastPoint['target'], q: ReturnType<typeof band>) => points.push({ site: SITE, feeder, target, model: 'lstm@20260101T000000Z', issuedAtMs, timeMs, ...q });
      // f1: load 800, 900, 1000 kW with a sigma of 100 against a 1,000 kW rating: 2, 1 and 0 sigmas below it.
      at('f1', 'load', band(800 + 100 * i, 100));
      // f2: 100 kW of PV (upper sigma 10) over 50 kW of load (lower sigma 10): export 50 kW, upper sigma √200.
      at('f2', 'load', band(50, 10, 20));
      at('f2', 'pv', band(100, 78, 10));
    }
    await stores.forecasts.writeForecasts(points);
    const reverseRatingKw = 50 + 1.644853627 * Math.SQRT2 * 10; // 1.645 sigmas above: 5 %
    const sites = new Map([
      [SITE, siteInfoSchema.parse({ id: SITE, latitude: 52.1, longitude: 5.1, timeZone: 'Europe/Amsterdam', feederRatings: [{ feeder: 'f3', ratingKw: 10 }, { feeder: 'f2', ratingKw: 500, reverseRatingKw }, { feeder: 'f1', ratingKw: 1000 }] })],
    ]);
    const withSites = await startTestApi(stores, { deps: { registry, sites } });
    try {
      const url = (q: string, site = SITE) => `${withSites.url}/api/v1/sites/${site}/congestion${q}`;
      const r = await call(url(`?from=${iso(from)}&to=${iso(from + 3 * HOUR)}`), withSites.keys.read);
      expect(r.status).toBe(200);
      const c = congestionResponseSchema.parse(r.json);
      expect(c.feeders.map((f) => f.feeder)).toEqual(['f1', 'f2', 'f3']);
      const [f1, f2, f3] = c.feeders;
      expect(f1!.targets).toEqual(['load']);
      expect(f1!.steps.map((s) => s.time)).toEqual([0, 1, 2].map((i) => iso(from + i * HOUR)));
      f1!.steps.forEach((s, i) => expect(s.overloadProbability).toBeCloseTo([0.02275, 0.158655, 0.5][i]!, 5));
      expect(f1!.steps.every((s) => s.reverseFlowProbability === 0)).toBe(true);
      expect({ max: f1!.maxOverloadProbability, at: f1!.maxOverloadAt }).toEqual({ max: expect.closeTo(0.5, 5) as number, at: iso(from + 2 * HOUR) });
      expect(f2!.targets).toEqual(['load', 'pv']);
      expect(f2!.reverseRatingKw).toBeCloseTo(reverseRatingKw, 9);
      for (const s of f2!.steps) {
        expect(s.reverseFlowProbability).toBeCloseTo(0.05, 5);
        expect(s.overloadProbability).toBeLessThan(1e-6);
      }
      // No forecast for f3: listed with its rating, no figures.
      expect(f3).toEqual({ feeder: 'f3', ratingKw: 10, reverseRatingKw: 10, targets: [], maxOverloadProbability: null, maxOverloadAt: null, maxReverseFlowProbability: null, maxReverseFlowAt: null, steps: [] });
      const csv = await call(url(`?from=${iso(from)}&to=${iso(from + 3 * HOUR)}`), withSites.keys.read, { accept: 'text/csv' });
      expect(csv.text.split('\r\n')[0]).toBe('feeder,time,overloadProbability,reverseFlowProbability');
      expect(csv.text.split('\r\n')).toHaveLength(1 + 6 + 1);
      // Default: tomorrow, the site's local day (Amsterdam).
      const tomorrow = congestionResponseSchema.parse((await call(url(''), withSites.keys.read)).json);
      const local = DateTime.now().setZone('Europe/Amsterdam').plus({ days: 1 }).startOf('day');
      expect({ from: tomorrow.from, to: tomorrow.to }).toEqual({ from: iso(local.toMillis()), to: iso(local.plus({ days: 1 }).toMillis()) });
      // A site without ratings, an API without SITES_FILE, a backwards range.
      expect((await call(url('', OTHER_SITE), withSites.keys.read)).status).toBe(404);
      const none = await get(`/sites/${SITE}/congestion`);
      expect(none.status).toBe(404);
      expect(problemSchema.parse(none.json).detail).toMatch(/feederRatings/);
      const backwards = await call(url(`?from=${iso(from)}&to=${iso(from - HOUR)}`), withSites.keys.read);
      expect(backwards.status).toBe(400);
    } finally {
      await withSites.close();
    }
  });

  it('refuses injection strings in every parameter with a problem naming it, and the data stays intact', async () => {
    const countBefore = await totalCount(stores);
    const get400 = async (path: string, param: string) => {
      const r = await get(path);
      expect(r.status, `${path}`).toBe(400);
      expect(r.type).toMatch(/^application\/problem\+json/);
      const p = problemSchema.parse(r.json);
      expect(p.invalidParams?.map((x) => x.name)).toContain(param);
      expect(r.text).not.toContain('"points":[{');
    };
    for (const bad of INJECTIONS) {
      const v = encodeURIComponent(bad);
      for (const param of ['site', 'feeder', 'meter', 'kind', 'field', 'from', 'to', 'resolution', 'aggregation', 'groupBy', 'combine']) await get400(`/telemetry?${param}=${v}`, param);
      for (const param of ['site', 'feeder', 'target', 'from', 'to', 'quantiles', 'asOf']) await get400(`/forecasts?site=town&${param}=${v}`, param);
      for (const param of ['site', 'asOf']) await get400(`/dispatch?site=town&${param}=${v}`, param);
      for (const param of ['site', 'feeder', 'target']) await get400(`/backtests?${param}=${v}`, param);
      await get400(`/ingest/status?silentAfterMinutes=${v}`, 'silentAfterMinutes');
      await get400(`/telemetry?site=town&${v}=1`, bad);
      // Path parameters: refused, or (where the router can't match) a 404 problem.
      for (const path of [`/sites/${v}/meters`, `/sites/${v}/congestion`, `/models/${v}`]) {
        const r = await get(path);
        expect([400, 404]).toContain(r.status);
        expect(r.type).toMatch(/^application\/problem\+json/);
      }
      for (const [path, body] of [
        ['/forecasts/run', { site: bad }],
        ['/dispatch/run', { site: bad }],
        ['/models/rollback', { site: bad, feeder: 'all', target: 'load' }],
        ['/models/train', { site: 'town', target: bad }],
      ] as const) {
        const r = await postJson(`${api.url}/api/v1${path}`, api.keys.admin, body);
        expect(r.status, path).toBe(400);
        expect(problemSchema.parse(r.json).invalidParams!.length).toBeGreaterThan(0);
      }
    }
    expect(await totalCount(stores)).toBe(countBefore);
    expect(countBefore).toBe(data.telemetry.filter((p) => p.fields.power_kw !== undefined).length);
    if (stores.engine === 'influxdb') expect((await influxd.query('api', 'SHOW MEASUREMENTS')).flatMap((s) => s.values.flat())).toContain('telemetry');
  }, 60_000);
});

async function totalCount(stores: Stores): Promise<number> {
  const series = await stores.telemetry.queryTelemetry({ field: 'power_kw', fromMs: 0, toMs: Date.now() + HOUR, bucketMs: 3650 * 24 * HOUR, aggregate: 'count' });
  return series.reduce((n, s) => n + s.points.reduce((m, p) => m + p.value, 0), 0);
}

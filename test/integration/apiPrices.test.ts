import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemSchema } from '../../src/api/problem.js';
import { silentLogger } from '../../src/common/logger.js';
import { SITE_TOTAL_FEEDER, type ForecastPoint } from '../../src/contract/index.js';
import { DispatchService, dispatchPlanSchema, loadDispatchFile, type DispatchPlan } from '../../src/dispatch/index.js';
import { openDuckDbStores, type Stores } from '../../src/storage/index.js';
import { postJson, startTestApi, type TestApi } from '../support/apiHarness.js';

/**
 * POST /api/v1/sites/{site}/prices against the real server, the real dispatch service and a real DuckDB
 * store: the prices are stored, and the site's next plan charges and discharges its battery by them.
 */
const H = 3_600_000;
const NOW = Date.UTC(2026, 2, 2, 9, 1); // the plan starts at the next hour, 10:00
const START = Date.UTC(2026, 2, 2, 10);
const DISPATCH_YAML = `
sites:
  - site: p1
    currency: EUR
    stepMinutes: 60
    horizonHours: 6
    batteries:
      - { id: bat, capacityKwh: 100, maxChargeKw: 50, maxDischargeKw: 50, chargeEfficiency: 0.95, dischargeEfficiency: 0.95, socMinPct: 10, socMaxPct: 90, socInitialPct: 50 }
    grid: { importLimitKw: 1000, exportLimitKw: 0, importPricePerKwh: 0.2, exportPricePerKwh: 0 }
    reserve: { method: none }
`;
let dir: string;
let stores: Stores;
let api: TestApi;
let dispatch: DispatchService;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridcast-api-prices-'));
  await writeFile(join(dir, 'dispatch.yaml'), DISPATCH_YAML);
  stores = openDuckDbStores({ path: join(dir, 'gridcast.duckdb') }, silentLogger);
  await stores.init();
  const load: ForecastPoint[] = Array.from({ length: 6 }, (_, h) => ({
    site: 'p1', feeder: SITE_TOTAL_FEEDER, target: 'load', model: 'test', issuedAtMs: NOW - 60_000, timeMs: START + h * H, p10Kw: 100, p50Kw: 100, p90Kw: 100,
  }));
  await stores.forecasts.writeForecasts(load);
  dispatch = new DispatchService({ stores, sites: loadDispatchFile(join(dir, 'dispatch.yaml')), logger: silentLogger, now: () => NOW });
  api = await startTestApi(stores, { deps: { runDispatch: (site) => dispatch.run(site), storePrices: (site, m, source) => dispatch.storePrices(site, m, source) } });
}, 60_000);
afterAll(async () => {
  await api?.close();
  await stores?.close();
  await rm(dir, { recursive: true, force: true });
});

const post = (site: string, body: unknown, key = api.keys.operate) => postJson(`${api.url}/api/v1/sites/${site}/prices`, key, body);
const run = async (): Promise<DispatchPlan> => {
  const r = await postJson(`${api.url}/api/v1/dispatch/run`, api.keys.operate, { site: 'p1' });
  expect(r.status).toBe(200);
  return dispatchPlanSchema.parse(r.json);
};
const battery = (plan: DispatchPlan) => plan.steps.map((s) => Math.round(s.batteries[0]!.powerKw));
const iso = (ms: number) => new Date(ms).toISOString();

describe('POST /sites/{site}/prices', () => {
  it('stores the prices; the next plan uses them where they cover its steps (charging cheap, discharging dear) and says which source each price came from', async () => {
    const flat = await run();
    expect(flat.steps.map((s) => s.importPricePerKwh)).toEqual([0.2, 0.2, 0.2, 0.2, 0.2, 0.2]);
    expect(battery(flat)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(flat.prices).toEqual({ import: [{ from: iso(START), to: iso(START + 6 * H), source: 'dispatch-file' }], export: [{ from: iso(START), to: iso(START + 6 * H), source: 'dispatch-file' }] });

    // 11:00 at 10 EUR/MWh, 13:00 at 500 EUR/MWh, and 12:00 as four quarter-hours given per kWh (mean 0.25); 14:00–16:00 not covered.
    const hourly = await post('p1', { currency: 'EUR', unit: 'MWh', resolution: 'PT60M', prices: [{ start: '2026-03-02T12:00:00+01:00', importPrice: 10, exportPrice: 5 }, { start: iso(START + 3 * H), importPrice: 500 }, { start: START, importPrice: 200 }] });
    expect(hourly.status).toBe(200);
    expect(hourly.json).toMatchObject({ site: 'p1', source: 'api', currency: 'EUR', intervals: 3, from: iso(START), to: iso(START + 4 * H) });
    const quarters = await post('p1', { currency: 'EUR', unit: 'kWh', resolution: 'PT15M', prices: [0.1, 0.2, 0.3, 0.4].map((p, i) => ({ start: iso(START + 2 * H + i * 900_000), importPrice: p })) });
    expect(quarters.status).toBe(200);

    const plan = await run();
    expect(plan.steps.map((s) => s.importPricePerKwh)).toEqual([0.2, 0.01, 0.25, 0.5, 0.2, 0.2]);
    expect(plan.steps.map((s) => s.exportPricePerKwh)).toEqual([0, 0.005, 0, 0, 0, 0]);
    const [, charge, , discharge] = battery(plan);
    expect(charge).toBeLessThan(0); // charges at 10 EUR/MWh
    expect(discharge).toBeGreaterThan(0); // and discharges at 500
    expect(plan.cost.total).toBeLessThan(flat.cost.total);
    expect(plan.prices!.import.map((s) => [s.from, s.to, s.source, s.publishedVia])).toEqual([
      // Both posts were received at the service's (fixed) clock: one run of published prices.
      [iso(START), iso(START + 4 * H), 'published', 'api'],
      [iso(START + 4 * H), iso(START + 6 * H), 'dispatch-file', undefined],
    ]);
    expect(plan.prices!.export.map((s) => s.source)).toEqual(['dispatch-file', 'published', 'dispatch-file']);

    // A later publication of the same hour wins.
    expect((await post('p1', { currency: 'EUR', unit: 'MWh', resolution: 'PT60M', prices: [{ start: START + H, importPrice: 300 }] })).status).toBe(200);
    expect((await run()).steps[1]!.importPricePerKwh).toBe(0.3);
  });

  it('404 for a site without dispatch settings, 422 for another currency, 400 naming the field to fix', async () => {
    const good = { currency: 'EUR', unit: 'MWh', resolution: 'PT60M', prices: [{ start: START, importPrice: 1 }] };
    const problem = (r: { status: number; json: unknown }, status: number) => {
      expect(r.status).toBe(status);
      return problemSchema.parse(r.json);
    };
    expect(problem(await post('nowhere', good), 404).detail).toMatch(/site 'nowhere' has no dispatch settings; known sites: p1/);
    expect(problem(await post('p1', { ...good, currency: 'USD' }), 422).detail).toMatch(/prices are in USD, but site 'p1' plans in EUR/);
    const misaligned = problem(await post('p1', { ...good, prices: [{ start: '2026-03-02T10:30:00Z', importPrice: 1 }] }), 400);
    expect(misaligned.invalidParams).toEqual([{ name: 'prices.0.start', reason: '2026-03-02T10:30:00.000Z is not a multiple of the resolution PT60M (in UTC)' }]);
    const noOffset = problem(await post('p1', { ...good, prices: [{ start: '2026-03-02T10:00:00', importPrice: 1 }] }), 400);
    expect(noOffset.invalidParams![0]).toMatchObject({ name: 'prices.0.start', reason: expect.stringMatching(/ISO-8601 with an offset/) });
    const twice = problem(await post('p1', { ...good, prices: [good.prices[0], good.prices[0]] }), 400);
    expect(twice.detail).toMatch(/prices\.1\.start: .* appears twice/);
    const unknown = problem(await post('p1', { ...good, price: [] }), 400);
    expect(unknown.invalidParams![0]).toMatchObject({ name: 'price', reason: 'unknown field' });
    expect(problem(await post('p1', { ...good, resolution: 'PT5M' }), 400).invalidParams![0]).toMatchObject({ name: 'resolution', allowed: 'PT15M, PT30M, PT60M' });
  });
});

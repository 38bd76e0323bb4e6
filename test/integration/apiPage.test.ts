import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.js';
import { ModelRegistry } from '../../src/forecast/index.js';
import { openDuckDbStores } from '../../src/storage/index.js';
import { buildDataset, fillStore, HOUR } from '../support/apiData.js';
import { call, startTestApi } from '../support/apiHarness.js';
import { ARTIFACTS, launchChromium, panels } from '../support/browser.js';
import { GridcastProcess } from '../support/gridcastProcess.js';
import { freePort, sleep } from '../support/services.js';

/**
 * The built-in page in headless Chromium (Debian's, driven by playwright-core) against a real
 * `gridcast start`: charts must render with data, assets must come from the instance itself (no CDN),
 * and a screenshot is kept in .artifacts/.
 */
let browser: Browser;
let dir: string;
const baseMs = Math.floor(Date.now() / HOUR) * HOUR;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridcast-page-'));
  // The standalone process owns the DuckDB file while it runs: fill it first.
  const stores = openDuckDbStores({ path: join(dir, 'gridcast.duckdb') }, silentLogger);
  await stores.init();
  await fillStore(stores, await buildDataset(baseMs));
  // A weather forecast issued an hour ago for the next 48 h: irradiance and wind speed, shown next to PV and wind.
  await stores.weatherForecasts.writeWeatherForecasts(
    Array.from({ length: 48 }, (_, h) => ({ site: 'town', source: 'open-meteo', issuedAtMs: baseMs - HOUR, timeMs: baseMs + h * HOUR, values: { ghi_wm2: 50 * (h % 12), wind_speed_100m_ms: 6 + (h % 5) } })),
  );
  // Feeder forecasts for the next three days (covering tomorrow wherever the site's day falls), for the congestion
  // panel: f1's load 25 kW (P10 20, P90 30) against a 26 kW rating, f2's 5 kW against 100 kW; f9 rated, no forecast.
  await stores.forecasts.writeForecasts(
    Array.from({ length: 72 }, (_, h) => [
      { site: 'town', feeder: 'f1', target: 'load' as const, model: 'seasonal-naive-week', issuedAtMs: baseMs - HOUR, timeMs: baseMs + h * HOUR, p10Kw: 20, p50Kw: 25, p90Kw: 30 },
      { site: 'town', feeder: 'f2', target: 'load' as const, model: 'seasonal-naive-week', issuedAtMs: baseMs - HOUR, timeMs: baseMs + h * HOUR, p10Kw: 4, p50Kw: 5, p90Kw: 6 },
    ]).flat(),
  );
  await writeFile(
    join(dir, 'sites.yaml'),
    'sites:\n  - { id: town, latitude: 52.1, longitude: 5.1, timeZone: Europe/Amsterdam, feederRatings: [{ feeder: f2, ratingKw: 100 }, { feeder: f9, ratingKw: 50 }, { feeder: f1, ratingKw: 26 }] }\n',
  );
  await stores.close();
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('built-in page (gridcast start, headless Chromium)', () => {
  it('renders load, PV and wind actual vs forecast, the dispatch plan and ingestion health from the instance, refreshing itself', async () => {
    const brokerPort = await freePort();
    const proc = new GridcastProcess(
      'start',
      { MQTT_BROKER_PORT: String(brokerPort), DUCKDB_PATH: join(dir, 'gridcast.duckdb'), SPOOL_DIR: join(dir, 'spool'), MODELS_DIR: join(dir, 'models'), API_KEYS_FILE: join(dir, 'keys.json'), SCHEDULER_ENABLED: 'false', SITES_FILE: join(dir, 'sites.yaml') },
      await freePort(),
    );
    await proc.start();
    const page = await browser.newPage({ viewport: { width: 1400, height: 1500 } });
    try {
      // A few live readings through the embedded broker, so the ingestion panel has something to count.
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort}`, { protocolVersion: 4, clientId: 'page-test' });
      await client.publishAsync('gridcast/v1/town/f1/live/telemetry', JSON.stringify([1, 2, 3].map((i) => ({ ts: Date.now() - i * 1000, kind: 'load', powerKw: i }))), { qos: 1 });
      await client.endAsync();
      while ((await proc.metric('gridcast_ingest_readings_accepted_total')) < 3) await sleep(50);

      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${proc.httpUrl}/?refresh=2`);
      await page.waitForSelector('body[data-refreshes="2"]', { timeout: 20_000 });

      const state = await panels(page);
      const byId = Object.fromEntries(state.map((p) => [p.id, p]));
      for (const id of ['panel-load', 'panel-pv', 'panel-wind']) {
        // 24 hourly actuals (the site total) and 48 forecast steps.
        expect(byId[id]!.points, id).toBeGreaterThanOrEqual(48);
        expect(byId[id]!.canvases, id).toBeGreaterThanOrEqual(1);
        expect(byId[id]!.inked, id).toBeGreaterThan(2000);
      }
      expect(byId['panel-dispatch']!.points).toBe(48);
      expect(byId['panel-dispatch']!.canvases).toBeGreaterThanOrEqual(2);
      expect(byId['panel-dispatch']!.inked).toBeGreaterThan(2000);
      const total = state.reduce((n, p) => n + p.points, 0);
      expect(await page.textContent('#points')).toBe(`${total} points`);
      expect(await page.textContent('#site')).toContain('town');
      const ingest = await page.textContent('#ingest-figures');
      expect(ingest).toContain('readings accepted3');
      expect(await page.textContent('#silent')).toContain('town/f2/m9');
      expect(await page.textContent('#panel-load .note')).toMatch(/Forecast by lstm@20260101T000000Z/);
      // PV and wind carry the weather forecast that drives them, on a second axis; load has none.
      for (const [id, label] of [['panel-pv', 'irradiance'], ['panel-wind', 'wind speed']] as const) {
        expect(Number(await page.getAttribute(`#${id}`, 'data-weather-points')), id).toBeGreaterThanOrEqual(40);
        expect(await page.textContent(`#${id} .note`)).toContain(`Dotted: ${label} forecast (open-meteo).`);
      }
      expect(await page.getAttribute('#panel-load', 'data-weather-points')).toBe('0');
      // Congestion risk tomorrow: f1 at P(load > 26 kW) = 1 − Φ(1 / (5 / 1.2816)) = 40 %, then f2, then f9 (no forecast).
      const congestion = await page.$$eval('#congestion tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
      expect(congestion.map((r) => r.slice(0, 3))).toEqual([['f1', '26 kW', '40 %'], ['f2', '100 kW', '0.0 %'], ['f9', '50 kW', '–']]);
      expect(await page.getAttribute('#congestion tbody tr[data-feeder="f1"] td:nth-child(3)', 'class')).toBe('risk-high');
      expect(byId['panel-congestion']!.points).toBe(48);
      expect(await page.textContent('#panel-congestion .note')).toContain('No forecast for f9');

      expect(errors).toEqual([]);
      expect(requests.length).toBeGreaterThan(5);
      expect(requests.filter((u) => !u.startsWith(proc.httpUrl))).toEqual([]);
      expect(requests).toContain(`${proc.httpUrl}/ui/vendor/uPlot.iife.min.js`);

      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'page-overview.png'), fullPage: true });
      await page.screenshot({ path: join(dir, 'page-overview.png') });
    } finally {
      await page.close();
      expect(await proc.kill('SIGTERM')).toBe(0);
    }
  }, 60_000);

  it('asks for a key where the loopback rule does not apply, and renders once given a read key', async () => {
    const stores = openDuckDbStores({ path: ':memory:' }, silentLogger);
    await stores.init();
    await fillStore(stores, await buildDataset(baseMs));
    const api = await startTestApi(stores, { host: '0.0.0.0', ui: true });
    const page = await browser.newPage();
    try {
      await page.goto(`${api.url}/`);
      await page.waitForSelector('#key-form:not([hidden])', { timeout: 10_000 });
      expect(await page.textContent('#status')).toMatch(/API key is needed/);
      expect(await page.$$('.uplot')).toHaveLength(0);
      await page.fill('#key', api.keys.read);
      await page.click('#key-form button');
      await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
      expect(await page.isHidden('#key-form')).toBe(true);
      expect((await panels(page)).find((p) => p.id === 'panel-load')!.canvases).toBeGreaterThanOrEqual(1);
    } finally {
      await page.close();
      await api.close();
      await stores.close();
    }
  }, 30_000);

  it('interactive docs (Swagger UI from node_modules): every operation rendered, nothing fetched from elsewhere, no key, no CSP violation', async () => {
    const stores = openDuckDbStores({ path: ':memory:' }, silentLogger);
    await stores.init();
    const api = await startTestApi(stores, { host: '0.0.0.0' });
    const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
    try {
      const doc = (await call<{ paths: Record<string, Record<string, unknown>> }>(`${api.url}/api/v1/openapi.json`, undefined)).json;
      const operations = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      // A blocked script or fetch shows as a console error naming the Content Security Policy.
      page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
      await page.goto(`${api.url}/api/v1/docs/ui/`);
      await page.waitForSelector('.opblock', { timeout: 20_000 });
      expect(await page.$$('.opblock')).toHaveLength(operations);
      expect(await page.textContent('.info')).toContain('Apache License 2.0');
      expect(await page.$('.btn.authorize')).not.toBeNull();
      expect(errors).toEqual([]);
      expect(requests.filter((u) => !u.startsWith(api.url))).toEqual([]);
      expect(requests).toEqual(expect.arrayContaining([`${api.url}/api/v1/docs/ui/swagger-ui-bundle.js`, `${api.url}/api/v1/openapi.json`]));
    } finally {
      await page.close();
      await api.close();
      await stores.close();
    }
  }, 30_000);

  it("says why a baseline forecast where a model serves: the registry's last fallback (no weather forecast)", async () => {
    const stores = openDuckDbStores({ path: ':memory:' }, silentLogger);
    await stores.init();
    await fillStore(stores, await buildDataset(baseMs));
    // The latest load issue came from the weekly baseline, because the serving model had no weather forecast.
    await stores.forecasts.writeForecasts(Array.from({ length: 24 }, (_, h) => ({ site: 'town', feeder: 'all', target: 'load' as const, model: 'seasonal-naive-week', issuedAtMs: baseMs - 10 * 60_000, timeMs: baseMs + h * HOUR, p10Kw: 1, p50Kw: 2, p90Kw: 3 })));
    const api = await startTestApi(stores, { host: '0.0.0.0', ui: true });
    const registry = new ModelRegistry(api.modelsDir);
    const series = { site: 'town', feeder: 'all', target: 'load' } as const;
    await registry.setServing(series, { kind: 'baseline', name: 'seasonal-naive-day' }, 'manual', 'test');
    await registry.recordFallback(series, { at: new Date(baseMs).toISOString(), used: 'seasonal-naive-week', reason: 'no open-meteo weather forecast issued by then covers 12 of the 48 steps asked for' });
    const page = await browser.newPage();
    try {
      await page.goto(`${api.url}/`);
      await page.fill('#key', api.keys.read);
      await page.click('#key-form button');
      await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
      expect(await page.textContent('#panel-load .note')).toContain('seasonal-naive-day could not forecast: no open-meteo weather forecast issued by then covers 12 of the 48 steps asked for.');
      expect(await page.textContent('#panel-pv .note')).not.toContain('could not forecast');
    } finally {
      await page.close();
      await api.close();
      await stores.close();
    }
  }, 30_000);
});

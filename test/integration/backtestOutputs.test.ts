import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchChromium, panels } from '../support/browser.js';
import { runCli } from '../support/cli.js';

const H = 3_600_000;
const START = Date.UTC(2026, 0, 1);
const DAYS = 24;
/** kW with a daily cycle, a weekday/weekend step and a little deterministic wobble (so no model is perfect). */
const kw = (i: number) => 50 + 20 * Math.sin(((i % 24) - 6) / 24 * 2 * Math.PI) - (Math.floor(i / 24) % 7 >= 5 ? 10 : 0) + 3 * Math.sin(i * 1.7);

let dir: string;
let csv: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridcast-backtest-out-'));
  csv = join(dir, 'load.csv');
  const rows = ['time,load_kw'];
  for (let i = 0; i < DAYS * 24; i++) rows.push(`${new Date(START + i * H).toISOString()},${kw(i).toFixed(4)}`);
  await writeFile(csv, `${rows.join('\n')}\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface ReportData {
  best: string;
  testWindow: { from: string; to: string };
  metrics: { model: string; overall: { maeKw: number } }[];
  bands: { model: string; times: number[]; actual: (number | null)[]; p10: (number | null)[]; p50: (number | null)[]; p90: (number | null)[] }[];
  byLead: { leadHours: number[]; maeKw: Record<string, (number | null)[]> };
}

describe('gridcast backtest --forecasts-csv and --report', () => {
  const TEST_DAYS = 3;
  let out: { code: number | null; stdout: string; stderr: string };
  let forecastsCsv: string;
  let report: string;
  beforeAll(async () => {
    forecastsCsv = join(dir, 'forecasts.csv');
    report = join(dir, 'report.html');
    // A tiny LSTM (one epoch, three test days) next to the baselines: seconds, and both band charts drawn.
    out = await runCli(
      ['backtest', '--csv', csv, '--time-col', 'time', '--value-col', 'load_kw', '--target', 'load', '--local-tz', 'Europe/Amsterdam', '--test-days', String(TEST_DAYS), '--retrain-days', '7', '--epochs', '1', '--train-days', '14', '--json', '--forecasts-csv', forecastsCsv, '--report', report],
      {},
      300_000,
    );
  }, 300_000);

  it('writes every forecast of every model, the actual it was scored against, bands re-scaled and as made', async () => {
    expect(out.code, out.stderr).toBe(0);
    const result = JSON.parse(out.stdout) as { models: Record<string, { overall: { maeKw: number; n: number } }> };
    const text = await readFile(forecastsCsv, 'utf8');
    expect(text.split('\r\n')[0]).toBe('model,issued_at,time,lead_hours,p10_kw,p50_kw,p90_kw,actual_kw,p10_as_made_kw,p90_as_made_kw');
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    const models = Object.keys(result.models).sort();
    expect(models).toEqual(['lstm', 'seasonal-naive-day', 'seasonal-naive-week']);
    expect([...new Set(rows.map((r) => r.model))].sort()).toEqual(models);
    for (const m of models) {
      const mine = rows.filter((r) => r.model === m);
      expect(mine).toHaveLength(TEST_DAYS * 24);
      // The metrics score these rows: their MAE is the reported one.
      const mae = mine.reduce((s, r) => s + Math.abs(Number(r.p50_kw) - Number(r.actual_kw)), 0) / mine.length;
      expect(mae).toBeCloseTo(result.models[m]!.overall.maeKw, 6);
    }
    for (const r of rows) {
      const t = Date.parse(r.time!);
      expect(r.time).toBe(new Date(t).toISOString());
      expect(Number(r.actual_kw)).toBeCloseTo(kw((t - START) / H), 3);
      expect(Number(r.lead_hours)).toBe((t - Date.parse(r.issued_at!)) / H);
      expect(Number(r.p10_kw)).toBeLessThanOrEqual(Number(r.p50_kw) + 1e-9);
      expect(Number(r.p90_kw)).toBeGreaterThanOrEqual(Number(r.p50_kw) - 1e-9);
      expect(Number.isFinite(Number(r.p10_as_made_kw)) && Number.isFinite(Number(r.p90_as_made_kw))).toBe(true);
    }
    // The weekly naive repeats the value at the same hour a week back (further weeks where that one was masked).
    for (const naive of rows.filter((r) => r.model === 'seasonal-naive-week')) {
      const weeksBack = [1, 2].map((w) => kw((Date.parse(naive.time!) - START) / H - w * 7 * 24));
      expect(weeksBack.some((v) => Math.abs(v - Number(naive.p50_kw)) < 1e-3), naive.time).toBe(true);
    }
  });

  it('writes one self-contained HTML report: no http(s) script or link, the data embedded, the metrics table', async () => {
    expect(out.code, out.stderr).toBe(0);
    const html = await readFile(report, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=["']?https?:/i);
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    expect(html).toContain('uPlot');
    expect(html).toContain('times in Europe/Amsterdam');
    expect(html).not.toContain('[object');
    const data = JSON.parse(/<script id="report-data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!) as ReportData;
    const result = JSON.parse(out.stdout) as { best: string; models: Record<string, { overall: { maeKw: number }; perLead: { leadHours: number; maeKw: number }[] }> };
    expect(data.best).toBe(result.best);
    const baselines = ['seasonal-naive-day', 'seasonal-naive-week'];
    const bestBaseline = baselines.sort((a, b) => result.models[a]!.overall.maeKw - result.models[b]!.overall.maeKw)[0];
    expect(data.bands.map((b) => b.model)).toEqual(['lstm', bestBaseline]);
    // Every step of the test window, the same values as the forecasts CSV.
    const rows = parse(await readFile(forecastsCsv, 'utf8'), { columns: true }) as Record<string, string>[];
    for (const b of data.bands) {
      expect(b.times).toHaveLength(TEST_DAYS * 24);
      const mine = rows.filter((r) => r.model === b.model);
      expect(b.times.map((t) => new Date(t * 1000).toISOString())).toEqual(mine.map((r) => r.time));
      expect(b.p50).toEqual(mine.map((r) => Number(r.p50_kw)));
      expect(b.actual).toEqual(mine.map((r) => Number(r.actual_kw)));
    }
    expect(data.byLead.leadHours).toEqual(result.models.lstm!.perLead.map((l) => l.leadHours));
    for (const [m, r] of Object.entries(result.models)) expect(data.byLead.maeKw[m]).toEqual(r.perLead.map((l) => l.maeKw));
    for (const m of Object.keys(result.models)) expect(html).toContain(`<th scope="row">${m}`);
    expect(html).toContain(result.models[result.best]!.overall.maeKw.toFixed(2));
  });

  it('draws every chart in headless Chromium with no console errors', async () => {
    expect(out.code, out.stderr).toBe(0);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      const requests: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) requests.push(r.url());
      });
      await page.goto(`file://${report}`);
      await page.waitForSelector('#by-lead .uplot canvas');
      const state = await panels(page);
      expect(state.map((p) => p.id)).toEqual(['band-0', 'band-1', 'by-lead']);
      for (const p of state) {
        expect(p.canvases, p.id).toBeGreaterThan(0);
        expect(p.inked, p.id).toBeGreaterThan(500);
      }
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'backtest-report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });

  it('charts only the best baseline with --baselines-only, and refuses an unwritable report path before running', async () => {
    const baselinesReport = join(dir, 'baselines.html');
    const r = await runCli(['backtest', '--csv', csv, '--time-col', 'time', '--value-col', 'load_kw', '--target', 'load', '--test-days', '2', '--baselines-only', '--report', baselinesReport]);
    expect(r.code, r.stderr).toBe(0);
    const data = JSON.parse(/<script id="report-data" type="application\/json">(.*?)<\/script>/s.exec(await readFile(baselinesReport, 'utf8'))![1]!) as ReportData;
    expect(data.bands).toHaveLength(1);
    expect(Object.keys(data.byLead.maeKw).sort()).toEqual(['seasonal-naive-day', 'seasonal-naive-week']);

    const bad = join(dir, 'no-such-dir', 'r.html');
    const refused = await runCli(['backtest', '--csv', csv, '--time-col', 'time', '--value-col', 'load_kw', '--target', 'load', '--baselines-only', '--report', bad]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`cannot write the report to '${bad}'`);
  });
});

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pairForecast, type PointMetrics } from '../evaluation/metrics.js';
import type { BacktestResult } from './rollingOrigin.js';

/** One forecast step of a backtest, as --forecasts-csv writes it (times epoch ms; NaN: no actual). */
export interface BacktestForecastRow {
  model: string;
  issuedAtMs: number;
  timeMs: number;
  leadHours: number;
  /** The band re-scaled as the metrics score it. */
  p10Kw: number;
  p50Kw: number;
  p90Kw: number;
  /** The series the backtest scored against, at timeMs. */
  actualKw: number;
  /** The band as the model made it, before re-scaling. */
  p10AsMadeKw: number;
  p90AsMadeKw: number;
}

export const BACKTEST_FORECAST_COLUMNS = ['model', 'issued_at', 'time', 'lead_hours', 'p10_kw', 'p50_kw', 'p90_kw', 'actual_kw', 'p10_as_made_kw', 'p90_as_made_kw'] as const;

/** Every forecast of every model, in model then issue order, each step paired with the actual it was scored against. */
export function backtestForecastRows(result: BacktestResult, actualAt: (timeMs: number) => number): BacktestForecastRow[] {
  const rows: BacktestForecastRow[] = [];
  for (const [model, m] of Object.entries(result.models)) {
    m.forecasts.forEach((fc, k) => {
      const made = m.forecastsAsMade[k]!;
      pairForecast(fc, actualAt).forEach((p, i) => {
        rows.push({ model, issuedAtMs: fc.issuedAtMs, timeMs: fc.timesMs[i]!, leadHours: p.leadHours, p10Kw: p.p10, p50Kw: p.p50, p90Kw: p.p90, actualKw: p.actual, p10AsMadeKw: made.p10[i]!, p90AsMadeKw: made.p90[i]! });
      });
    });
  }
  return rows;
}

/** The rows as CSV table cells (times ISO-8601), in BACKTEST_FORECAST_COLUMNS order. */
export function backtestForecastCells(rows: readonly BacktestForecastRow[]): (string | number)[][] {
  return rows.map((r) => [r.model, new Date(r.issuedAtMs).toISOString(), new Date(r.timeMs).toISOString(), r.leadHours, r.p10Kw, r.p50Kw, r.p90Kw, r.actualKw, r.p10AsMadeKw, r.p90AsMadeKw]);
}

export interface BacktestReportOptions {
  /** Heading: what was backtested (the file and column). */
  title: string;
  /** The model (LSTM) charted next to the best baseline; absent with --baselines-only. */
  model?: string;
  /** The baselines' names; the one with the lowest MAE is charted. */
  baselines: readonly string[];
  /** The series scored against. */
  actualAt: (timeMs: number) => number;
  /** IANA zone the time axes are drawn in (the site's); default UTC. */
  timeZone?: string;
  /** Extra lines under the heading (series, data quality). */
  notes?: readonly string[];
}

/** A band chart: times in s (uPlot's), values kW; null where missing. */
export interface BandChartData {
  model: string;
  times: number[];
  actual: (number | null)[];
  p10: (number | null)[];
  p50: (number | null)[];
  p90: (number | null)[];
}

/** What the report page draws, embedded in it as JSON. */
export interface BacktestReportData {
  title: string;
  timeZone: string;
  testWindow: BacktestResult['testWindow'];
  best: string;
  metrics: { model: string; overall: PointMetrics; rawCoverageP10P90: number }[];
  bands: BandChartData[];
  /** MAE (kW) by lead hour, one array per model aligned with leadHours (null: no such lead). */
  byLead: { leadHours: number[]; maeKw: Record<string, (number | null)[]> };
}

const num = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** The data of the report: the band charts (the model's, the best baseline's), MAE by lead for every model, the metrics. */
export function backtestReportData(result: BacktestResult, o: BacktestReportOptions): BacktestReportData {
  const baselines = o.baselines.filter((b) => result.models[b]);
  const bestBaseline = [...baselines].sort((a, b) => result.models[a]!.overall.maeKw - result.models[b]!.overall.maeKw)[0];
  const charted = [...(o.model && result.models[o.model] ? [o.model] : []), ...(bestBaseline ? [bestBaseline] : [])];
  const bands = charted.map((model) => {
    // One value per time: where forecasts overlap (a horizon over a day), the latest issue's.
    const byTime = new Map<number, { p10: number; p50: number; p90: number }>();
    for (const fc of result.models[model]!.forecasts) fc.timesMs.forEach((t, i) => byTime.set(t, { p10: fc.p10[i]!, p50: fc.p50[i]!, p90: fc.p90[i]! }));
    const times = [...byTime.keys()].sort((a, b) => a - b);
    return {
      model,
      times: times.map((t) => t / 1000),
      actual: times.map((t) => num(o.actualAt(t))),
      p10: times.map((t) => num(byTime.get(t)!.p10)),
      p50: times.map((t) => num(byTime.get(t)!.p50)),
      p90: times.map((t) => num(byTime.get(t)!.p90)),
    };
  });
  const leads = [...new Set(Object.values(result.models).flatMap((m) => m.perLead.map((l) => l.leadHours)))].sort((a, b) => a - b);
  const maeKw = Object.fromEntries(
    Object.entries(result.models).map(([name, m]) => {
      const at = new Map(m.perLead.map((l) => [l.leadHours, l.maeKw]));
      return [name, leads.map((l) => (at.has(l) ? num(at.get(l)!) : null))];
    }),
  );
  return {
    title: o.title,
    timeZone: o.timeZone ?? 'UTC',
    testWindow: result.testWindow,
    best: result.best,
    metrics: Object.entries(result.models).map(([model, m]) => ({ model, overall: m.overall, rawCoverageP10P90: m.rawCoverageP10P90 })),
    bands,
    byLead: { leadHours: leads, maeKw },
  };
}

const UPLOT_DIR = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));

/** Text placed inside <script>/<style>: a closing tag in it would end the element early. */
const inScript = (text: string) => text.replace(/<\/(script|style)/gi, '<\\/$1');
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * One self-contained HTML file: uPlot's JS and CSS inlined from node_modules (no CDN, opens offline), the
 * data as JSON, the metrics table as HTML. Charts: actual vs P10/P50/P90 over the test window for the model
 * and the best baseline, and MAE by lead hour for every model.
 */
export function backtestReportHtml(result: BacktestResult, o: BacktestReportOptions): string {
  const data = backtestReportData(result, o);
  const uplotJs = readFileSync(join(UPLOT_DIR, 'uPlot.iife.min.js'), 'utf8');
  const uplotCss = readFileSync(join(UPLOT_DIR, 'uPlot.min.css'), 'utf8');
  const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');
  const rows = data.metrics
    .map(({ model, overall: m, rawCoverageP10P90 }) =>
      `<tr${model === data.best ? ' class="best"' : ''}><th scope="row">${escapeHtml(model)}${model === data.best ? ' ★' : ''}</th>` +
      [fmt(m.maeKw), fmt(m.rmseKw), fmt(m.mapePct), fmt(m.nmaePct), fmt(m.mase), fmt(m.pinballKw), fmt(m.coverageP10P90 * 100, 1), fmt(rawCoverageP10P90 * 100, 1), String(m.n)].map((v) => `<td>${v}</td>`).join('') +
      '</tr>',
    )
    .join('\n');
  const bandSections = data.bands
    .map((b, i) => `<section class="panel" id="band-${i}" data-points="${b.times.length}"><h2>${escapeHtml(b.model)}: actual vs P10 / P50 / P90 (kW), times in ${escapeHtml(data.timeZone)}</h2><div class="chart"></div></section>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Backtest: ${escapeHtml(data.title)}</title>
<style>${inScript(uplotCss)}</style>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1d1d1f; max-width: 1200px; }
h1 { font-size: 1.4rem; margin-bottom: 0.2rem; } h2 { font-size: 1.05rem; margin: 0.4rem 0; }
p.meta { color: #555; margin: 0.2rem 0; }
table { border-collapse: collapse; margin: 1rem 0; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.7rem; text-align: right; } th[scope=row], thead th:first-child { text-align: left; }
tr.best { background: #eef6ee; }
section.panel { margin: 1.2rem 0; }
</style>
</head>
<body>
<h1>Backtest: ${escapeHtml(data.title)}</h1>
<p class="meta">Test window ${escapeHtml(data.testWindow.from)} → ${escapeHtml(data.testWindow.to)}: ${result.forecasts} forecasts per model, issued at ${result.issueHourLocal}:00 local on D−1, ${result.horizonSteps} steps, refit every ${result.retrainDays} days. Best (lowest MAE): ${escapeHtml(data.best)}.</p>
${(o.notes ?? []).map((n) => `<p class="meta">${escapeHtml(n)}</p>`).join('\n')}
<section id="metrics">
<h2>Metrics over the test window</h2>
<table>
<thead><tr><th>model</th><th>MAE kW</th><th>RMSE kW</th><th>MAPE %</th><th>nMAE %</th><th>MASE</th><th>pinball kW</th><th>P10–P90 %</th><th>as made %</th><th>steps</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p class="meta">P10–P90: share of actuals inside the band as scored (re-scaled from earlier errors); as made: the band as the model made it. 80 % is calibrated.</p>
</section>
${bandSections}
<section class="panel" id="by-lead" data-points="${data.byLead.leadHours.length}"><h2>MAE by lead hour (kW), every model</h2><div class="chart"></div></section>
<script id="report-data" type="application/json">${inScript(JSON.stringify(data).replace(/</g, '\\u003c'))}</script>
<script>${inScript(uplotJs)}</script>
<script>${inScript(PAGE_SCRIPT)}</script>
</body>
</html>
`;
}

/** Draws the charts from #report-data with uPlot (global, inlined above). */
const PAGE_SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var COLORS = ['#1f5fa8', '#d9480f', '#2b8a3e', '#862e9c', '#e67700', '#0b7285', '#c2255c'];
  function width(el) { return Math.max(320, Math.min(1150, el.clientWidth || 900)); }
  data.bands.forEach(function (b, i) {
    var el = document.querySelector('#band-' + i + ' .chart');
    new uPlot({
      width: width(el), height: 320,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), data.timeZone); },
      scales: { x: { time: true } },
      axes: [{}, { label: 'kW' }],
      series: [
        {},
        { label: 'actual kW', stroke: '#1d1d1f', width: 1.5 },
        { label: 'P10 kW', stroke: 'rgba(31,95,168,0.55)', width: 1 },
        { label: 'P50 kW', stroke: '#1f5fa8', width: 2 },
        { label: 'P90 kW', stroke: 'rgba(31,95,168,0.55)', width: 1 }
      ],
      bands: [{ series: [4, 2], fill: 'rgba(31,95,168,0.15)' }]
    }, [b.times, b.actual, b.p10, b.p50, b.p90], el);
  });
  var lead = document.querySelector('#by-lead .chart');
  var models = Object.keys(data.byLead.maeKw);
  new uPlot({
    width: width(lead), height: 300,
    scales: { x: { time: false } },
    axes: [{ label: 'lead hours' }, { label: 'MAE kW' }],
    series: [{ label: 'lead h' }].concat(models.map(function (m, i) {
      return { label: m, stroke: COLORS[i % COLORS.length], width: m === data.best ? 2.5 : 1.5, points: { show: true, size: 4 } };
    }))
  }, [data.byLead.leadHours].concat(models.map(function (m) { return data.byLead.maeKw[m]; })), lead);
})();
`;

/**
 * bench:bands — the adaptive bands' γ side by side on forecasts bench:forecast saved
 * (BENCH_FORECAST_SAVE_FORECASTS=DIR): P10–P90 coverage and pinball per case and model, the bands as made
 * (γ 0) next to each γ, every figure from the same forecasts. Prints a table, writes .bench/bands.json.
 *   npm run bench:bands -- .bench/forecasts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { readFileSync, readdirSync } from 'node:fs';
import { adaptForecasts, type QuantileForecast } from '../src/forecast/index.js';
const dir = process.argv[2] ?? '.bench/forecasts';
type Saved = { name: string; target: string; stepMs: number; actuals: Record<string, number>; models: Record<string, QuantileForecast[]> };
function cov(fs: QuantileForecast[], actual: (t: number) => number): [number, number] {
  let c = 0, n = 0, pin = 0;
  const pb = (a: number, q: number, tau: number) => (a - q >= 0 ? tau * (a - q) : (tau - 1) * (a - q));
  for (const f of fs) f.timesMs.forEach((t, i) => { const a = actual(t); if (!Number.isFinite(a)) return; n++; if (a >= f.p10[i]! && a <= f.p90[i]!) c++; pin += (pb(a, f.p10[i]!, 0.1) + pb(a, f.p50[i]!, 0.5) + pb(a, f.p90[i]!, 0.9)) / 3; });
  return [c / n, pin / n];
}
const gammas = [0, 0.005, 0.01, 0.02, 0.04];
const rows: { case: string; model: string; byGamma: { gamma: number; coverageP10P90: number; pinballKw: number }[] }[] = [];
console.log('case'.padEnd(28), 'model'.padEnd(22), gammas.map((g) => `cov γ=${g}`.padStart(10)).join(''), gammas.map((g) => `pin γ=${g}`.padStart(12)).join(''));
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  const s = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as Saved;
  const actual = (t: number) => s.actuals[String(t)] ?? Number.NaN;
  const floorKw = s.target === 'load' ? -Infinity : 0;
  for (const [model, made] of Object.entries(s.models)) {
    const r = gammas.map((g) => cov(g === 0 ? made : adaptForecasts(made, actual, { stepMs: s.stepMs, gamma: g, floorKw }), actual));
    console.log(s.name.padEnd(28), model.padEnd(22), r.map(([c]) => (100 * c).toFixed(1).padStart(10)).join(''), r.map(([, p]) => p.toPrecision(5).padStart(12)).join(''));
    rows.push({ case: s.name, model, byGamma: r.map(([c, p], k) => ({ gamma: gammas[k]!, coverageP10P90: c, pinballKw: p })) });
  }
}
const within = (g: number) => rows.filter((r) => Math.abs(r.byGamma[gammas.indexOf(g)]!.coverageP10P90 - 0.8) <= 0.05).length;
const summary = Object.fromEntries(gammas.map((g) => [g, { within75to85: within(g), of: rows.length }]));
await mkdir('.bench', { recursive: true });
await writeFile('.bench/bands.json', `${JSON.stringify({ rows, summary }, null, 2)}\n`);
console.log(JSON.stringify({ summary }));

import { readFileSync, readdirSync } from 'node:fs';
import { recalibrateForecasts, type QuantileForecast } from './src/forecast/index.js';
const dir = process.argv[2]!;
type Saved = { name: string; target: string; stepMs: number; actuals: Record<string, number>; models: Record<string, QuantileForecast[]> };
const PIN = process.env.PIN === '1';
function coverage(fs: QuantileForecast[], actual: (t: number) => number): number {
  let c = 0, n = 0, pin = 0;
  const pb = (a: number, q: number, tau: number) => (a - q >= 0 ? tau * (a - q) : (tau - 1) * (a - q));
  for (const f of fs) f.timesMs.forEach((t, i) => { const a = actual(t); if (!Number.isFinite(a)) return; n++; if (a >= f.p10[i]! && a <= f.p90[i]!) c++; pin += (pb(a, f.p10[i]!, 0.1) + pb(a, f.p90[i]!, 0.9)) / 2; });
  return PIN ? pin / n / 100 : c / n;
}
/** ACI on log-scale factors per half: after each scored step, log k += γ (miss − 0.1). */
function aci(made: QuantileForecast[], actual: (t: number) => number, stepMs: number, gamma: number, floorKw: number): QuantileForecast[] {
  let lo = 0, hi = 0; // log factors
  const pending = made.flatMap((f) => f.timesMs.map((t, i) => ({ t, issued: f.issuedAtMs, p10: f.p10[i]!, p50: f.p50[i]!, p90: f.p90[i]! }))).sort((a, b) => a.t - b.t);
  let next = 0;
  const applied = new Map<number, [number, number]>();
  return made.map((f) => {
    while (next < pending.length && pending[next]!.t + stepMs <= f.issuedAtMs) {
      const p = pending[next++]!; const a = actual(p.t); if (!Number.isFinite(a)) continue;
      const [klo, khi] = applied.get(p.issued) ?? [1, 1];
      const missLo = a < p.p50 - klo * (p.p50 - p.p10) ? 1 : 0; const missHi = a > p.p50 + khi * (p.p90 - p.p50) ? 1 : 0;
      if (p.p50 > p.p10) lo += gamma * (missLo - 0.1);
      if (p.p90 > p.p50) hi += gamma * (missHi - 0.1);
    }
    const klo = Math.exp(lo), khi = Math.exp(hi);
    applied.set(f.issuedAtMs, [klo, khi]);
    return { ...f, p10: f.p10.map((v, i) => Math.max(floorKw, f.p50[i]! - klo * (f.p50[i]! - v))), p90: f.p90.map((v, i) => f.p50[i]! + khi * (v - f.p50[i]!)) };
  });
}
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  const s = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as Saved;
  const actual = (t: number) => s.actuals[String(t)] ?? Number.NaN;
  const floorKw = s.target === 'load' ? -Infinity : 0;
  for (const [model, made] of Object.entries(s.models)) {
    const roll = (w: number) => coverage(recalibrateForecasts(made, actual, { stepMs: s.stepMs, windowDays: w, minDays: 7, floorKw }), actual);
    const widen = recalibrateForecasts(made, actual, { stepMs: s.stepMs, windowDays: 28, minDays: 7, floorKw }).map((f, k) => ({ ...f, p10: f.p10.map((v, i) => Math.min(v, made[k]!.p10[i]!)), p90: f.p90.map((v, i) => Math.max(v, made[k]!.p90[i]!)) }));
    const row = [coverage(made, actual), roll(14), roll(28), roll(56), coverage(widen, actual), coverage(aci(made, actual, s.stepMs, 0.005, floorKw), actual), coverage(aci(made, actual, s.stepMs, 0.01, floorKw), actual), coverage(aci(made, actual, s.stepMs, 0.02, floorKw), actual)];
    console.log(`${s.name.padEnd(28)} ${model.padEnd(22)} ${row.map((x) => (100 * x).toFixed(1).padStart(6)).join(' ')}`);
  }
}

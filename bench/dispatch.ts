/**
 * npm run bench:dispatch — solve time of the dispatch MILP (HiGHS, warm) for 10 batteries and 5
 * generators at 15-minute steps: 48 h (192 steps, the issue's target < 2 s), 96 h and 1,000 steps, each
 * next to its LP relaxation (no binaries) and to the MILP with every binary from the start (no lazy
 * exclusivity, src/dispatch/solveDispatch.ts) in the same run. Load, PV, wind and day-ahead prices are real:
 * Austria, June 2019 (../shared/data/opsd_time_series_subsets), scaled to a 20 MW site.
 * Prints a table, writes .bench/dispatch.json. BENCH_DISPATCH_REPEATS (default 3) solves per case.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { buildDispatchModel, optimizeDispatch, scenarioSchema, solveDispatch, solveLp, warmUpDispatch, type Scenario, type ScenarioInput } from '../src/dispatch/index.js';

const CSV = new URL('../../shared/data/opsd_time_series_subsets/opsd_at_ch_fr_2018-2020_hourly.csv', import.meta.url).pathname;
const START = Date.parse('2019-06-03T00:00:00Z');
const REPEATS = Number(process.env.BENCH_DISPATCH_REPEATS ?? 3);
const SITE_PEAK_KW = 20_000;

interface Hourly {
  timeMs: number;
  load: number;
  solar: number;
  wind: number;
  priceEurPerMwh: number;
}

async function loadHours(): Promise<Hourly[]> {
  const rows = parse(await readFile(CSV, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  return rows
    .map((r) => ({
      timeMs: Date.parse(r.utc_timestamp!),
      load: Number(r.AT_load_actual_entsoe_transparency),
      solar: Number(r.AT_solar_generation_actual),
      wind: Number(r.AT_wind_onshore_generation_actual),
      priceEurPerMwh: Number(r.AT_price_day_ahead),
    }))
    .filter((h) => h.timeMs >= START && [h.load, h.solar, h.wind, h.priceEurPerMwh].every(Number.isFinite));
}

function scenario(hours: Hourly[], steps: number, relax: boolean): Scenario {
  const perHour = 4;
  if (hours.length * perHour < steps) throw new Error(`only ${hours.length} hours of data for ${steps} steps`);
  const peakLoad = Math.max(...hours.map((h) => h.load));
  // The site sees the country's shapes: load scaled to a 20 MW peak, PV and wind to 8 and 6 MW of capacity.
  const scale = SITE_PEAK_KW / peakLoad;
  const solarMax = Math.max(...hours.map((h) => h.solar));
  const windMax = Math.max(...hours.map((h) => h.wind));
  const at = (t: number) => hours[Math.floor(t / perHour)]!;
  const series = (f: (h: Hourly) => number) => Array.from({ length: steps }, (_, t) => f(at(t)));
  const load = series((h) => h.load * scale);
  const pv = series((h) => (h.solar / solarMax) * 8000);
  const wind = series((h) => (h.wind / windMax) * 6000);
  const band = (p50: number[], lo: number, hi: number) => ({ p10Kw: p50.map((v) => v * lo), p50Kw: p50, p90Kw: p50.map((v) => v * hi) });
  const input: ScenarioInput = {
    site: 'bench',
    timeZone: 'Europe/Vienna',
    start: new Date(START).toISOString(),
    stepMinutes: 15,
    forecasts: { load: band(load, 0.95, 1.06), pv: band(pv, 0.7, 1.2), wind: band(wind, 0.75, 1.25) },
    batteries: Array.from({ length: 10 }, (_, i) => ({
      id: `bess-${i + 1}`,
      capacityKwh: 1000 + 400 * i,
      maxChargeKw: 500 + 100 * i,
      maxDischargeKw: 500 + 100 * i,
      chargeEfficiency: 0.93 + 0.005 * (i % 3),
      dischargeEfficiency: 0.94,
      socMinPct: 10,
      socMaxPct: 95,
      socInitialPct: 30 + 5 * i,
      degradationCostPerKwh: 0.005 + 0.002 * (i % 4),
    })),
    generators: Array.from({ length: 5 }, (_, i) => ({
      id: `gen-${i + 1}`,
      minKw: 400 + 100 * i,
      maxKw: 2000 + 500 * i,
      rampKwPerStep: 600 + 150 * i,
      marginalCostPerKwh: 0.07 + 0.02 * i,
      startupCost: 50 + 25 * i,
      minUpSteps: 4 + 2 * i,
      minDownSteps: 4 + i,
      initialOn: i < 2,
      initialPowerKw: i < 2 ? 400 + 100 * i : 0,
    })),
    grid: {
      importLimitKw: 12_000,
      exportLimitKw: 6_000,
      importPricePerKwh: { series: series((h) => h.priceEurPerMwh / 1000 + 0.05) },
      exportPricePerKwh: { series: series((h) => h.priceEurPerMwh / 1000) },
    },
    pv: { curtailable: true, curtailmentCostPerKwh: 0.005 },
    wind: { curtailable: true, curtailmentCostPerKwh: 0.005 },
    reserve: { method: 'quantile-spread', combine: 'independent', factor: 1, minimumKw: 500 },
    solver: { timeLimitSeconds: 60, mipGap: 0.001, relaxIntegrality: relax },
  };
  return scenarioSchema.parse(input);
}

interface Row {
  case: string;
  steps: number;
  /** MILP: as the platform solves it (lazy exclusivity binaries); MILP-eager: every binary from the start. */
  kind: 'MILP' | 'MILP-eager' | 'LP';
  rounds: number;
  variables: number;
  constraints: number;
  binaries: number;
  medianSolveMs: number;
  minSolveMs: number;
  status: string;
  mipGap: number;
  objective: number;
  /** optimizeDispatch end to end: plan, do-nothing plan, diagnosis, reasons (one run; NaN for MILP-eager). */
  optimizeMs: number;
}

async function main(): Promise<void> {
  const hours = await loadHours();
  const warmStarted = performance.now();
  await warmUpDispatch();
  const warmUpMs = performance.now() - warmStarted;
  const rows: Row[] = [];
  for (const [name, steps] of [['48 h', 192], ['96 h', 384], ['1,000 steps', 1000]] as const) {
    for (const kind of ['MILP', 'MILP-eager', 'LP'] as const) {
      const s = scenario(hours, steps, kind === 'LP');
      const model = buildDispatchModel(s);
      const solve = () => (kind === 'MILP' ? solveDispatch(model, s) : solveLp(model.lp, s.solver));
      // "Warm": one untimed solve of the same model first (the wasm heap grows to its size once per process).
      let last: (Awaited<ReturnType<typeof solveLp>> & { rounds?: number }) | undefined = await solve();
      const times: number[] = [];
      // A solve that ran into the time limit is timed once: repeating it only repeats the limit.
      for (let r = 0; r < (last.status === 'timeLimit' ? 1 : REPEATS); r++) {
        last = await solve();
        times.push(last.solveMs);
      }
      // optimizeDispatch solves as the platform does (lazy binaries): not a figure of the eager variant.
      const started = performance.now();
      if (kind !== 'MILP-eager') await optimizeDispatch(s);
      const optimizeMs = kind === 'MILP-eager' ? Number.NaN : performance.now() - started;
      times.sort((a, b) => a - b);
      const row: Row = {
        case: name,
        steps,
        kind,
        rounds: last!.rounds ?? 1,
        variables: model.lp.variables.length,
        constraints: model.lp.rows.length,
        binaries: model.lp.integerCount,
        medianSolveMs: times[Math.floor(times.length / 2)]!,
        minSolveMs: times[0]!,
        status: last!.status,
        mipGap: last!.mipGap,
        objective: last!.objective,
        optimizeMs,
      };
      rows.push(row);
      console.log(
        `${row.case.padEnd(12)} ${row.kind.padEnd(10)} vars ${String(row.variables).padStart(6)} rows ${String(row.constraints).padStart(6)} bin ${String(row.binaries).padStart(5)}  ` +
          `solve ${row.medianSolveMs.toFixed(0).padStart(6)} ms (min ${row.minSolveMs.toFixed(0)})  ${row.status} (${row.rounds} solve${row.rounds > 1 ? 's' : ''}) gap ${(row.mipGap * 100).toFixed(3)} %  objective ${row.objective.toFixed(2)}  optimize ${Number.isNaN(row.optimizeMs) ? '–' : `${row.optimizeMs.toFixed(0)} ms`}`,
      );
    }
  }
  const milp48 = rows.find((r) => r.steps === 192 && r.kind === 'MILP')!;
  const ratio = (steps: number, kind: Row['kind']) => rows.find((r) => r.steps === steps && r.kind === kind)!.medianSolveMs / rows.find((r) => r.steps === 192 && r.kind === kind)!.medianSolveMs;
  const summary = {
    warmUpMs,
    target: { case: '48 h, 15 min, 10 batteries, 5 generators, MILP', medianSolveMs: milp48.medianSolveMs, goalMs: 2000, met: milp48.medianSolveMs < 2000 },
    growthVs48h: { milp96h: ratio(384, 'MILP'), milp1000: ratio(1000, 'MILP'), lp96h: ratio(384, 'LP'), lp1000: ratio(1000, 'LP') },
    milpOverLp: Object.fromEntries([192, 384, 1000].map((n) => [n, rows.find((r) => r.steps === n && r.kind === 'MILP')!.medianSolveMs / rows.find((r) => r.steps === n && r.kind === 'LP')!.medianSolveMs])),
    eagerOverLazy: Object.fromEntries([192, 384, 1000].map((n) => [n, rows.find((r) => r.steps === n && r.kind === 'MILP-eager')!.medianSolveMs / rows.find((r) => r.steps === n && r.kind === 'MILP')!.medianSolveMs])),
  };
  await mkdir('.bench', { recursive: true });
  await writeFile('.bench/dispatch.json', `${JSON.stringify({ repeats: REPEATS, rows, summary }, null, 2)}\n`);
  console.log(JSON.stringify(summary));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

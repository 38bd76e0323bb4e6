/**
 * npm run bench:forecast — day-ahead backtests of the LSTM next to its baselines on the shared
 * datasets, plus the training/forecast cost next to the same network in PyTorch (bench/forecastCost.ts).
 * Prints a table, writes .bench/forecast.json, ends with one JSON line. BENCH_FORECAST_CASES=pjme,solar
 * runs a subset; BENCH_FORECAST_QUICK=1 shrinks every test window (a smoke run, not the figures).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadReplaySeries, type PowerUnit } from '../simulators/index.js';
import { baselinesFor, DEFAULT_QUALITY, expandHolidays, LstmForecaster, maskBadValues, runBacktest, toRegularSeries, type BacktestResult, type ForecastInput, type WeatherInputs } from '../src/forecast/index.js';
import type { ForecastTarget } from '../src/contract/index.js';

const DATA = new URL('../../shared/data/', import.meta.url).pathname;
const QUICK = process.env.BENCH_FORECAST_QUICK === '1';
const HOUR = 3_600_000;

interface Case {
  name: string;
  csv: string;
  timeCol: string;
  valueCol: string;
  unit: PowerUnit;
  /** Zone of the site: local calendar and issue hour. */
  timeZone: string;
  /** Zone of the CSV's times when they carry no offset (default: timeZone). */
  csvTimeZone?: string;
  timeLabel: 'start' | 'end';
  target: ForecastTarget;
  /** Keep rows in [fromIso, toIso). */
  fromIso: string;
  toIso: string;
  testDays: number;
  retrainDays: number;
  weather?: { csv: string; columns: string[]; fahrenheit?: boolean };
  latitude?: number;
  longitude?: number;
  capacityKw?: number;
  /** The LSTM trains on at most this many days before each refit (default 365), epochs from its budget. */
  trainDays?: number;
  /** Holiday dates or calendar names of the site (see src/forecast/data/holidays.ts). */
  holidays?: string[];
  /** What the issue asks of this case, for the table. */
  goal: string;
}

const CASES: Case[] = [
  {
    name: 'pjme-load',
    csv: `${DATA}pjm_hourly_load/PJME_hourly.csv`,
    timeCol: 'Datetime',
    valueCol: 'PJME_MW',
    unit: 'MW',
    timeZone: 'America/New_York',
    timeLabel: 'end',
    target: 'load',
    // Five years of history before the test year (PJME has 2002 onwards). Measured here, MAPE at about the same
    // training cost: 1 year × 12 epochs 7.19 %, 3 years × 4 epochs 6.63 %, 5 years × 3 epochs 6.55 %, and 6.37 %
    // with the time-of-year feature (which needs ≥ 2 years of history to help).
    fromIso: '2012-08-01T00:00:00Z',
    toIso: '2018-08-04T00:00:00Z',
    trainDays: 5 * 365,
    testDays: 365,
    // Cold refits every 60 days: 7 fits keep the backtest under 15 minutes here (every 30 days took 17).
    // BENCH_FORECAST_RETRAIN_DAYS overrides it (experiments).
    retrainDays: Number(process.env.BENCH_FORECAST_RETRAIN_DAYS ?? 60),
    // PJM East is a US grid: its load drops on the US holidays (src/forecast/data/holidays.ts).
    holidays: ['us'],
    goal: 'P50 MAPE ≤ 6.5 % (naive week 11.2 %, gradient boosting 6.9 %)',
  },
  ...[1, 2].flatMap((zone): Case[] => {
    const base = {
      csv: `${DATA}gefcom2012_load_temperature/load_hourly.csv`,
      timeCol: 'timestamp',
      valueCol: `zone_${zone}`,
      unit: 'kW' as const,
      timeZone: 'America/New_York',
      timeLabel: 'start' as const,
      target: 'load' as const,
      fromIso: '2006-06-01T00:00:00Z',
      toIso: '2008-06-29T00:00:00Z',
      testDays: 180,
      retrainDays: 60,
    };
    return [
      { ...base, name: `gefcom-load-z${zone}`, goal: 'reference without weather' },
      {
        ...base,
        name: `gefcom-load-z${zone}+temp`,
        weather: { csv: `${DATA}gefcom2012_load_temperature/temperature_hourly.csv`, columns: Array.from({ length: 11 }, (_, i) => `station_${i + 1}`), fahrenheit: true },
        goal: 'gain from temperature input',
      },
    ];
  }),
  {
    name: 'gefcom-solar-z1',
    csv: `${DATA}gefcom2014_solar/solar_power_hourly.csv`,
    timeCol: 'timestamp_utc',
    valueCol: 'zone1_power',
    unit: 'kW',
    timeZone: 'Australia/Sydney',
    // The file's times are UTC without an offset (its README); the site's calendar is Sydney's.
    csvTimeZone: 'UTC',
    timeLabel: 'end',
    target: 'pv',
    fromIso: '2012-04-01T00:00:00Z',
    toIso: '2014-07-01T00:00:00Z',
    testDays: 240,
    retrainDays: 60,
    // GEFCom2014's farms are in south-eastern Australia (the paper); exact positions are not published.
    latitude: -35.3,
    longitude: 149.1,
    capacityKw: 1,
    goal: 'beat clear-sky persistence and persistence (nMAE)',
  },
  {
    name: 'gefcom-wind-wp1',
    csv: `${DATA}gefcom2012_wind/wind_power_hourly.csv`,
    timeCol: 'timestamp',
    valueCol: 'wp1',
    unit: 'kW',
    timeZone: 'UTC',
    timeLabel: 'start',
    target: 'wind',
    fromIso: '2009-07-01T00:00:00Z',
    toIso: '2011-01-01T00:00:00Z',
    testDays: 180,
    retrainDays: 60,
    capacityKw: 1,
    goal: 'beat persistence (nMAE)',
  },
];

async function loadCase(c: Case): Promise<ForecastInput> {
  // BENCH_FORECAST_FROM overrides where the data starts (more training history).
  const fromMs = Date.parse(process.env.BENCH_FORECAST_FROM ?? c.fromIso);
  const toMs = Date.parse(c.toIso);
  const loaded = await loadReplaySeries({ csvPath: c.csv, timeColumn: c.timeCol, valueColumns: [c.valueCol], timeZone: c.csvTimeZone ?? c.timeZone, timeLabel: c.timeLabel, stepMs: HOUR, unit: c.unit });
  const rows = loaded.rows.filter((r) => r.timeMs >= fromMs && r.timeMs < toMs);
  const series = toRegularSeries(rows.map((r) => ({ timeMs: r.timeMs, value: r.valuesKw[0] })), HOUR);
  const weather: WeatherInputs = {};
  if (c.weather) {
    const w = await loadReplaySeries({ csvPath: c.weather.csv, timeColumn: 'timestamp', valueColumns: c.weather.columns, timeZone: c.timeZone, timeLabel: 'start', stepMs: HOUR, unit: 'kW' });
    // The stations are not mapped to zones in GEFCom2012: their mean stands for the utility's temperature.
    const byTime = new Map(w.rows.map((r) => {
      const vals = r.valuesKw.filter((v): v is number => v !== undefined);
      const mean = vals.reduce((a, v) => a + v, 0) / Math.max(1, vals.length);
      return [r.timeMs, c.weather!.fahrenheit ? ((mean - 32) * 5) / 9 : mean];
    }));
    weather.temperatureC = Float64Array.from({ length: series.values.length }, (_, i) => byTime.get(series.startMs + i * HOUR) ?? Number.NaN);
  }
  return {
    series: { ...series, values: maskBadValues(series.values, DEFAULT_QUALITY[c.target]).values },
    weather,
    context: { target: c.target, timeZone: c.timeZone, holidays: expandHolidays(c.holidays ?? []), ...(c.latitude !== undefined ? { latitude: c.latitude, longitude: c.longitude! } : {}), ...(c.capacityKw !== undefined ? { capacityKw: c.capacityKw } : {}) },
  };
}

interface CaseResult {
  name: string;
  goal: string;
  seconds: number;
  result: Omit<BacktestResult, 'models'> & { models: Record<string, { overall: BacktestResult['models'][string]['overall'] }> };
}

async function runCase(c: Case): Promise<CaseResult> {
  const input = await loadCase(c);
  const started = performance.now();
  // BENCH_FORECAST_LSTM='{"epochs":4}' overrides hyperparameters (experiments; the figures use the defaults).
  const lstm = new LstmForecaster({ maxTrainingSamples: (c.trainDays ?? 365) * 24, ...(JSON.parse(process.env.BENCH_FORECAST_LSTM ?? '{}') as object) });
  const result = await runBacktest(input, [lstm, ...baselinesFor(c.target, c.latitude !== undefined)], {
    horizonSteps: 24,
    issueHourLocal: 10,
    testDays: QUICK ? 14 : c.testDays,
    retrainDays: QUICK ? 14 : c.retrainDays,
  });
  const seconds = (performance.now() - started) / 1000;
  return { name: c.name, goal: c.goal, seconds, result: { ...result, models: Object.fromEntries(Object.entries(result.models).map(([k, m]) => [k, { overall: m.overall }])) } };
}

async function main(): Promise<void> {
  const only = process.env.BENCH_FORECAST_CASES?.split(',');
  const cases = CASES.filter((c) => !only || only.some((o) => c.name.startsWith(o)));
  const results: CaseResult[] = [];
  for (const c of cases) {
    const r = await runCase(c);
    results.push(r);
    const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');
    console.log(`\n${r.name}: ${r.result.forecasts} day-ahead forecasts, ${r.result.testWindow.from.slice(0, 10)} .. ${r.result.testWindow.to.slice(0, 10)}, ${r.seconds.toFixed(0)} s — goal: ${r.goal}`);
    console.log(`  ${'model'.padEnd(24)} ${'MAPE %'.padStart(8)} ${'nMAE %'.padStart(8)} ${'MASE'.padStart(6)} ${'pinball'.padStart(12)} ${'P10–P90 %'.padStart(10)}`);
    for (const [name, m] of Object.entries(r.result.models)) {
      const o = m.overall;
      console.log(`  ${name.padEnd(24)} ${fmt(o.mapePct).padStart(8)} ${fmt(o.nmaePct).padStart(8)} ${fmt(o.mase).padStart(6)} ${fmt(o.pinballKw, 4).padStart(12)} ${fmt(o.coverageP10P90 * 100, 1).padStart(10)}`);
    }
  }
  let cost: unknown = null;
  if (!process.env.BENCH_FORECAST_SKIP_COST) {
    const costModule = './forecastCost.js';
    const { measureForecastCost } = (await import(costModule)) as { measureForecastCost: (o?: Record<string, unknown>) => Promise<unknown> };
    cost = await measureForecastCost({});
  }
  const summary = Object.fromEntries(
    results.map((r) => {
      const models = r.result.models;
      const lstm = models.lstm!.overall;
      const baselineNames = Object.keys(models).filter((k) => k !== 'lstm');
      const best = baselineNames.sort((a, b) => models[a]!.overall.maeKw - models[b]!.overall.maeKw)[0]!;
      return [r.name, { lstmMapePct: lstm.mapePct, lstmNmaePct: lstm.nmaePct, lstmCoverage: lstm.coverageP10P90, bestBaseline: best, bestBaselineMapePct: models[best]!.overall.mapePct, bestBaselineNmaePct: models[best]!.overall.nmaePct, lstmToBestBaselineMae: lstm.maeKw / models[best]!.overall.maeKw, seconds: Math.round(r.seconds) }];
    }),
  );
  await mkdir('.bench', { recursive: true });
  await writeFile('.bench/forecast.json', `${JSON.stringify({ quick: QUICK, results, cost }, null, 2)}\n`);
  console.log(JSON.stringify({ quick: QUICK, summary, cost }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

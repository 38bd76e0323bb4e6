import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dashboard, VariableModel } from '@grafana/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/logger.js';
import { loadConfig } from '../../src/config/index.js';
import { toStoredPlan } from '../../src/dispatch/index.js';
import { ForecastService, ModelRegistry } from '../../src/forecast/index.js';
import type { RunSummary } from '../../simulators/summary.js';
import { DASHBOARDS, INFLUX_DS } from '../../grafana/src/index.js';
import { M } from '../../grafana/src/measurements.js';
import { dispatchPlan } from '../support/apiData.js';
import { lastJsonLine, runCli } from '../support/cli.js';
import { allPanels, expand, intervalMs, parseRelative, type ExpandContext, type VariableValue } from '../support/grafanaMacros.js';
import { startIngester, waitForCount, type InProcessIngester } from '../support/platformHarness.js';
import { Influxd, Mosquitto, sleep } from '../support/services.js';
import { forecastLeadHours, type ForecastPoint, type TelemetryPoint } from '../../src/contract/index.js';

/**
 * Every InfluxQL query of every dashboard (panels and variables), with Grafana's macros and variables
 * expanded, against the real InfluxDB 1.6.7 filled the way production fills it: the simulator publishing
 * through Mosquitto into a real ingester (which also writes its ingest_stats), forecasts and real dispatch
 * plans written through the store, and forecast_error written by the forecast service's own scoring.
 */
const DB = 'gridcast';
const HOUR = 3_600_000;
const SITE = 'demo-site';
let mosquitto: Mosquitto;
let influxd: Influxd;
let ing: InProcessIngester;
let fleetDir: string;
let nowMs: number;

interface Series {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values?: unknown[][];
}

async function influxQL(q: string): Promise<Series[]> {
  const res = await fetch(`${influxd.url}/query?${new URLSearchParams({ db: DB, q, epoch: 'ms' })}`);
  const body = (await res.json()) as { error?: string; results?: { error?: string; series?: Series[] }[] };
  const error = body.error ?? body.results?.[0]?.error;
  if (error) throw new Error(`${error}\n  in: ${q}`);
  return body.results?.[0]?.series ?? [];
}

async function countReadings(): Promise<number> {
  const [power] = await influxQL('SELECT count(power_kw) FROM telemetry').catch(() => []);
  const [weather] = await influxQL(`SELECT count(temperature_c) FROM telemetry WHERE kind = 'weather'`).catch(() => []);
  return Number(power?.values?.[0]?.[1] ?? 0) + Number(weather?.values?.[0]?.[1] ?? 0);
}

/**
 * The accuracy site: ten days of hourly telemetry on two feeders, one meter per target each, that is a
 * daily shape plus a steady rise of TREND_KW_PER_H per meter. The weekly seasonal naive then misses every
 * step by exactly 168 h of rise per meter, a number to check the dashboard's MAE against by hand. Its
 * values are never near zero (PV included), so MAPE has every step whatever the time of day the test runs.
 * It sorts after SITE, so the other dashboards keep showing SITE.
 */
const ACC_SITE = 'town';
const TREND_KW_PER_H = 0.05;
const LSTM = 'lstm@20261122T023000Z';
const BASE_KW = { load: 50, pv: 30, wind: 40 } as const;
const truthKw = (target: keyof typeof BASE_KW, feeder: string, t: number) =>
  BASE_KW[target] + (feeder === 'f2' ? 5 : 0) + 10 * Math.sin((2 * Math.PI * ((t / HOUR) % 24)) / 24) + TREND_KW_PER_H * ((t - Date.UTC(2024, 0, 1)) / HOUR);
let accuracyScored = 0;

/** P50 of a forecast: the issue's hour in the hundreds, so which issue a value came from is visible. */
const p50 = (issueIndex: number, target: string, step: number) => 100 * (issueIndex + 1) + { load: 10, pv: 20, wind: 30 }[target as 'load'] + step / 100;

beforeAll(async () => {
  [mosquitto, influxd] = await Promise.all([Mosquitto.start(), Influxd.start()]);
  ing = await startIngester(mosquitto.url, influxd.url, DB, { INGEST_STATS_INTERVAL_SECONDS: '0.5' });
  fleetDir = await mkdtemp(join(tmpdir(), 'gridcast-grafana-'));

  // 100 meters over two feeders (load, PV, wind, batteries, a weather station), 6 h back at 5-minute reports.
  const fleet = await runCli(['simulate', '--meters', '100', '--seed', '5', '--start', 'now-6h', '--until', 'now-1m', '--speed', 'max', '--interval', '5m', '--batch', '12', '--url', mosquitto.url]);
  expect(fleet.code, fleet.stderr).toBe(0);
  // A feeder whose two meters stopped reporting 2 h ago: what the silence panels must find.
  const silentFleet = join(fleetDir, 'silent.yaml');
  await writeFile(
    silentFleet,
    JSON.stringify({ sites: [{ id: SITE, latitude: 52.09, longitude: 5.12, timeZone: 'Europe/Amsterdam', weatherStation: false, feeders: [{ id: 'feeder-silent', load: { residential: 2 } }] }] }),
  );
  const silent = await runCli(['simulate', '--fleet', silentFleet, '--seed', '6', '--start', 'now-6h', '--until', 'now-2h', '--speed', 'max', '--interval', '5m', '--url', mosquitto.url]);
  expect(silent.code, silent.stderr).toBe(0);
  const readings = lastJsonLine<RunSummary>(fleet.stdout).readings + lastJsonLine<RunSummary>(silent.stdout).readings;
  expect(await waitForCount(countReadings, readings, 60_000)).toBe(readings);

  nowMs = Date.now();
  const hourMs = Math.floor(nowMs / HOUR) * HOUR;
  // Forecasts through the store: hourly issues over the last 6 h, 48 steps each, site total and feeder-1;
  // the two latest issues come from an LSTM version, earlier ones from the weekly baseline.
  const forecasts: ForecastPoint[] = [];
  for (let k = 0; k < 7; k++) {
    const issuedAtMs = hourMs - (6 - k) * HOUR + 5 * 60_000;
    for (const feeder of ['all', 'feeder-1']) {
      for (const target of ['load', 'pv', 'wind'] as const) {
        for (let step = 0; step < 48; step++) {
          const value = p50(k, target, step);
          const timeMs = Math.ceil(issuedAtMs / HOUR) * HOUR + step * HOUR;
          forecasts.push({ site: SITE, feeder, target, model: k >= 5 ? 'lstm@20261122T023000Z' : 'seasonal-naive-week', issuedAtMs, timeMs, p10Kw: value - 5, p50Kw: value, p90Kw: value + 5 });
        }
      }
    }
  }
  await ing.stores.forecasts.writeForecasts(forecasts);
  // Weather forecasts of the demo site: runs 6 h and 1 h ago (the later one 2 °C warmer), 48 h each.
  await ing.stores.weatherForecasts.writeWeatherForecasts(
    [6, 1].flatMap((ago) =>
      Array.from({ length: 48 }, (_, h) => ({
        site: SITE,
        source: 'open-meteo',
        issuedAtMs: hourMs - ago * HOUR,
        timeMs: hourMs - ago * HOUR + h * HOUR,
        values: { temperature_c: 10 + (ago === 1 ? 2 : 0), ghi_wm2: 100 * (h % 12) },
      })),
    ),
  );
  // Two real plans from the optimizer (battery, grid), as the dispatch job stores them.
  for (const [issuedAtMs, issue] of [[hourMs - 50 * 60_000, 'A'], [hourMs - 20 * 60_000, 'B']] as const) {
    await ing.stores.dispatchPlans.writeDispatchPlan(toStoredPlan(await dispatchPlan(SITE, hourMs, issuedAtMs, issue)));
  }
  // The accuracy site's telemetry, stored as the ingester stores it, and its forecasts: hourly issues over
  // the last 24 h, the first 12 by the weekly baseline (serving before the model was promoted: its true
  // weekly-naive values), the rest by the model, off by 0.1 kW per hour of lead.
  const accTelemetry: TelemetryPoint[] = [];
  for (let t = hourMs - 240 * HOUR; t < hourMs; t += HOUR) {
    for (const feeder of ['f1', 'f2']) {
      for (const kind of ['load', 'pv', 'wind'] as const) accTelemetry.push({ site: ACC_SITE, feeder, meter: `${feeder}-${kind}`, kind, timeMs: t, fields: { power_kw: truthKw(kind, feeder, t) } });
    }
  }
  await ing.stores.telemetry.writePoints(accTelemetry);
  const accForecasts: ForecastPoint[] = [];
  for (let k = 0; k < 24; k++) {
    const issuedAtMs = hourMs - (23 - k) * HOUR + 5 * 60_000;
    for (const feeder of ['all', 'f1']) {
      const total = (target: keyof typeof BASE_KW, t: number) => (feeder === 'all' ? ['f1', 'f2'] : [feeder]).reduce((sum, f) => sum + truthKw(target, f, t), 0);
      for (const target of ['load', 'pv', 'wind'] as const) {
        for (let step = 0; step < 48; step++) {
          const timeMs = Math.ceil(issuedAtMs / HOUR) * HOUR + step * HOUR;
          const model = k >= 12 ? LSTM : 'seasonal-naive-week';
          const p50Kw = model === LSTM ? total(target, timeMs) + 0.1 * forecastLeadHours({ issuedAtMs, timeMs }) : total(target, timeMs - 168 * HOUR);
          accForecasts.push({ site: ACC_SITE, feeder, target, model, issuedAtMs, timeMs, p10Kw: p50Kw - 5, p50Kw, p90Kw: p50Kw + 5 });
        }
      }
    }
  }
  await ing.stores.forecasts.writeForecasts(accForecasts);
  // forecast_error by the real writer: the forecast service scores the last 48 h (as the hourly job does),
  // twice, to show that a re-score overwrites rather than adds.
  const scoring = new ForecastService({ stores: ing.stores, registry: new ModelRegistry(join(fleetDir, 'models')), config: loadConfig({}).forecast, sites: new Map(), logger: silentLogger, now: () => nowMs });
  for (let run = 0; run < 2; run++) {
    accuracyScored = 0;
    for (const feeder of ['all', 'f1']) {
      for (const target of ['load', 'pv', 'wind'] as const) accuracyScored += (await scoring.scoreForecasts({ site: ACC_SITE, feeder, target })).length;
    }
  }
  // Enough ingest_stats samples for rates (a derivative needs two per ingester).
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && Number((await influxQL(`SELECT count(readings_total) FROM ingest_stats`))[0]?.values?.[0]?.[1] ?? 0) < 4) await sleep(200);
}, 180_000);

afterAll(async () => {
  await ing?.stop();
  await Promise.all([mosquitto?.destroy(), influxd?.destroy()]);
  if (fleetDir) await rm(fleetDir, { recursive: true, force: true });
});

/** The first column of a SHOW TAG VALUES answer. */
async function variableValues(v: VariableModel, ctx: ExpandContext): Promise<string[]> {
  if (v.type === 'custom') return String(v.query).split(',');
  const series = await influxQL(expand(String(v.query), ctx));
  return series.flatMap((s) => (s.values ?? []).map((row) => String(row[s.columns.indexOf('value')])));
}

/**
 * Resolves a dashboard's variables in order, as Grafana does on load: each variable's query runs with the
 * ones before it; its value is the current one (All where the dashboard defaults to All), else the first.
 * `pick` overrides a variable's value.
 */
async function resolveVariables(d: Dashboard, base: Omit<ExpandContext, 'vars'>, pick: Record<string, string> = {}): Promise<Record<string, VariableValue>> {
  const vars: Record<string, VariableValue> = {};
  for (const v of d.templating?.list ?? []) {
    const values = await variableValues(v, { ...base, vars });
    expect(values.length, `variable $${v.name}: ${String(v.query)}`).toBeGreaterThan(0);
    const chosen = pick[v.name];
    if (chosen !== undefined) {
      expect(values, `$${v.name}`).toContain(chosen);
      vars[v.name] = { values: [chosen], variable: v };
    } else if (v.current?.value === '$__all') {
      vars[v.name] = { values, all: true, variable: v };
    } else {
      const current = typeof v.current?.value === 'string' ? v.current.value : undefined;
      vars[v.name] = { values: [current && values.includes(current) ? current : values[0]!], variable: v };
    }
  }
  return vars;
}

/** The columns of a result other than time, with at least one non-null value somewhere. */
function hasData(series: Series[]): boolean {
  return series.some((s) => (s.values ?? []).some((row) => row.some((cell, i) => s.columns[i] !== 'time' && cell !== null && cell !== undefined)));
}

/**
 * Runs every InfluxQL target of a dashboard (repeated panels once per value of their variable) and
 * returns each answer by panel title and refId. `maxDataPoints` stands for the panel width, which sets
 * $__interval: the ingestion dashboard is checked at a fine interval so that the ingester's short run
 * spans several buckets.
 */
async function runDashboard(d: Dashboard, o: { maxDataPoints?: number; pick?: Record<string, string> } = {}): Promise<Map<string, Series[]>> {
  const fromMs = parseRelative(d.time!.from, nowMs);
  const toMs = parseRelative(d.time!.to, nowMs);
  const base = { fromMs, toMs, intervalMs: intervalMs(fromMs, toMs, o.maxDataPoints ?? 1000), dialect: 'influxql' as const };
  const vars = await resolveVariables(d, base, o.pick);
  const out = new Map<string, Series[]>();
  for (const panel of allPanels(d)) {
    const repeatValues = panel.repeat ? vars[panel.repeat]!.values : [undefined];
    for (const value of repeatValues) {
      const panelVars = value === undefined ? vars : { ...vars, [panel.repeat!]: { ...vars[panel.repeat!]!, values: [value], all: false } };
      const interval = panel.interval ? Math.max(base.intervalMs, intervalMs(fromMs, toMs, Infinity, panel.interval)) : base.intervalMs;
      for (const target of panel.targets ?? []) {
        if ((target.datasource as { uid?: string } | undefined)?.uid !== INFLUX_DS.uid) continue;
        const query = expand(String(target.query), { ...base, intervalMs: interval, vars: panelVars });
        const series = await influxQL(query);
        expect(hasData(series), `${d.title} › ${panel.title}${value ? ` (${value})` : ''} › ${String(target.refId)}: no data from\n  ${query}`).toBe(true);
        out.set(`${panel.title}${value ? ` (${value})` : ''}/${String(target.refId)}`, series);
      }
    }
  }
  return out;
}

const hourOf = (ms: number) => Math.floor(ms / HOUR) * HOUR;
const dashboard = (uid: string): Dashboard => DASHBOARDS.find((d) => d.dashboard.uid === uid)!.dashboard;

/** Rows of one result as objects (table-format answers: one series per group, tags added). */
function rows(series: Series[] | undefined): Record<string, unknown>[] {
  return (series ?? []).flatMap((s) => (s.values ?? []).map((v) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) })));
}

describe('every InfluxQL query of the dashboards returns data from a real InfluxDB', () => {
  it('operator overview, site total (All feeders): actual vs latest forecast, net load, plan, SoC, reserve, serving model', async () => {
    const results = await runDashboard(dashboard('gridcast-operator'));
    expect(results.size).toBeGreaterThanOrEqual(12);

    // The forecast shown for a step is the one issued last: issue 6 (the newest) for every step it covers.
    const load = rows(results.get('Load: actual vs forecast/B')).filter((r) => Number(r.time) >= nowMs + HOUR);
    expect(load.length).toBeGreaterThan(10);
    for (const r of load.slice(0, 40)) expect(Math.floor(Number(r.P50) / 100)).toBe(7);
    // Net load is load − PV − wind, bucket by bucket (the three actual panels give the terms).
    const actual = (title: string) => new Map(rows(results.get(`${title}: actual vs forecast/A`)).map((r) => [Number(r.time), Number(r.actual)]));
    const [l, p, w] = [actual('Load'), actual('PV'), actual('Wind')];
    const net = rows(results.get('Net load: actual and planned/A'));
    expect(net.length).toBeGreaterThan(10);
    for (const r of net) {
      const t = Number(r.time);
      expect(Number(r.actual)).toBeCloseTo((l.get(t) ?? 0) - (p.get(t) ?? 0) - (w.get(t) ?? 0), 6);
    }
    // The model serving each target is the newest issue's.
    const serving = rows(results.get('Serving model per target/A'));
    expect(serving.map((r) => [r.target, r.model]).sort()).toEqual([['load', 'lstm@20261122T023000Z'], ['pv', 'lstm@20261122T023000Z'], ['wind', 'lstm@20261122T023000Z']]);
    // The weather forecast shown for an hour is the latest run's; observed weather comes from the station.
    const weather = rows(results.get('Weather: forecast vs observed/B')).filter((r) => Number(r.time) >= hourOf(nowMs));
    expect(weather.length).toBeGreaterThan(10);
    expect(weather.every((r) => Number(r['forecast temperature']) === 12)).toBe(true);
    expect(rows(results.get('Weather: forecast vs observed/A')).some((r) => Number.isFinite(Number(r['observed temperature'])))).toBe(true);
    // State of charge comes from the battery only, as a percentage.
    const soc = rows(results.get('Battery state of charge/A'));
    expect(new Set(soc.map((r) => r.asset))).toEqual(new Set(['bess1']));
    expect(soc.every((r) => Number(r.SoC) >= 0 && Number(r.SoC) <= 100)).toBe(true);
  });

  it('operator overview, one feeder: its telemetry and its own feeder-level forecast', async () => {
    const results = await runDashboard(dashboard('gridcast-operator'), { pick: { feeder: 'feeder-1' } });
    const all = await runDashboard(dashboard('gridcast-operator'));
    const total = (m: Map<string, Series[]>) => rows(m.get('Load: actual vs forecast/A')).reduce((s, r) => s + Number(r.actual), 0);
    expect(total(results)).toBeGreaterThan(0);
    expect(total(results)).toBeLessThan(total(all));
  });

  it('forecast accuracy: MAE/MAPE/bias/coverage by day and by lead hour (each target repeated), from the scoring the forecast job runs', async () => {
    const results = await runDashboard(dashboard('gridcast-accuracy'));
    // Re-scoring overwrote: the measurement holds one run's points.
    const [count] = await influxQL(`SELECT count("abs_error_kw") FROM "${M.forecastError}" WHERE "site" = '${ACC_SITE}'`);
    expect(Number(count?.values?.[0]?.[1])).toBe(accuracyScored);

    // Hand recomputation from the points: the stored forecasts in the scored window (last 48 h, steps that
    // have ended), the actuals from telemetry (the site total: the sum of each meter's hourly mean).
    const fromMs = Math.ceil((nowMs - 48 * HOUR) / HOUR) * HOUR;
    const toMs = Math.floor(nowMs / HOUR) * HOUR;
    for (const target of ['load', 'pv', 'wind'] as const) {
      const actual = new Map<number, number>();
      for (const s of await influxQL(`SELECT mean("power_kw") FROM "telemetry" WHERE "site" = '${ACC_SITE}' AND "kind" = '${target}' AND time >= ${toMs - 240 * HOUR}ms GROUP BY time(1h), "meter" fill(none)`)) {
        for (const [t, v] of s.values ?? []) actual.set(Number(t), (actual.get(Number(t)) ?? 0) + Number(v));
      }
      const stored = await ing.stores.forecasts.readForecastHistory({ site: ACC_SITE, feeder: 'all', target, fromMs, toMs });
      const maeByLead = (errorOf: (p: ForecastPoint) => number, points: ForecastPoint[]) => {
        const byLead = new Map<number, number[]>();
        for (const p of points) byLead.set(forecastLeadHours(p), [...(byLead.get(forecastLeadHours(p)) ?? []), Math.abs(errorOf(p))]);
        return new Map([...byLead].map(([lead, errors]) => [lead, errors.reduce((a, b) => a + b, 0) / errors.length]));
      };
      const expected = {
        // The model: its stored P50 against the actual.
        [LSTM]: maeByLead((p) => p.p50Kw - actual.get(p.timeMs)!, stored.filter((p) => p.model === LSTM)),
        // The weekly baseline, on every issue (stored where it served, re-run where the model did): the actual a week back.
        'seasonal-naive-week': maeByLead((p) => actual.get(p.timeMs - 168 * HOUR)! - actual.get(p.timeMs)!, stored),
      };
      const byLead = rows(results.get(`MAE by lead hour: $target (${target})/A`));
      expect(new Set(byLead.map((r) => r.model))).toEqual(new Set([LSTM, 'seasonal-naive-week', 'seasonal-naive-day', ...(target === 'wind' ? ['persistence'] : [])]));
      for (const [model, want] of Object.entries(expected)) {
        const got = new Map(byLead.filter((r) => r.model === model).map((r) => [Number(r.lead), Number(r.MAE)]));
        expect([...got.keys()].sort((a, b) => a - b), `${target} ${model} leads`).toEqual([...want.keys()].sort((a, b) => a - b));
        for (const [lead, mae] of want) expect(got.get(lead), `${target} ${model} lead ${lead}`).toBeCloseTo(mae, 6);
      }
      // And by construction: 0.1 kW per lead hour for the model, 168 h of rise on two meters for the baseline.
      for (const [lead, mae] of expected[LSTM]) expect(mae).toBeCloseTo(0.1 * lead, 6);
      for (const mae of expected['seasonal-naive-week'].values()) expect(mae).toBeCloseTo(2 * 168 * TREND_KW_PER_H, 6);
    }
    // The model's band (±5 kW around an error of at most 4.8 kW) always holds the actual: 100 % every day.
    const coverage = rows(results.get('P10–P90 coverage by day/A')).filter((r) => r.model === LSTM);
    expect(coverage.length).toBeGreaterThan(0);
    expect(coverage.every((r) => Number(r.mean) === 100)).toBe(true);
  });

  it('ingestion health: rates, rejections, spool, lag from ingest_stats; silent feeders and meters from telemetry', async () => {
    const results = await runDashboard(dashboard('gridcast-ingest'), { maxDataPoints: 20_000 });
    const rates = rows(results.get('Readings/s by ingester/A'));
    expect(rates.some((r) => Number(r['readings/s']) > 0)).toBe(true);
    expect(new Set(rates.map((r) => r.ingester))).toEqual(new Set([ing.config.mqtt.clientId]));
    // Silent: exactly the feeder and meters that stopped 2 h ago (recent = null), nothing else.
    const silentOnly = (key: string) =>
      rows(results.get(key))
        .filter((r) => r.recent === null)
        .map((r) => r.feeder);
    expect(new Set(silentOnly('Feeders silent for more than $silent_after/A'))).toEqual(new Set(['feeder-silent']));
    const meters = silentOnly('Meters silent for more than $silent_after/A');
    expect(meters).toHaveLength(2);
    expect(new Set(meters)).toEqual(new Set(['feeder-silent']));
  });

  it(`covers every dashboard's InfluxQL queries (${M.telemetry}, ${M.forecast}, ${M.dispatch}, ${M.ingestStats}, ${M.forecastError})`, () => {
    const measurements = new Set(DASHBOARDS.flatMap((d) => allPanels(d.dashboard).flatMap((p) => (p.targets ?? []).flatMap((t) => [...String(t.query ?? '').matchAll(/FROM "(\w+)"/g)].map((m) => m[1])))));
    expect(measurements).toEqual(new Set(Object.values(M)));
  });
});

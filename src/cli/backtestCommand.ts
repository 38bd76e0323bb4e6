import { constants } from 'node:fs';
import { access, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { toCsv } from '../api/csv.js';
import { errorMessage } from '../common/errors.js';
import cliProgress from 'cli-progress';
import { loadReplaySeries, parseDurationMs, UNIT_TO_KW, type PowerUnit } from '../../simulators/index.js';
import { BACKTEST_FORECAST_COLUMNS, backtestForecastCells, backtestForecastRows, backtestReportHtml, baselinesFor, DEFAULT_BACKTEST, valueAt, LstmForecaster, DEFAULT_QUALITY, expandHolidays, maskBadValues, runBacktest, toRegularSeries, type BacktestResult, type ForecastInput, type WeatherInputs } from '../forecast/index.js';
import { FORECAST_TARGETS, WEATHER_FORECAST_VARIABLES, type ForecastTarget, type WeatherForecastVariable } from '../contract/index.js';
import {
  convertForecastColumn,
  FORECAST_COLUMN_TRANSFORMS,
  loadVintagedForecastCsv,
  parseForecastColumnSpec,
  staticForecastTable,
  WeatherFallbackForecaster,
  type ForecastColumnSpec,
  type WeatherForecastTable,
} from '../forecast/index.js';

/** `gridcast backtest`: rolling-origin day-ahead backtest of any CSV series, models next to baselines. */
export function addBacktestCommand(program: Command): void {
  program
    .command('backtest')
    .description('Backtest day-ahead forecasts on any CSV (timestamp + value): no look-ahead, metrics overall and per lead hour')
    .requiredOption('--csv <file>', 'CSV file with a header row')
    .requiredOption('--time-col <name>', 'time column')
    .requiredOption('--value-col <name>', 'value column (the series to forecast)')
    .addOption(new Option('--target <target>', 'what the series is').choices([...FORECAST_TARGETS]).makeOptionMandatory())
    .option('--weather-col <name>', 'weather column aligned with the series: temperature (°C) for load, irradiance (W/m²) for pv, wind speed (m/s) for wind')
    .option('--fahrenheit', 'the temperature column is in °F')
    .option(
      '--forecast-col <COLUMN:VARIABLE[:TRANSFORM]>',
      `a weather forecast column (repeatable): in the CSV itself, its value at t is a forecast for t available at the issue time (GEFCom's convention); with --forecast-csv, a column of that file. VARIABLE: ${WEATHER_FORECAST_VARIABLES.join(', ')}; TRANSFORM: ${FORECAST_COLUMN_TRANSFORMS.join(', ')}`,
      collect,
      [] as string[],
    )
    .option('--forecast-csv <file>', 'issued weather-forecast runs (CSV, or a zip holding one) with an issue-time and a lead column: each forecast sees only runs issued before it')
    .option('--forecast-issue-col <name>', 'issue-time column of --forecast-csv (ISO-8601, YYYY-MM-DD HH:MM, YYYYMMDDHH or epoch ms)', 'date')
    .option('--forecast-lead-col <name>', 'lead column of --forecast-csv (hours from issue)', 'hors')
    .option('--tz <zone>', 'IANA zone of times without an offset in the file (DST resolved there)', 'UTC')
    .option('--local-tz <zone>', 'IANA zone of the site: local calendar, day and issue hour (default: --tz)')
    .addOption(new Option('--unit <unit>', 'unit of the values').choices(Object.keys(UNIT_TO_KW)).default('kW'))
    .addOption(new Option('--time-label <where>', 'times label the start or the end of their interval').choices(['start', 'end']).default('start'))
    .option('--resolution <duration>', 'forecast resolution (data is averaged into it)', '1h')
    .option('--horizon <steps>', 'steps forecast from local midnight of day D', positiveInt, DEFAULT_BACKTEST.horizonSteps)
    .option('--issue-hour <hour>', 'local hour on D−1 when forecasts are issued', hourOfDay, DEFAULT_BACKTEST.issueHourLocal)
    .option('--test-days <days>', 'days D evaluated (the last ones in the file)', positiveInt, DEFAULT_BACKTEST.testDays)
    .option('--retrain-days <days>', 'refit every this many days, on data before the issue time', positiveInt, DEFAULT_BACKTEST.retrainDays)
    .option('--band-adaptation <gamma>', 'how fast each P10–P90 band adapts to the misses scored before its issue time, per scored hour (0: bands as each model makes them)', nonNegative, DEFAULT_BACKTEST.bandAdaptation)
    .option('--latitude <deg>', 'site latitude (PV clear-sky baseline and features)', Number)
    .option('--longitude <deg>', 'site longitude', Number)
    .option('--capacity-kw <kw>', 'installed capacity, for normalised errors (PV, wind)', Number)
    .option('--holidays <list>', 'local holidays, comma-separated: country/region codes date-holidays knows (NL, US, US-CA, DE-BY) and/or dates YYYY-MM-DD', holidayList, [] as string[])
    .option('--baselines-only', 'skip the LSTM (seconds instead of minutes)')
    .option('--epochs <n>', 'LSTM training epochs per refit (default: from the training budget, 12 for a year of history, 3 for five)', positiveInt)
    .option('--train-days <days>', 'LSTM trains on at most the last this many days before each refit', positiveInt, 1825)
    .option('--json', 'print one JSON object instead of a table')
    .option('--forecasts-csv <file>', 'also write every forecast made (every model, band re-scaled and as made) with the actual it was scored against, one row per step')
    .option('--report <file>', 'also write a self-contained HTML report (charts and metrics; opens offline)')
    .action(async (o: BacktestFlags) => {
      if (o.forecastsCsv) await checkWritable(o.forecastsCsv, 'forecasts CSV');
      if (o.report) await checkWritable(o.report, 'report');
      const stepMs = parseDurationMs(o.resolution);
      const load = (column: string, unit: PowerUnit) =>
        loadReplaySeries({ csvPath: o.csv, timeColumn: o.timeCol, valueColumns: [column], timeZone: o.tz, timeLabel: o.timeLabel, stepMs, unit });
      const target = await load(o.valueCol, o.unit);
      const series = toRegularSeries(target.rows.map((r) => ({ timeMs: r.timeMs, value: r.valuesKw[0] })), stepMs);
      const quality = maskBadValues(series.values, DEFAULT_QUALITY[o.target], stepMs);
      const forecastSpecs = o.forecastCol.map(parseForecastColumnSpec);
      const weatherForecast = forecastSpecs.length === 0 ? undefined : await forecastTable(o, forecastSpecs, series.startMs, series.values.length, stepMs, load);
      const input: ForecastInput = {
        series: { ...series, values: quality.values },
        ...(weatherForecast ? { weatherForecast } : {}),
        weather: o.weatherCol ? await weatherInput(o, series.startMs, series.values.length, stepMs, await load(o.weatherCol, 'kW')) : {},
        context: {
          target: o.target,
          timeZone: o.localTz ?? o.tz,
          holidays: o.holidays,
          ...(o.latitude !== undefined ? { latitude: o.latitude } : {}),
          ...(o.longitude !== undefined ? { longitude: o.longitude } : {}),
          ...(o.capacityKw !== undefined ? { capacityKw: o.capacityKw } : {}),
        },
      };
      const baselines = baselinesFor(o.target, o.latitude !== undefined && o.longitude !== undefined);
      const lstm = new LstmForecaster({ maxTrainingSamples: Math.round((o.trainDays * 86_400_000) / stepMs), ...(o.epochs ? { epochs: o.epochs } : {}) });
      // With a weather forecast, an issue it doesn't cover is forecast by the first baseline instead (counted in the report).
      const model = weatherForecast ? new WeatherFallbackForecaster(lstm, baselinesFor(o.target, o.latitude !== undefined && o.longitude !== undefined)[0]!) : lstm;
      const forecasters = o.baselinesOnly ? baselines : [model, ...baselines];
      const bar = process.stderr.isTTY && !o.json ? new cliProgress.SingleBar({ format: 'backtest [{bar}] {value}/{total} forecasts' }, cliProgress.Presets.shades_classic) : undefined;
      let started = false;
      const result = await runBacktest(input, forecasters, { horizonSteps: o.horizon, issueHourLocal: o.issueHour, testDays: o.testDays, retrainDays: o.retrainDays, bandAdaptation: o.bandAdaptation }, (done, total) => {
        if (!started) bar?.start(total, 0);
        started = true;
        bar?.update(done);
      });
      bar?.stop();
      const report = {
        ...withoutForecasts(result),
        series: { csv: o.csv, column: o.valueCol, target: o.target, points: series.values.length, resolutionMs: stepMs },
        weatherForecast: weatherForecast
          ? { source: weatherForecast.source, vintages: weatherForecast.vintages.length, columns: o.forecastCol, fallbacks: model instanceof WeatherFallbackForecaster ? model.fallbacks : [] }
          : null,
        dataQuality: { outliersMasked: quality.outliers, stuckMasked: quality.stuck, standbyClipped: quality.standbyClipped, skippedRows: target.skipped },
      };
      // The series every model was scored against: the masked one the backtest ran on.
      const actualAt = (t: number) => valueAt(input.series, t);
      if (o.forecastsCsv) await writeOutput(o.forecastsCsv, 'forecasts CSV', toCsv({ columns: [...BACKTEST_FORECAST_COLUMNS], rows: backtestForecastCells(backtestForecastRows(result, actualAt)) }));
      if (o.report) {
        const html = backtestReportHtml(result, {
          title: `${o.csv}: ${o.valueCol} (${o.target})`,
          ...(o.baselinesOnly ? {} : { model: model.name }),
          baselines: baselines.map((b) => b.name),
          actualAt,
          timeZone: input.context.timeZone,
          notes: [
            `${series.values.length} points at ${o.resolution}; ${quality.outliers} outliers and ${quality.stuck} stuck values masked, ${quality.standbyClipped} standby negatives set to 0` +
              `${skippedRows(target.skipped) ? `; rows skipped: ${skippedRows(target.skipped)}` : ''}.`,
            ...(weatherForecast ? [`Weather forecast: ${weatherForecast.source} (${o.forecastCol.join(', ')}).`] : []),
          ],
        });
        await writeOutput(o.report, 'report', html);
      }
      if (o.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else process.stdout.write(`${formatTable(result)}\n`);
    });
}

interface BacktestFlags {
  csv: string;
  timeCol: string;
  valueCol: string;
  target: ForecastTarget;
  weatherCol?: string;
  fahrenheit?: boolean;
  forecastCol: string[];
  forecastCsv?: string;
  forecastIssueCol: string;
  forecastLeadCol: string;
  tz: string;
  localTz?: string;
  unit: PowerUnit;
  timeLabel: 'start' | 'end';
  resolution: string;
  horizon: number;
  issueHour: number;
  testDays: number;
  retrainDays: number;
  bandAdaptation: number;
  latitude?: number;
  longitude?: number;
  capacityKw?: number;
  holidays: string[];
  baselinesOnly?: boolean;
  epochs?: number;
  trainDays: number;
  json?: boolean;
  forecastsCsv?: string;
  report?: string;
}

/** Exit 2 naming the file when an output's folder can't be written: checked before the backtest, which may take minutes. */
async function checkWritable(path: string, what: string): Promise<void> {
  try {
    await access(dirname(resolve(path)), constants.W_OK);
  } catch (err) {
    process.stderr.write(`gridcast backtest: cannot write the ${what} to '${path}': ${errorMessage(err)}\n`);
    process.exit(2);
  }
}

/** Writes one of the backtest's files; exit 2 naming the file when it can't be written. */
async function writeOutput(path: string, what: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (err) {
    process.stderr.write(`gridcast backtest: cannot write the ${what} to '${path}': ${errorMessage(err)}\n`);
    process.exit(2);
  }
}

async function weatherInput(o: BacktestFlags, startMs: number, length: number, stepMs: number, loaded: Awaited<ReturnType<typeof loadReplaySeries>>): Promise<WeatherInputs> {
  const toC = (v: number) => (o.fahrenheit ? ((v - 32) * 5) / 9 : v);
  const w = toRegularSeries(loaded.rows.map((r) => ({ timeMs: r.timeMs, value: r.valuesKw[0] === undefined ? undefined : toC(r.valuesKw[0]) })), stepMs);
  // Align with the target's grid; weather outside its range is missing, never zero.
  const aligned = Float64Array.from({ length }, (_, i) => {
    const j = (startMs + i * stepMs - w.startMs) / stepMs;
    return j >= 0 && j < w.values.length ? w.values[j]! : Number.NaN;
  });
  const key = o.target === 'load' ? 'temperatureC' : o.target === 'pv' ? 'irradianceWm2' : 'windSpeedMs';
  return { [key]: aligned };
}

/** The weather forecast of a backtest: columns of the series' own file, or a file of issued runs. */
async function forecastTable(
  o: BacktestFlags,
  specs: ForecastColumnSpec[],
  startMs: number,
  length: number,
  stepMs: number,
  load: (column: string, unit: PowerUnit) => ReturnType<typeof loadReplaySeries>,
): Promise<WeatherForecastTable> {
  if (o.forecastCsv) {
    return loadVintagedForecastCsv({ path: o.forecastCsv, issueColumn: o.forecastIssueCol, leadColumn: o.forecastLeadCol, columns: specs, timeZone: o.tz, stepMs, source: o.forecastCsv });
  }
  const values: Partial<Record<WeatherForecastVariable, Float64Array>> = {};
  for (const spec of specs) {
    const loaded = await load(spec.column, 'kW');
    const column = toRegularSeries(loaded.rows.map((r) => ({ timeMs: r.timeMs, value: r.valuesKw[0] })), stepMs);
    // On the series' grid; outside the column's range the forecast is missing, never zero.
    const aligned = Float64Array.from({ length }, (_, i) => {
      const j = (startMs + i * stepMs - column.startMs) / stepMs;
      return j >= 0 && j < column.values.length ? column.values[j]! : Number.NaN;
    });
    values[spec.variable] = convertForecastColumn(aligned, spec.transform, stepMs);
  }
  return staticForecastTable(`${o.csv} (${specs.map((s) => s.column).join(', ')})`, startMs, stepMs, values);
}

function skippedRows(skipped: Readonly<Record<string, number>> | undefined): string {
  return Object.entries(skipped ?? {}).filter(([, n]) => n > 0).map(([why, n]) => `${why} ${n}`).join(', ');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function withoutForecasts(r: BacktestResult) {
  return { ...r, models: Object.fromEntries(Object.entries(r.models).map(([k, m]) => [k, { overall: m.overall, rawCoverageP10P90: m.rawCoverageP10P90, perLead: m.perLead }])) };
}

function formatTable(r: BacktestResult): string {
  const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');
  const lines = [
    `test window ${r.testWindow.from} .. ${r.testWindow.to}: ${r.forecasts} forecasts issued at ${r.issueHourLocal}:00 local on D−1, ${r.horizonSteps} steps`,
    `${'model'.padEnd(24)} ${'MAE kW'.padStart(12)} ${'RMSE kW'.padStart(12)} ${'MAPE %'.padStart(8)} ${'nMAE %'.padStart(8)} ${'MASE'.padStart(6)} ${'pinball'.padStart(10)} ${'P10–P90'.padStart(8)} ${'as made'.padStart(8)}`,
  ];
  for (const [name, m] of Object.entries(r.models)) {
    const o = m.overall;
    lines.push(`${(name + (name === r.best ? ' *' : '')).padEnd(24)} ${fmt(o.maeKw).padStart(12)} ${fmt(o.rmseKw).padStart(12)} ${fmt(o.mapePct).padStart(8)} ${fmt(o.nmaePct).padStart(8)} ${fmt(o.mase).padStart(6)} ${fmt(o.pinballKw).padStart(10)} ${fmt(o.coverageP10P90 * 100, 1).padStart(8)} ${fmt(m.rawCoverageP10P90 * 100, 1).padStart(8)}`);
  }
  return lines.join('\n');
}

function holidayList(value: string): string[] {
  try {
    return expandHolidays(value.split(',').map((d) => d.trim()).filter((d) => d !== ''));
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`'${value}' must be a whole number ≥ 1`);
  return n;
}

function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`'${value}' must be a number from 0 to 1 (0.02 is the default)`);
  return n;
}

function hourOfDay(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 23) throw new InvalidArgumentError(`'${value}' must be an hour from 0 to 23`);
  return n;
}

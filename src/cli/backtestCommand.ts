import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { loadReplaySeries, parseDurationMs, UNIT_TO_KW, type PowerUnit } from '../../simulators/index.js';
import { baselinesFor, DEFAULT_BACKTEST, LstmForecaster, DEFAULT_QUALITY, expandHolidays, HOLIDAY_CALENDARS, maskBadValues, runBacktest, toRegularSeries, type BacktestResult, type ForecastInput, type WeatherInputs } from '../forecast/index.js';
import { FORECAST_TARGETS, type ForecastTarget } from '../contract/index.js';

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
    .option('--tz <zone>', 'IANA zone of times without an offset in the file (DST resolved there)', 'UTC')
    .option('--local-tz <zone>', 'IANA zone of the site: local calendar, day and issue hour (default: --tz)')
    .addOption(new Option('--unit <unit>', 'unit of the values').choices(Object.keys(UNIT_TO_KW)).default('kW'))
    .addOption(new Option('--time-label <where>', 'times label the start or the end of their interval').choices(['start', 'end']).default('start'))
    .option('--resolution <duration>', 'forecast resolution (data is averaged into it)', '1h')
    .option('--horizon <steps>', 'steps forecast from local midnight of day D', positiveInt, DEFAULT_BACKTEST.horizonSteps)
    .option('--issue-hour <hour>', 'local hour on D−1 when forecasts are issued', hourOfDay, DEFAULT_BACKTEST.issueHourLocal)
    .option('--test-days <days>', 'days D evaluated (the last ones in the file)', positiveInt, DEFAULT_BACKTEST.testDays)
    .option('--retrain-days <days>', 'refit every this many days, on data before the issue time', positiveInt, DEFAULT_BACKTEST.retrainDays)
    .option('--latitude <deg>', 'site latitude (PV clear-sky baseline and features)', Number)
    .option('--longitude <deg>', 'site longitude', Number)
    .option('--capacity-kw <kw>', 'installed capacity, for normalised errors (PV, wind)', Number)
    .option('--holidays <list>', `local holidays, comma-separated: dates YYYY-MM-DD and/or a calendar (${HOLIDAY_CALENDARS.join(', ')})`, holidayList, [] as string[])
    .option('--baselines-only', 'skip the LSTM (seconds instead of minutes)')
    .option('--epochs <n>', 'LSTM training epochs per refit (default: from the training budget, 12 for a year of history, 3 for five)', positiveInt)
    .option('--train-days <days>', 'LSTM trains on at most the last this many days before each refit', positiveInt, 1825)
    .option('--json', 'print one JSON object instead of a table')
    .action(async (o: BacktestFlags) => {
      const stepMs = parseDurationMs(o.resolution);
      const load = (column: string, unit: PowerUnit) =>
        loadReplaySeries({ csvPath: o.csv, timeColumn: o.timeCol, valueColumns: [column], timeZone: o.tz, timeLabel: o.timeLabel, stepMs, unit });
      const target = await load(o.valueCol, o.unit);
      const series = toRegularSeries(target.rows.map((r) => ({ timeMs: r.timeMs, value: r.valuesKw[0] })), stepMs);
      const quality = maskBadValues(series.values, DEFAULT_QUALITY[o.target]);
      const input: ForecastInput = {
        series: { ...series, values: quality.values },
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
      const forecasters = o.baselinesOnly ? baselines : [lstm, ...baselines];
      const bar = process.stderr.isTTY && !o.json ? new cliProgress.SingleBar({ format: 'backtest [{bar}] {value}/{total} forecasts' }, cliProgress.Presets.shades_classic) : undefined;
      let started = false;
      const result = await runBacktest(input, forecasters, { horizonSteps: o.horizon, issueHourLocal: o.issueHour, testDays: o.testDays, retrainDays: o.retrainDays }, (done, total) => {
        if (!started) bar?.start(total, 0);
        started = true;
        bar?.update(done);
      });
      bar?.stop();
      const report = {
        ...withoutForecasts(result),
        series: { csv: o.csv, column: o.valueCol, target: o.target, points: series.values.length, resolutionMs: stepMs },
        dataQuality: { outliersMasked: quality.outliers, stuckMasked: quality.stuck, skippedRows: target.skipped },
      };
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
  tz: string;
  localTz?: string;
  unit: PowerUnit;
  timeLabel: 'start' | 'end';
  resolution: string;
  horizon: number;
  issueHour: number;
  testDays: number;
  retrainDays: number;
  latitude?: number;
  longitude?: number;
  capacityKw?: number;
  holidays: string[];
  baselinesOnly?: boolean;
  epochs?: number;
  trainDays: number;
  json?: boolean;
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

function withoutForecasts(r: BacktestResult) {
  return { ...r, models: Object.fromEntries(Object.entries(r.models).map(([k, m]) => [k, { overall: m.overall, perLead: m.perLead }])) };
}

function formatTable(r: BacktestResult): string {
  const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');
  const lines = [
    `test window ${r.testWindow.from} .. ${r.testWindow.to}: ${r.forecasts} forecasts issued at ${r.issueHourLocal}:00 local on D−1, ${r.horizonSteps} steps`,
    `${'model'.padEnd(24)} ${'MAE kW'.padStart(12)} ${'RMSE kW'.padStart(12)} ${'MAPE %'.padStart(8)} ${'nMAE %'.padStart(8)} ${'MASE'.padStart(6)} ${'pinball'.padStart(10)} ${'P10–P90'.padStart(8)}`,
  ];
  for (const [name, m] of Object.entries(r.models)) {
    const o = m.overall;
    lines.push(`${(name + (name === r.best ? ' *' : '')).padEnd(24)} ${fmt(o.maeKw).padStart(12)} ${fmt(o.rmseKw).padStart(12)} ${fmt(o.mapePct).padStart(8)} ${fmt(o.nmaePct).padStart(8)} ${fmt(o.mase).padStart(6)} ${fmt(o.pinballKw).padStart(10)} ${fmt(o.coverageP10P90 * 100, 1).padStart(8)}`);
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

function hourOfDay(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 23) throw new InvalidArgumentError(`'${value}' must be an hour from 0 to 23`);
  return n;
}

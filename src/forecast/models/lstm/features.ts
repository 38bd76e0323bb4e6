import type { ForecastInput, WeatherInputs } from '../../types.js';
import { CALENDAR_FEATURE_COUNT, calendarFeatures, holidayProximity } from './calendar.js';
import { fitStandardScaler, scaleSeries, type StandardScaler } from './scaling.js';
import { solarClearSkyFraction } from './solar.js';
import { DateTime } from 'luxon';
import { forwardFill, localClockIndex, seasonalLagIndex, utcOffsetsMs } from './windowing.js';
import { forecastFeatureCount, forecastFeaturesFor, writeForecastFeatures, type ForecastFeature, type ForecastFeatureContext } from './weatherForecastFeatures.js';
import type { ForecastTarget } from '../../../contract/index.js';
import type { PvArray } from '../../features/solar.js';
import type { Turbine } from '../../features/wind.js';

/**
 * Turns a series into the network's three inputs per sample (origin = last observed step):
 * - history [inputSteps, seq]: scaled value, missing flag, hour sin/cos, past weather (+ missing flag);
 * - context [2]: level at issue time, age of the last observation;
 * - targetSteps [horizonSteps, step]: lead, local calendar, clear-sky (PV), time of year, holiday proximity
 *   (load), same hour yesterday and last week (each with a missing flag), and the weather forecast for the step as known at the issue
 *   time (weatherForecastFeatures.ts) when the model has one. Long-range information lives here, not in the LSTM, so the
 *   recurrent window stays short and cheap.
 */

export type WeatherChannel = keyof WeatherInputs;

export { forecastFeaturesFor };

/** The weather that drives each target (temperature → heating/cooling load; irradiance → PV; wind → turbines). */
export const WEATHER_FOR_TARGET: Record<ForecastTarget, WeatherChannel> = {
  load: 'temperatureC',
  pv: 'irradianceWm2',
  wind: 'windSpeedMs',
};

/** Fixed at fit time and saved with the model: prediction must build exactly the same features. */
export interface FeatureSpec {
  inputSteps: number;
  horizonSteps: number;
  daySteps: number;
  weekSteps: number;
  weatherChannels: WeatherChannel[];
  /** PV with a known position: clear-sky fraction per step from solar geometry. */
  solar: { latitude: number; longitude: number } | undefined;
  /** Time of year (sin/cos) per target step (LstmHyperparameters.seasonOfYear); absent in older models. */
  seasonOfYear?: boolean;
  /**
   * Same-hour lags on the local clock (load: people keep the clock, not UTC, so the week after a DST change
   * would otherwise read last week an hour off); absent in older models: UTC lags.
   */
  localClockLags?: boolean;
  /**
   * The network predicts each target step as a correction to a seasonal reference (scaled units): the same
   * hour a week back ('week'), or the mean of the same hour a day and a week back ('dayAndWeek'), on the
   * lags' clock. Absent in older models: the level itself.
   */
  residualOn?: ResidualReference;
  /** How close the next and the last holiday are, per target step (calendar.ts holidayProximity); absent in older models. */
  holidayProximity?: boolean;
  /** Weather-forecast inputs per target step, and the source they came from; absent: the model needs none. */
  weatherForecast?: { features: ForecastFeature[]; source: string; pvArray?: PvArray; turbine?: Turbine };
}

export type ResidualReference = 'week' | 'dayAndWeek';

export interface FeatureScalers {
  target: StandardScaler;
  weather: Partial<Record<WeatherChannel, StandardScaler>>;
}

export const CONTEXT_FEATURE_COUNT = 2;

export function historyFeatureCount(spec: FeatureSpec): number {
  return 4 + (spec.weatherChannels.length > 0 ? spec.weatherChannels.length + 1 : 0);
}

/** Same-hour values per target step: 3 daily and 2 weekly, each with its missing flag. */
export const SEASONAL_LAGS = 5;

export function stepFeatureCount(spec: FeatureSpec): number {
  return 1 + CALENDAR_FEATURE_COUNT + (spec.solar ? 1 : 0) + (spec.seasonOfYear ? 2 : 0) + (spec.holidayProximity ? 2 : 0) + 2 * SEASONAL_LAGS + forecastFeatureCount(spec.weatherForecast?.features ?? []);
}

export function fitFeatureScalers(input: ForecastInput, spec: FeatureSpec): FeatureScalers {
  const weather: Partial<Record<WeatherChannel, StandardScaler>> = {};
  for (const channel of spec.weatherChannels) weather[channel] = fitStandardScaler(input.weather[channel] ?? []);
  return { target: fitStandardScaler(input.series.values), weather };
}

const TROPICAL_YEAR_MS = 365.2422 * 86_400_000;

/** A series made ready for sampling: scaled, gap-filled with flags, calendar for a range of steps. */
export interface PreparedSeries {
  length: number;
  startMs: number;
  stepMs: number;
  value: Float64Array;
  missing: Uint8Array;
  ageSteps: Int32Array;
  weather: Float64Array[];
  weatherMissing: Uint8Array;
  /** Calendar and solar features cover steps [timeFromIndex, timeFromIndex + timeCount). */
  timeFromIndex: number;
  calendar: Float32Array;
  solar: Float32Array | undefined;
  /** Two per step over the same range as the calendar, when the spec asks for them. */
  holidayProximity: Float32Array | undefined;
  /** The weather forecast the target steps read, when the spec asks for one. */
  forecast: ForecastFeatureContext | undefined;
  /** UTC offset of every step through the last target, when the spec's lags keep the local clock. */
  utcOffsetsMs: Float64Array | undefined;
}

/**
 * `timeFromIndex`/`timeToIndex` bound the steps that need calendar features (the whole series for
 * training; the last input window plus the horizon for a forecast), since luxon per step is the costly part.
 */
export function prepareSeries(
  input: ForecastInput,
  spec: FeatureSpec,
  scalers: FeatureScalers,
  timeFromIndex: number,
  timeToIndex: number,
): PreparedSeries {
  const { series, context } = input;
  const length = series.values.length;
  // Leading gaps take the training mean (scaled 0), flagged as missing like every other gap.
  const target = forwardFill(scaleSeries(series.values, scalers.target), 0);

  const weather: Float64Array[] = [];
  const weatherMissing = new Uint8Array(length);
  for (const channel of spec.weatherChannels) {
    const raw = input.weather[channel];
    const aligned = new Float64Array(length).fill(Number.NaN);
    if (raw) aligned.set(raw.subarray(0, Math.min(raw.length, length)));
    const scaler = scalers.weather[channel] ?? { mean: 0, std: 1 };
    const filled = forwardFill(scaleSeries(aligned, scaler), 0);
    weather.push(filled.filled);
    for (let i = 0; i < length; i++) weatherMissing[i]! |= filled.missing[i]!;
  }

  const from = Math.max(0, timeFromIndex);
  const count = Math.max(0, timeToIndex - from);
  const fromMs = series.startMs + from * series.stepMs;
  return {
    length,
    startMs: series.startMs,
    stepMs: series.stepMs,
    value: target.filled,
    missing: target.missing,
    ageSteps: target.ageSteps,
    weather,
    weatherMissing,
    timeFromIndex: from,
    calendar: calendarFeatures(fromMs, series.stepMs, count, context.timeZone, context.holidays),
    solar: spec.solar ? solarClearSkyFraction(fromMs, series.stepMs, count, spec.solar.latitude, spec.solar.longitude) : undefined,
    holidayProximity: spec.holidayProximity ? holidayProximity(fromMs, series.stepMs, count, context.timeZone, context.holidays) : undefined,
    forecast:
      spec.weatherForecast && input.weatherForecast
        ? { table: input.weatherForecast, features: spec.weatherForecast.features, position: spec.solar, pvArray: spec.weatherForecast.pvArray, turbine: spec.weatherForecast.turbine }
        : undefined,
    utcOffsetsMs: spec.localClockLags
      ? utcOffsetsMs(series.startMs, series.stepMs, Math.max(length, timeToIndex), (ms) => DateTime.fromMillis(ms, { zone: context.timeZone }).offset * 60_000)
      : undefined,
  };
}

/** Where one sample's inputs go: flat Float32Arrays laid out [sample, step, feature]. */
export interface SampleBuffers {
  history: Float32Array;
  context: Float32Array;
  targetSteps: Float32Array;
  /** [sample, step]: the scaled reference each step's output is added to (0 without spec.residualOn). */
  reference: Float32Array;
}

export function allocateSamples(spec: FeatureSpec, count: number): SampleBuffers {
  return {
    history: new Float32Array(count * spec.inputSteps * historyFeatureCount(spec)),
    context: new Float32Array(count * CONTEXT_FEATURE_COUNT),
    targetSteps: new Float32Array(count * spec.horizonSteps * stepFeatureCount(spec)),
    reference: new Float32Array(count * spec.horizonSteps),
  };
}

/**
 * Writes the inputs of the sample whose last observed step is `origin` into slot `slot`. The weather
 * forecast is the one known at `asOfMs` (the issue time; in training, the end of the last observed step).
 * Returns how many target steps the weather forecast didn't cover (0 without one).
 */
export function writeSample(prep: PreparedSeries, spec: FeatureSpec, origin: number, out: SampleBuffers, slot: number, asOfMs = prep.startMs + (origin + 1) * prep.stepMs): number {
  const { inputSteps, horizonSteps } = spec;
  const hf = historyFeatureCount(spec);
  let o = slot * inputSteps * hf;
  for (let k = origin - inputSteps + 1; k <= origin; k++) {
    if (k < 0) {
      // Before the series: unknown, flagged, calendar left at 0.
      out.history[o + 1] = 1;
      if (spec.weatherChannels.length > 0) out.history[o + 4 + spec.weatherChannels.length] = 1;
      o += hf;
      continue;
    }
    const c = (k - prep.timeFromIndex) * CALENDAR_FEATURE_COUNT;
    out.history[o] = prep.value[k]!;
    out.history[o + 1] = prep.missing[k]!;
    out.history[o + 2] = prep.calendar[c]!;
    out.history[o + 3] = prep.calendar[c + 1]!;
    if (spec.weatherChannels.length > 0) {
      for (let w = 0; w < prep.weather.length; w++) out.history[o + 4 + w] = prep.weather[w]![k]!;
      out.history[o + 4 + prep.weather.length] = prep.weatherMissing[k]!;
    }
    o += hf;
  }

  const co = slot * CONTEXT_FEATURE_COUNT;
  out.context[co] = origin >= 0 ? prep.value[origin]! : 0;
  // Capped so a long outage reads as "stale", not as an ever larger number.
  out.context[co + 1] = origin >= 0 ? Math.min(prep.ageSteps[origin]!, inputSteps) / inputSteps : 1;

  const sf = stepFeatureCount(spec);
  let s = slot * horizonSteps * sf;
  for (let h = 0; h < horizonSteps; h++) {
    const target = origin + 1 + h;
    const t = target - prep.timeFromIndex;
    out.targetSteps[s++] = (h + 1) / horizonSteps;
    for (let f = 0; f < CALENDAR_FEATURE_COUNT; f++) out.targetSteps[s++] = prep.calendar[t * CALENDAR_FEATURE_COUNT + f]!;
    if (prep.solar) out.targetSteps[s++] = prep.solar[t]!;
    if (spec.seasonOfYear) {
      // Phase in the tropical year from the epoch: the day of year to within hours, without a calendar.
      const angle = (2 * Math.PI * (prep.startMs + target * prep.stepMs)) / TROPICAL_YEAR_MS;
      out.targetSteps[s++] = Math.sin(angle);
      out.targetSteps[s++] = Math.cos(angle);
    }
    if (prep.holidayProximity) {
      out.targetSteps[s++] = prep.holidayProximity[t * 2]!;
      out.targetSteps[s++] = prep.holidayProximity[t * 2 + 1]!;
    }
    // The same hour on the three latest observed days and in the two latest observed weeks: a few
    // samples of the daily and weekly shape instead of one, which averages out a single odd day.
    const dayLag = seasonalLagIndex(target, origin, spec.daySteps);
    const weekLag = seasonalLagIndex(target, origin, spec.weekSteps);
    const local = (index: number, periodSteps: number) => localClockIndex(target, index, origin, periodSteps, prep.stepMs, prep.utcOffsetsMs);
    for (const index of [dayLag, dayLag - spec.daySteps, dayLag - 2 * spec.daySteps]) s = writeLag(prep, local(index, spec.daySteps), out.targetSteps, s);
    for (const index of [weekLag, weekLag - spec.weekSteps]) s = writeLag(prep, local(index, spec.weekSteps), out.targetSteps, s);
    if (spec.residualOn) out.reference[slot * horizonSteps + h] = referenceValue(prep, spec.residualOn, local(dayLag, spec.daySteps), local(weekLag, spec.weekSteps), origin);
    s += forecastFeatureCount(spec.weatherForecast?.features ?? []);
  }
  if (!spec.weatherForecast) return 0;
  const firstTargetMs = prep.startMs + (origin + 1) * prep.stepMs;
  const width = forecastFeatureCount(spec.weatherForecast.features);
  // The forecast block is the last `width` features of every step.
  const at = slot * horizonSteps * sf + sf - width;
  if (!prep.forecast) {
    for (let h = 0; h < horizonSteps; h++) out.targetSteps[at + h * sf + width - 1] = 1;
    return horizonSteps;
  }
  return writeForecastFeatures(prep.forecast, asOfMs, firstTargetMs, prep.stepMs, horizonSteps, out.targetSteps, at, sf);
}

/**
 * A step's seasonal reference from the gap-filled scaled series (a gap reads the value before it, which is
 * what a seasonal naive would say too); before the series starts, the level at the origin.
 */
function referenceValue(prep: PreparedSeries, on: ResidualReference, dayIndex: number, weekIndex: number, origin: number): number {
  const at = (index: number) => (index >= 0 ? prep.value[index]! : origin >= 0 ? prep.value[origin]! : 0);
  return on === 'week' ? at(weekIndex) : (at(dayIndex) + at(weekIndex)) / 2;
}

function writeLag(prep: PreparedSeries, index: number, out: Float32Array, at: number): number {
  if (index < 0) {
    out[at] = 0;
    out[at + 1] = 1;
  } else {
    out[at] = prep.value[index]!;
    out[at + 1] = prep.missing[index]!;
  }
  return at + 2;
}

/**
 * Scaled targets after `origin`, less the sample's reference (0 where missing), and the mask that keeps
 * the missing ones out of the loss.
 */
export function writeTargets(
  scaledValues: Float64Array,
  origin: number,
  horizonSteps: number,
  targets: Float32Array,
  mask: Float32Array,
  slot: number,
  reference: Float32Array,
): void {
  const o = slot * horizonSteps;
  for (let h = 0; h < horizonSteps; h++) {
    const v = scaledValues[origin + 1 + h]!;
    const observed = Number.isFinite(v);
    targets[o + h] = observed ? v - reference[o + h]! : 0;
    mask[o + h] = observed ? 1 : 0;
  }
}

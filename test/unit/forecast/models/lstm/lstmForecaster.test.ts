import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../../src/common/logger.js';
import { DependencyMissingError } from '../../../../../src/common/errors.js';
import { resetTfBackendResolution, resolveTfBackend, type ModuleImporter } from '../../../../../src/forecast/models/tfBackend.js';
import { LstmForecaster } from '../../../../../src/forecast/models/lstm/index.js';
import { createRng } from '../../../../../src/forecast/models/lstm/random.js';
import { fitStandardScaler, scaleSeries, unscaleValue } from '../../../../../src/forecast/models/lstm/scaling.js';
import { forwardFill, seasonalLagIndex, trainingOrigins } from '../../../../../src/forecast/models/lstm/windowing.js';
import { calendarFeatures } from '../../../../../src/forecast/models/lstm/calendar.js';
import { epochsFor, trainingPlan } from '../../../../../src/forecast/models/lstm/options.js';
import { COSINE_FLOOR, scheduledRate } from '../../../../../src/forecast/models/lstm/train.js';
import type { ForecastInput, ForecastRequest, QuantileForecast } from '../../../../../src/forecast/types.js';

const HOUR_MS = 3_600_000;
const WEEK_STEPS = 168;

/** Hourly load with a daily shape, quieter weekends and Gaussian noise (seeded). */
function syntheticLoad(weeks: number, seed: number): ForecastInput {
  const rng = createRng(seed);
  const startMs = Date.UTC(2024, 0, 1); // a Monday, 00:00 UTC
  const n = weeks * WEEK_STEPS;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const hour = i % 24;
    const weekday = Math.floor(i / 24) % 7; // 0 = Monday
    const daily = 30 * Math.sin((2 * Math.PI * (hour - 8)) / 24) + 10 * Math.sin((4 * Math.PI * hour) / 24);
    const weekend = weekday >= 5 ? -20 : 0;
    // Box–Muller for N(0, 5²).
    const noise = 5 * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    values[i] = 100 + daily + weekend + noise;
  }
  return {
    series: { startMs, stepMs: HOUR_MS, values },
    weather: {},
    context: { target: 'load', timeZone: 'UTC', holidays: [] },
  };
}

function cut(input: ForecastInput, steps: number): ForecastInput {
  return { ...input, series: { ...input.series, values: input.series.values.slice(0, steps) } };
}

function requestAt(input: ForecastInput, originSteps: number, horizon: number, leadSteps = 0): ForecastRequest {
  const issuedAtMs = input.series.startMs + originSteps * input.series.stepMs;
  return { issuedAtMs, firstTargetMs: issuedAtMs + leadSteps * input.series.stepMs, horizon };
}

const SMALL = { hiddenUnits: 8, decoderUnits: 8, inputSteps: 12, horizonSteps: 24, epochs: 2, batchSize: 64, seed: 7 } as const;

function expectOrdered(f: QuantileForecast): void {
  for (let h = 0; h < f.p50.length; h++) {
    expect(f.p10[h]!).toBeLessThanOrEqual(f.p50[h]!);
    expect(f.p50[h]!).toBeLessThanOrEqual(f.p90[h]!);
    expect(Number.isFinite(f.p10[h]!) && Number.isFinite(f.p90[h]!)).toBe(true);
  }
}

describe('LSTM windowing', () => {
  it('carries the last observation forward and flags every filled step', () => {
    const r = forwardFill([Number.NaN, 2, Number.NaN, Number.NaN, 5], -1);
    expect(Array.from(r.filled)).toEqual([-1, 2, 2, 2, 5]);
    expect(Array.from(r.missing)).toEqual([1, 0, 1, 1, 0]);
    expect(Array.from(r.ageSteps)).toEqual([1, 0, 1, 2, 0]);
  });

  it('finds the latest observed step a whole number of periods back', () => {
    // Last observed step 100, period 24: target 101 → 77, target 124 → 100, target 125 → 77 (two days back).
    expect(seasonalLagIndex(101, 100, 24)).toBe(77);
    expect(seasonalLagIndex(124, 100, 24)).toBe(100);
    expect(seasonalLagIndex(125, 100, 24)).toBe(77);
    expect(seasonalLagIndex(101, 100, 168)).toBe(-67);
  });

  it('keeps only origins with a full window, a horizon and few gaps', () => {
    // 10 steps, input 3, horizon 2: origins 2..7. A gap at 4 (1/3 of a window) is allowed at ≤ 0.34 but not at 0.
    const missing = new Uint8Array(10);
    expect(trainingOrigins(missing, { inputSteps: 3, horizonSteps: 2, maxMissingInputFraction: 0 })).toEqual([2, 3, 4, 5, 6, 7]);
    missing[4] = 1;
    expect(trainingOrigins(missing, { inputSteps: 3, horizonSteps: 2, maxMissingInputFraction: 0 })).toEqual([2, 3, 7]);
    expect(trainingOrigins(missing, { inputSteps: 3, horizonSteps: 2, maxMissingInputFraction: 0.34 })).toEqual([2, 3, 4, 5, 6, 7]);
    // Both targets missing: origin 5 (targets 6, 7) is dropped.
    const gaps = new Uint8Array(10);
    gaps[6] = 1;
    gaps[7] = 1;
    expect(trainingOrigins(gaps, { inputSteps: 3, horizonSteps: 2, maxMissingInputFraction: 1 })).toEqual([2, 3, 4, 6, 7]);
  });
});

describe('LSTM scaling', () => {
  it('fits mean/std on the finite values only and round-trips', () => {
    const s = fitStandardScaler([1, 3, Number.NaN, 5, 7]);
    expect(s.mean).toBe(4);
    expect(s.std).toBeCloseTo(Math.sqrt(5), 12);
    const scaled = scaleSeries([4, 4 + Math.sqrt(5), Number.NaN], s);
    expect(scaled[0]).toBe(0);
    expect(scaled[1]).toBeCloseTo(1, 12);
    expect(Number.isNaN(scaled[2])).toBe(true);
    expect(unscaleValue(-1, s)).toBeCloseTo(4 - Math.sqrt(5), 12);
  });

  it('uses std 1 for a flat or empty series', () => {
    expect(fitStandardScaler([2, 2, 2])).toEqual({ mean: 2, std: 1 });
    expect(fitStandardScaler([Number.NaN])).toEqual({ mean: 0, std: 1 });
  });
});

describe('LSTM learning-rate schedule', () => {
  it('cosine: the full rate on the first batch, half-way at the middle, a tenth on the last; constant stays', () => {
    expect(COSINE_FLOOR).toBe(0.1);
    expect(scheduledRate('cosine', 0.003, 0, 101)).toBeCloseTo(0.003, 12);
    // Middle: floor + (1 − floor) / 2 = 0.55 of the rate.
    expect(scheduledRate('cosine', 0.003, 50, 101)).toBeCloseTo(0.00165, 12);
    // A quarter of the way: 0.1 + 0.9 × (1 + cos(π/4)) / 2 = 0.868198 of the rate.
    expect(scheduledRate('cosine', 0.003, 25, 101)).toBeCloseTo(0.003 * 0.868198, 8);
    expect(scheduledRate('cosine', 0.003, 100, 101)).toBeCloseTo(0.0003, 12);
    expect(scheduledRate('constant', 0.003, 100, 101)).toBe(0.003);
    expect(scheduledRate(undefined, 0.003, 100, 101)).toBe(0.003);
    expect(scheduledRate('cosine', 0.003, 0, 1)).toBe(0.003);
  });
});

describe('LSTM training budget', () => {
  it('spreads the budget over the windows (3–30 epochs) unless epochs is set', () => {
    const budget = { epochs: 0, trainingBudgetSamples: 105_120 };
    expect(epochsFor(budget, 8760)).toBe(12); // a year of hourly windows
    expect(epochsFor(budget, 26_280)).toBe(4); // three years
    expect(epochsFor(budget, 43_800)).toBe(3); // five years: 2.4, at least 3
    expect(epochsFor(budget, 1000)).toBe(30); // six weeks: 105, at most 30
    expect(epochsFor({ ...budget, epochs: 5 }, 1000)).toBe(5);
    expect(() => new LstmForecaster({ epochs: -1 })).toThrow('epochs must be a whole number ≥ 0');
  });

  it('counts history from the first observation: five weeks after years of gaps get no time of year', { timeout: 60_000 }, async () => {
    const young = syntheticLoad(5, 11);
    const gapSteps = 3 * 365 * 24;
    const values = new Float64Array(gapSteps + young.series.values.length).fill(Number.NaN);
    values.set(young.series.values, gapSteps);
    const padded: ForecastInput = { ...young, series: { ...young.series, startMs: young.series.startMs - gapSteps * HOUR_MS, values } };
    const model = new LstmForecaster({ ...SMALL, epochs: 1 });
    await model.fit(padded);
    const saved = await model.save();
    expect(saved.metadata.featureSpec.seasonOfYear).toBeUndefined();
  });

  it('a short history spends more than 15 epochs of budget on more seeds instead; set epochs or ensembles are kept', () => {
    const auto = { epochs: 0, trainingBudgetSamples: 105_120, ensembleSize: 1 };
    expect(trainingPlan(auto, 8760)).toEqual({ epochs: 12, members: 1 });
    expect(trainingPlan(auto, 1000)).toEqual({ epochs: 15, members: 2 }); // 30 epochs' worth
    expect(trainingPlan(auto, 5000)).toEqual({ epochs: 11, members: 2 }); // 21 → 2 × 10.5
    expect(trainingPlan({ ...auto, epochs: 30 }, 1000)).toEqual({ epochs: 30, members: 1 });
    expect(trainingPlan({ ...auto, ensembleSize: 3 }, 1000)).toEqual({ epochs: 30, members: 3 });
  });
});

describe('LSTM calendar features', () => {
  it('uses local time across DST and treats holidays as Sundays', () => {
    // Europe/Berlin springs forward on 2024-03-31 at 02:00 local (01:00 UTC): 01:00 UTC is 03:00 local.
    const f = calendarFeatures(Date.UTC(2024, 2, 31, 0), HOUR_MS, 2, 'Europe/Berlin', []);
    expect(f[0]).toBeCloseTo(Math.sin((2 * Math.PI * 1) / 24), 6);
    expect(f[6]).toBeCloseTo(Math.sin((2 * Math.PI * 3) / 24), 6);
    expect(f[5]).toBe(1); // Sunday
    const monday = calendarFeatures(Date.UTC(2024, 3, 1, 10), HOUR_MS, 1, 'Europe/Berlin', ['2024-04-01']);
    expect(monday[5]).toBe(1); // Easter Monday as a Sunday
    expect(monday[4]).toBe(0);
  });
});

describe('TensorFlow.js backend resolver', () => {
  const missing = (specifier: string): Error => Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });

  afterAll(async () => {
    resetTfBackendResolution();
    await resolveTfBackend({ logger: silentLogger, env: {} });
  });

  it('falls back node-gpu → node → wasm → cpu, trying them in that order', async () => {
    const tried: string[] = [];
    const noNative: ModuleImporter = async (specifier) => {
      tried.push(specifier);
      if (specifier.includes('tfjs-node')) throw missing(specifier);
      return import(specifier);
    };
    resetTfBackendResolution();
    const wasm = await resolveTfBackend({ logger: silentLogger, importer: noNative, env: {} });
    expect(tried).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm']);
    expect(wasm.choice).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(wasm.skipped.map((s) => s.choice)).toEqual(['node-gpu', 'node']);
    expect(wasm.skipped[0]!.reason).toContain('not installed');

    // Memoised: a second call doesn't import again.
    await resolveTfBackend({ logger: silentLogger, importer: noNative, env: {} });
    expect(tried).toHaveLength(3);

    resetTfBackendResolution();
    const nothing: ModuleImporter = async (specifier) => {
      throw missing(specifier);
    };
    const cpu = await resolveTfBackend({ logger: silentLogger, importer: nothing, env: {} });
    expect(cpu.choice).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('uses a native package when it loads', async () => {
    resetTfBackendResolution();
    // Stand-in for tfjs-node: importing it registers a 'tensorflow' backend (here a plain cpu backend).
    const fakeNode: ModuleImporter = async (specifier) => {
      if (specifier !== '@tensorflow/tfjs-node') throw missing(specifier);
      const CpuBackend = tf.findBackend('cpu')!.constructor as new () => tf.KernelBackend;
      if (tf.findBackendFactory('tensorflow') === null) tf.registerBackend('tensorflow', () => new CpuBackend(), 0);
      return {};
    };
    try {
      const node = await resolveTfBackend({ logger: silentLogger, importer: fakeNode, env: {} });
      expect(node.choice).toBe('node');
      expect(node.tfBackendName).toBe('tensorflow');
    } finally {
      tf.removeBackend('tensorflow');
    }
  });

  it('honours GRIDCAST_TF_BACKEND and names the package to install when it cannot load', async () => {
    resetTfBackendResolution();
    const realImport: ModuleImporter = (specifier) => import(specifier);
    const forced = await resolveTfBackend({ logger: silentLogger, importer: realImport, env: { GRIDCAST_TF_BACKEND: 'cpu' } });
    expect(forced).toMatchObject({ choice: 'cpu', forced: true });
    expect(tf.getBackend()).toBe('cpu');

    resetTfBackendResolution();
    const attempt = resolveTfBackend({ logger: silentLogger, importer: realImport, env: { GRIDCAST_TF_BACKEND: 'node' } });
    await expect(attempt).rejects.toBeInstanceOf(DependencyMissingError);
    await expect(attempt).rejects.toThrow('npm install @tensorflow/tfjs-node');
    // A failed forced choice is not memoised.
    const wasm = await resolveTfBackend({ logger: silentLogger, importer: realImport, env: { GRIDCAST_TF_BACKEND: 'wasm' } });
    expect(wasm.choice).toBe('wasm');

    resetTfBackendResolution();
    await expect(resolveTfBackend({ logger: silentLogger, env: { GRIDCAST_TF_BACKEND: 'gpu' } })).rejects.toThrow('node-gpu, node, wasm, cpu');
  });
});

describe('LstmForecaster', () => {
  beforeAll(async () => {
    resetTfBackendResolution();
    // The test machine has neither tfjs-node package: this is the wasm backend, as in production here.
    await resolveTfBackend({ logger: silentLogger, env: {} });
  });

  it('outputs ordered quantiles, survives gaps, and reloads to identical predictions', async () => {
    const data = syntheticLoad(3, 1);
    // Gaps in the history: a few single steps and a 10-hour outage near the end.
    for (const i of [30, 31, 200, 333]) data.series.values[i] = Number.NaN;
    for (let i = 480; i < 490; i++) data.series.values[i] = Number.NaN;
    const train = cut(data, 400);
    const model = new LstmForecaster(SMALL);
    await model.fit(train);
    expect(model.trainingSummary).toMatchObject({ epochsRun: 2, aborted: false });

    const history = cut(data, 486); // issued inside the outage
    const req = requestAt(data, 486, 20, 3);
    const forecast = await model.predict(history, req);
    expect(forecast.p50).toHaveLength(20);
    expect(forecast.timesMs[0]).toBe(req.firstTargetMs);
    expectOrdered(forecast);

    const saved = await model.save();
    expect(saved.modelJson.weightsManifest[0]!.paths).toEqual(['weights.bin']);
    const json = JSON.parse(JSON.stringify({ modelJson: saved.modelJson, metadata: saved.metadata })) as Pick<typeof saved, 'modelJson' | 'metadata'>;
    const reloaded = await LstmForecaster.load({ ...json, weightData: new Uint8Array(saved.weightData) });
    expect(await reloaded.predict(history, req)).toEqual(forecast);

    await expect(model.predict(history, requestAt(data, 486, 24, 1))).rejects.toThrow('trained for 24');
    model.dispose();
    reloaded.dispose();
  });

  it('an ensemble trains each member for the full epochs, saves as one graph and reloads to identical predictions', async () => {
    const data = syntheticLoad(3, 4);
    const train = cut(data, 400);
    const req = requestAt(data, 400, 24);
    const ensemble = new LstmForecaster({ ...SMALL, ensembleSize: 2 });
    const progress: number[] = [];
    const withProgress = new LstmForecaster({ ...SMALL, ensembleSize: 2, onEpoch: (p) => progress.push(p.epoch) });
    await ensemble.fit(train);
    await withProgress.fit(train);
    expect(ensemble.trainingSummary).toMatchObject({ epochsRun: 4, aborted: false });
    expect(progress).toEqual([1, 2, 3, 4]);
    const forecast = await ensemble.predict(train, req);
    expectOrdered(forecast);
    const saved = await ensemble.save();
    // One flat graph: both members' layers and the averaging layer, saved like a single network.
    const layers = JSON.stringify(saved.modelJson.modelTopology);
    expect(layers).toContain('m1_encoder_lstm');
    expect(layers).toContain('m2_encoder_lstm');
    expect(layers).toContain('ensemble_average');
    const reloaded = await LstmForecaster.load({ ...saved, weightData: new Uint8Array(saved.weightData) });
    expect(await reloaded.predict(train, req)).toEqual(forecast);
    // Member 1 of the ensemble is the single network with the same seed: the ensemble differs from it.
    const single = new LstmForecaster(SMALL);
    await single.fit(train);
    expect((await single.predict(train, req)).p50).not.toEqual(forecast.p50);
    for (const m of [ensemble, withProgress, reloaded, single]) m.dispose();
  });

  it('adds the time of year to every target step only with two years of history, and saves that choice', async () => {
    const targetStepFeatures = (m: Awaited<ReturnType<LstmForecaster['save']>>) =>
      Number(JSON.stringify(m.modelJson.modelTopology).match(/"targetSteps".*?"batch_input_shape":\[null,24,(\d+)\]/)?.[1]);
    // Three weeks of hourly data: too short to learn a season from.
    const short = cut(syntheticLoad(3, 5), 400);
    const plain = new LstmForecaster(SMALL);
    await plain.fit(short);
    const plainSaved = await plain.save();
    expect(plainSaved.metadata.featureSpec.seasonOfYear).toBeUndefined();
    // Two years of daily values (a yearly wave): long enough.
    const days = 2 * 365 + 30;
    const yearly = Float64Array.from({ length: days }, (_, d) => 100 + 20 * Math.cos((2 * Math.PI * d) / 365.25));
    const long: ForecastInput = { series: { startMs: Date.UTC(2022, 0, 1), stepMs: 86_400_000, values: yearly }, weather: {}, context: { target: 'load', timeZone: 'UTC', holidays: [] } };
    const seasonal = new LstmForecaster(SMALL);
    await seasonal.fit(long);
    const saved = await seasonal.save();
    expect(saved.metadata.featureSpec.seasonOfYear).toBe(true);
    expect(targetStepFeatures(saved)).toBe(targetStepFeatures(plainSaved) + 2);
    const reloaded = await LstmForecaster.load({ ...saved, weightData: new Uint8Array(saved.weightData) });
    const req = requestAt(long, days, 24);
    expect(await reloaded.predict(long, req)).toEqual(await seasonal.predict(long, req));
    // Switched off, the same long series gets no time-of-year inputs.
    const off = new LstmForecaster({ ...SMALL, seasonOfYear: false });
    await off.fit(long);
    expect((await off.save()).metadata.featureSpec.seasonOfYear).toBeUndefined();
    for (const m of [plain, seasonal, reloaded, off]) m.dispose();
  });

  it('is reproducible: the same seed gives identical predictions', async () => {
    const data = syntheticLoad(2, 2);
    const history = cut(data, 300);
    const req = requestAt(data, 300, 24);
    const forecasts: QuantileForecast[] = [];
    for (let run = 0; run < 2; run++) {
      const model = new LstmForecaster(SMALL);
      await model.fit(history);
      forecasts.push(await model.predict(history, req));
      model.dispose();
    }
    expect(forecasts[1]).toEqual(forecasts[0]);
  });

  it('stops training cleanly on abort', async () => {
    const controller = new AbortController();
    const epochs: number[] = [];
    const model = new LstmForecaster({
      ...SMALL,
      epochs: 50,
      onEpoch: (p) => {
        epochs.push(p.epoch);
        if (p.epoch === 2) controller.abort();
      },
      signal: controller.signal,
    });
    const data = syntheticLoad(2, 3);
    await model.fit(data);
    expect(epochs).toEqual([1, 2]);
    expect(model.trainingSummary?.aborted).toBe(true);
    expectOrdered(await model.predict(data, requestAt(data, data.series.values.length, 24)));
    model.dispose();
  });

  it('beats seasonal naive (same hour last week) on P50 MAE over a held-out week', async () => {
    const weeks = 6;
    const data = syntheticLoad(weeks, 4);
    const testStart = (weeks - 1) * WEEK_STEPS;
    const model = new LstmForecaster({ hiddenUnits: 16, decoderUnits: 16, inputSteps: 24, horizonSteps: 24, epochs: 10, batchSize: 32, seed: 11 });
    await model.fit(cut(data, testStart));

    let lstmAbsKw = 0;
    let naiveAbsKw = 0;
    let count = 0;
    // Seven day-ahead forecasts from midnight, each from the history up to its issue time.
    for (let day = 0; day < 7; day++) {
      const origin = testStart + day * 24;
      const forecast = await model.predict(cut(data, origin), requestAt(data, origin, 24));
      expectOrdered(forecast);
      for (let h = 0; h < 24; h++) {
        const actualKw = data.series.values[origin + h]!;
        lstmAbsKw += Math.abs(forecast.p50[h]! - actualKw);
        naiveAbsKw += Math.abs(data.series.values[origin + h - WEEK_STEPS]! - actualKw);
        count++;
      }
    }
    const lstmMaeKw = lstmAbsKw / count;
    const naiveMaeKw = naiveAbsKw / count;
    console.log(`held-out week MAE: LSTM P50 ${lstmMaeKw.toFixed(2)} kW, seasonal naive ${naiveMaeKw.toFixed(2)} kW`);
    expect(lstmMaeKw).toBeLessThan(naiveMaeKw);
    model.dispose();
  });
});

/**
 * npx tsx bench/forecastCost.ts [--epochs 3] — training and forecast cost of the LSTM forecaster
 * (TensorFlow.js) next to the same LSTM in PyTorch (Debian python3-torch, CPU, one thread), on the
 * same data in the same run, as ratios.
 *
 * One year of PJM East hourly load → LstmForecaster.fit (default hyperparameters, `epochs` epochs,
 * each timed through onEpoch) → per-forecast `predict` (median of 50). The tensors fit trained on,
 * the network's initial weights and the per-epoch batch order are captured at the start of training
 * (setTrainingTap) and written to a temp dir; bench/reference/lstm_torch.py trains the same network
 * on them for the same epochs, so both sides run the same batches from the same starting point and
 * their epoch losses should agree closely (a check on the architecture match, printed alongside).
 * Prints a table, writes .bench/forecast-cost.json, and ends with one JSON line.
 */
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { DateTime } from 'luxon';
import { loadReplaySeries } from '../simulators/index.js';
import {
  createRng,
  DEFAULT_LSTM_HYPERPARAMETERS,
  LstmForecaster,
  setTrainingTap,
  shuffleInPlace,
  toQuantiles,
  toRegularSeries,
  type ForecastInput,
  type ForecastRequest,
  type TrainingRun,
  type TrainingSet,
} from '../src/forecast/index.js';

const HOUR_MS = 3_600_000;
const TIME_ZONE = 'America/New_York';
const HERE = dirname(fileURLToPath(import.meta.url));
/** The shared datasets sit next to the repository (../shared/data), wherever it is checked out. */
const DEFAULT_CSV = fileURLToPath(new URL('../../shared/data/pjm_hourly_load/PJME_hourly.csv', import.meta.url));
const DEFAULT_PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = join(HERE, 'reference', 'lstm_torch.py');
const INSTALL_HINT = 'install Debian python3-torch libopenblas0-pthread (apt-get install python3-torch libopenblas0-pthread)';
/** Network layers and their weights in tfjs order (network.ts); the Python side maps them onto PyTorch. */
const LAYER_WEIGHTS: Record<string, string[]> = {
  encoder_lstm: ['kernel', 'recurrent_kernel', 'bias'],
  encoder_dense: ['kernel', 'bias'],
  decoder_dense: ['kernel', 'bias'],
  decoder_out: ['kernel', 'bias'],
};
/** Samples whose initial-weight outputs tfjs writes and PyTorch must reproduce. */
const CHECK_SAMPLES = 16;

export interface ForecastCostOptions {
  /** Training epochs on both sides (default 3). */
  epochs?: number;
  /** Timed tfjs `predict` calls (median reported; default 50). */
  forecasts?: number;
  /** Timed PyTorch single-sample forward passes (median reported; default 200). */
  torchForecasts?: number;
  csvPath?: string;
  /** Local dates (America/New_York), [from, to). */
  from?: string;
  to?: string;
  python?: string;
  /** Where the JSON goes; null: don't write. Default .bench/forecast-cost.json. */
  outFile?: string | null;
  /** Progress and table lines; default console.log. */
  log?: (line: string) => void;
}

export interface TfjsCost {
  backend: string;
  epochSeconds: number[];
  epochLoss: number[];
  /** Median LstmForecaster.predict: features (luxon calendar) + network + unscaling, one 24 h forecast. */
  forecastMs: number;
  /** Median network-only single-sample pass (tensors in, quantiles read back): like for like with PyTorch. */
  forwardMs: number;
}

export interface TorchCost {
  epochSeconds: number[];
  epochLoss: number[];
  /** Median single-sample forward pass + quantile head (the reference has no feature pipeline). */
  forecastMs: number;
  forecasts: number;
  samples: number;
  threads: number;
  torchVersion: string;
  sameInitialWeights: boolean;
  sameBatchOrder: boolean;
  initialOutputMaxAbsDiff?: number;
  initialOutputMaxAbs?: number;
}

export interface ForecastCostResult {
  tfjs: TfjsCost;
  torch: TorchCost | null;
  /** Why torch is null. */
  torchSkipped?: string;
  /** tfjs / torch: epoch on the median epoch; forecast = predict / torch forecast; forward = network only. */
  ratios: { epoch: number; forecast: number; forward: number } | null;
  samples: number;
  epochs: number;
  data: { csv: string; from: string; to: string; steps: number; missingSteps: number };
  hyperparameters: { hiddenUnits: number; decoderUnits: number; inputSteps: number; horizonSteps: number; batchSize: number; learningRate: number };
}

interface Captured {
  model: tf.LayersModel;
  data: TrainingSet;
}

export async function measureForecastCost(opts: ForecastCostOptions = {}): Promise<ForecastCostResult> {
  const epochs = opts.epochs ?? 3;
  const forecasts = opts.forecasts ?? 50;
  const torchForecasts = opts.torchForecasts ?? 200;
  const csvPath = opts.csvPath ?? DEFAULT_CSV;
  const from = opts.from ?? '2017-08-01';
  const to = opts.to ?? '2018-08-01';
  const python = opts.python ?? DEFAULT_PYTHON;
  const log = opts.log ?? ((line: string) => console.log(line));
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`epochs must be a positive integer, got ${epochs}`);

  const torchProblem = checkTorch(python);
  if (torchProblem !== undefined) log(`PyTorch reference skipped: ${torchProblem}; ${INSTALL_HINT}. Reporting TensorFlow.js only.`);

  const input = await loadPjme(csvPath, from, to);
  const missingSteps = input.series.values.reduce((n, v) => n + (Number.isFinite(v) ? 0 : 1), 0);
  log(`data: ${csvPath} ${from} .. ${to} (${TIME_ZONE}), ${input.series.values.length} hourly steps, ${missingSteps} missing`);

  const dir = await mkdtemp(join(tmpdir(), 'gridcast-forecast-cost-'));
  try {
    // --- TensorFlow.js: the platform's own fit, with the training tensors captured as they go in.
    let captured: Captured | undefined;
    setTrainingTap((model, data, run) => {
      captured = { model, data };
      writeTrainingData(dir, model, data, run);
    });
    const epochEndMs: number[] = [];
    const epochLoss: number[] = [];
    const forecaster = new LstmForecaster({
      epochs,
      onEpoch: (p) => {
        epochEndMs.push(p.elapsedMs);
        epochLoss.push(p.loss);
        log(`  tfjs epoch ${p.epoch}/${p.epochs}: ${((p.elapsedMs - (epochEndMs.at(-2) ?? 0)) / 1000).toFixed(2)} s, loss ${p.loss.toFixed(4)}`);
      },
    });
    try {
      log(`tfjs: fitting ${epochs} epoch(s)…`);
      await forecaster.fit(input);
    } finally {
      setTrainingTap(undefined);
    }
    if (captured === undefined) throw new Error('fit did not reach trainNetwork: nothing captured');
    const summary = forecaster.trainingSummary!;
    // elapsedMs counts from the start of the training loop: epoch i = difference of consecutive ends.
    const epochSeconds = epochEndMs.map((end, i) => (end - (i === 0 ? 0 : epochEndMs[i - 1]!)) / 1000);

    const request = dayAheadRequest(to);
    const forecastMs = await medianMs(forecasts, 5, async () => {
      await forecaster.predict(input, request);
    });
    const forwardMs = await medianMs(torchForecasts, 20, async () => {
      const q = tf.tidy(() => toQuantiles(captured!.model.predict(oneSample(captured!.data, captured!.data.count - 1)) as tf.Tensor3D));
      await q.data();
      q.dispose();
    });
    const tfjs: TfjsCost = { backend: summary.tfBackend, epochSeconds, epochLoss, forecastMs, forwardMs };
    forecaster.dispose();
    log(`tfjs (${tfjs.backend}): predict ${forecastMs.toFixed(2)} ms, network only ${forwardMs.toFixed(2)} ms`);

    // --- PyTorch on the same tensors, same epochs, same batches, after tfjs has finished (no sharing of cores).
    let torch: TorchCost | null = null;
    let torchSkipped = torchProblem;
    if (torchProblem === undefined) {
      log(`torch: training ${epochs} epoch(s) on the same ${summary.samples} windows…`);
      try {
        torch = await runTorch(python, dir, epochs, torchForecasts);
        torch.epochSeconds.forEach((s, i) => log(`  torch epoch ${i + 1}/${epochs}: ${s.toFixed(2)} s, loss ${torch!.epochLoss[i]!.toFixed(4)}`));
      } catch (err) {
        torchSkipped = `the PyTorch reference failed: ${err instanceof Error ? err.message : String(err)}`;
        log(torchSkipped);
      }
    }

    const hp = DEFAULT_LSTM_HYPERPARAMETERS;
    const result: ForecastCostResult = {
      tfjs,
      torch,
      ...(torchSkipped !== undefined ? { torchSkipped } : {}),
      ratios:
        torch === null
          ? null
          : {
              epoch: round(median(tfjs.epochSeconds) / median(torch.epochSeconds), 2),
              forecast: round(tfjs.forecastMs / torch.forecastMs, 2),
              forward: round(tfjs.forwardMs / torch.forecastMs, 2),
            },
      samples: summary.samples,
      epochs,
      data: { csv: csvPath, from, to, steps: input.series.values.length, missingSteps },
      hyperparameters: {
        hiddenUnits: hp.hiddenUnits,
        decoderUnits: hp.decoderUnits,
        inputSteps: hp.inputSteps,
        horizonSteps: hp.horizonSteps,
        batchSize: hp.batchSize,
        learningRate: hp.learningRate,
      },
    };
    if (opts.outFile !== null) {
      const out = opts.outFile ?? '.bench/forecast-cost.json';
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
    }
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** undefined when `python -c 'import torch'` works, else why not. */
function checkTorch(python: string): string | undefined {
  const probe = spawnSync(python, ['-c', 'import torch'], { env: torchEnv(), encoding: 'utf8', timeout: 120_000 });
  if (probe.error) return `${python} could not be run (${probe.error.message})`;
  if (probe.status !== 0) return `${python} -c 'import torch' failed: ${probe.stderr.trim().split('\n').at(-1) ?? `exit ${probe.status}`}`;
  return undefined;
}

/** One thread everywhere: faster and steadier than two on this machine, and tfjs wasm is single-threaded too. */
function torchEnv(): NodeJS.ProcessEnv {
  return { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
}

async function runTorch(python: string, dir: string, epochs: number, forecasts: number): Promise<TorchCost> {
  const { stdout } = await promisify(execFile)(
    python,
    [TORCH_SCRIPT, dir, '--epochs', String(epochs), '--forecasts', String(forecasts), '--threads', '1'],
    { env: torchEnv(), maxBuffer: 16 * 1024 * 1024, timeout: 30 * 60_000 },
  );
  const line = stdout.trim().split('\n').at(-1);
  if (line === undefined || !line.startsWith('{')) throw new Error(`no JSON from ${TORCH_SCRIPT}: ${stdout.slice(-500)}`);
  return JSON.parse(line) as TorchCost;
}

/** PJME hourly load in kW, hour-ending US Eastern labels → regular UTC series over [from, to) local. */
async function loadPjme(csvPath: string, from: string, to: string): Promise<ForecastInput> {
  const loaded = await loadReplaySeries({
    csvPath,
    timeColumn: 'Datetime',
    valueColumns: ['PJME_MW'],
    timeZone: TIME_ZONE,
    timeLabel: 'end',
    stepMs: HOUR_MS,
    unit: 'MW',
  });
  const fromMs = localMidnightMs(from);
  const toMs = localMidnightMs(to);
  const points = loaded.rows.filter((r) => r.timeMs >= fromMs && r.timeMs < toMs).map((r) => ({ timeMs: r.timeMs, value: r.valuesKw[0] }));
  const series = toRegularSeries(points, HOUR_MS);
  if (series.values.length === 0) throw new RangeError(`no PJME rows between ${from} and ${to} in ${csvPath}`);
  return { series, weather: {}, context: { target: 'load', timeZone: TIME_ZONE, holidays: [] } };
}

function localMidnightMs(date: string): number {
  const dt = DateTime.fromISO(date, { zone: TIME_ZONE });
  if (!dt.isValid) throw new RangeError(`'${date}' is not a YYYY-MM-DD date`);
  return dt.toMillis();
}

/** The platform's day-ahead case: issued 10:00 local on the last day, the next local day's 24 hours. */
function dayAheadRequest(to: string): ForecastRequest {
  const end = DateTime.fromISO(to, { zone: TIME_ZONE });
  const issued = end.minus({ days: 1 }).set({ hour: 10 });
  return { issuedAtMs: issued.toMillis(), firstTargetMs: end.toMillis(), horizon: 24 };
}

/** Raw little-endian tensors, initial weights, per-epoch batch order and a forward-pass check, for lstm_torch.py. */
function writeTrainingData(dir: string, model: tf.LayersModel, data: TrainingSet, run: TrainingRun): void {
  const [inputSteps, historyFeatures] = data.historyShape;
  const [horizonSteps, stepFeatures] = data.targetStepsShape;
  const write = (file: string, array: Float32Array | Int32Array, shape: number[]) => {
    writeFileSync(join(dir, file), new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
    return { file, shape };
  };
  const tensors = {
    history: write('history.bin', data.history, [data.count, inputSteps, historyFeatures]),
    context: write('context.bin', data.context, [data.count, data.contextFeatures]),
    targetSteps: write('targetSteps.bin', data.targetSteps, [data.count, horizonSteps, stepFeatures]),
    targets: write('targets.bin', data.targets, [data.count, horizonSteps]),
    mask: write('mask.bin', data.mask, [data.count, horizonSteps]),
  };

  const initialWeights: Record<string, { file: string; shape: number[] }> = {};
  for (const [layerName, names] of Object.entries(LAYER_WEIGHTS)) {
    const weights = model.getLayer(layerName).getWeights();
    if (weights.length !== names.length) throw new Error(`layer ${layerName} has ${weights.length} weights, expected ${names.length}`);
    weights.forEach((w, i) => {
      initialWeights[`${layerName}/${names[i]}`] = write(`${layerName}.${names[i]}.bin`, w.dataSync() as Float32Array, w.shape);
    });
  }

  // trainNetwork's shuffle: one seeded RNG, the same index array shuffled again every epoch.
  const rng = createRng(run.seed);
  const order = Int32Array.from({ length: data.count }, (_, i) => i);
  const orders = new Int32Array(run.epochs * data.count);
  for (let e = 0; e < run.epochs; e++) {
    shuffleInPlace(order, rng);
    orders.set(order, e * data.count);
  }

  const n = Math.min(CHECK_SAMPLES, data.count);
  const raw = tf.tidy(() => model.predict(samples(data, 0, n)) as tf.Tensor3D);
  const initialOutput = write('initialOutput.bin', raw.dataSync() as Float32Array, raw.shape);
  raw.dispose();

  const meta = {
    byteOrder: new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'LE' : 'BE',
    count: data.count,
    epochs: run.epochs,
    hyperparameters: {
      hiddenUnits: model.getLayer('encoder_lstm').getWeights()[1]!.shape[0],
      decoderUnits: model.getLayer('decoder_dense').getWeights()[1]!.shape[0],
      batchSize: run.batchSize,
      learningRate: run.learningRate,
      seed: run.seed,
    },
    // tf.train.adam's default epsilon is the float32 backend epsilon, 1e-7 (PyTorch defaults to 1e-8).
    adamEpsilon: tf.backend().epsilon(),
    tensors,
    initialWeights,
    initialOutput,
    order: write('order.bin', orders, [run.epochs, data.count]),
  };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta, null, 2));
}

function samples(data: TrainingSet, from: number, count: number): tf.Tensor[] {
  const [inputSteps, historyFeatures] = data.historyShape;
  const [horizonSteps, stepFeatures] = data.targetStepsShape;
  const h = inputSteps * historyFeatures;
  const s = horizonSteps * stepFeatures;
  return [
    tf.tensor3d(data.history.subarray(from * h, (from + count) * h), [count, inputSteps, historyFeatures]),
    tf.tensor2d(data.context.subarray(from * data.contextFeatures, (from + count) * data.contextFeatures), [count, data.contextFeatures]),
    tf.tensor3d(data.targetSteps.subarray(from * s, (from + count) * s), [count, horizonSteps, stepFeatures]),
  ];
}

function oneSample(data: TrainingSet, index: number): tf.Tensor[] {
  return samples(data, index, 1);
}

async function medianMs(runs: number, warmup: number, fn: () => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const started = performance.now();
    await fn();
    if (i >= warmup) times.push(performance.now() - started);
  }
  return median(times);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function printTable(r: ForecastCostResult, log: (line: string) => void): void {
  const fmt = (v: number | undefined, digits: number) => (v === undefined ? '—' : v.toFixed(digits)).padStart(12);
  const t = r.torch ?? undefined;
  log('');
  log(`LSTM cost, ${r.samples} training windows, ${r.epochs} epoch(s), batch ${r.hyperparameters.batchSize}, ${r.hyperparameters.hiddenUnits} LSTM units`);
  log(`${''.padEnd(34)}${`tfjs ${r.tfjs.backend}`.padStart(12)}  ${`torch ${t?.torchVersion ?? ''}`.padStart(12)}${'tfjs/torch'.padStart(12)}`);
  log(`${'epoch s (median)'.padEnd(34)}${fmt(median(r.tfjs.epochSeconds), 2)}  ${fmt(t && median(t.epochSeconds), 2)}${fmt(r.ratios?.epoch, 2)}`);
  log(`${'epoch s (each)'.padEnd(34)}${r.tfjs.epochSeconds.map((s) => s.toFixed(2)).join(' / ').padStart(12)}  ${(t?.epochSeconds.map((s) => s.toFixed(2)).join(' / ') ?? '—').padStart(12)}`);
  log(`${'forecast ms (predict vs forward)'.padEnd(34)}${fmt(r.tfjs.forecastMs, 2)}  ${fmt(t?.forecastMs, 2)}${fmt(r.ratios?.forecast, 2)}`);
  log(`${'network-only forward ms'.padEnd(34)}${fmt(r.tfjs.forwardMs, 2)}  ${fmt(t?.forecastMs, 2)}${fmt(r.ratios?.forward, 2)}`);
  log(`${'loss per epoch'.padEnd(34)}${r.tfjs.epochLoss.map((l) => l.toFixed(4)).join(' / ')}  vs  ${t?.epochLoss.map((l) => l.toFixed(4)).join(' / ') ?? '—'}`);
  if (t?.initialOutputMaxAbsDiff !== undefined) {
    log(`same initial weights: max |tfjs − torch| on ${CHECK_SAMPLES} samples = ${t.initialOutputMaxAbsDiff.toExponential(2)} (outputs up to ${t.initialOutputMaxAbs?.toFixed(2)})`);
  }
  if (t) log(`torch threads ${t.threads}; same batch order: ${t.sameBatchOrder}`);
  if (r.torchSkipped !== undefined) log(`torch: not measured (${r.torchSkipped})`);
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  const { values } = parseArgs({
    options: { epochs: { type: 'string' }, forecasts: { type: 'string' }, python: { type: 'string' } },
  });
  const result = await measureForecastCost({
    ...(values.epochs !== undefined ? { epochs: Number(values.epochs) } : {}),
    ...(values.forecasts !== undefined ? { forecasts: Number(values.forecasts) } : {}),
    ...(values.python !== undefined ? { python: values.python } : {}),
  });
  printTable(result, (line) => console.log(line));
  console.log(
    JSON.stringify({
      tfjs: { backend: result.tfjs.backend, epochSeconds: result.tfjs.epochSeconds, forecastMs: round(result.tfjs.forecastMs, 3), forwardMs: round(result.tfjs.forwardMs, 3) },
      torch: result.torch && {
        epochSeconds: result.torch.epochSeconds.map((s) => round(s, 3)),
        forecastMs: round(result.torch.forecastMs, 3),
        threads: result.torch.threads,
        torchVersion: result.torch.torchVersion,
      },
      ratios: result.ratios,
      samples: result.samples,
    }),
  );
}

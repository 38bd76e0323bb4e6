import * as tf from '@tensorflow/tfjs';
import type { EpochProgress } from './options.js';
import { pinballLoss, toQuantiles } from './quantileLoss.js';
import { createRng, shuffleInPlace } from './random.js';

/** Training samples as flat arrays, laid out [sample, ...shape]. */
export interface TrainingSet {
  count: number;
  history: Float32Array;
  historyShape: [number, number];
  context: Float32Array;
  contextFeatures: number;
  targetSteps: Float32Array;
  targetStepsShape: [number, number];
  targets: Float32Array;
  mask: Float32Array;
}

export interface TrainingRun {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /**
   * 'cosine': the rate falls from learningRate to learningRate × COSINE_FLOOR along a half cosine over the
   * run's batches, so the last batches settle instead of jumping around the minimum; 'constant': unchanged.
   */
  learningRateSchedule?: 'constant' | 'cosine';
  seed: number;
  onEpoch?: (progress: EpochProgress) => void;
  signal?: AbortSignal;
}

export interface TrainingResult {
  epochsRun: number;
  finalLoss: number;
  aborted: boolean;
}

/** Sees the network (initial weights) and training set each time training starts. */
export type TrainingTap = (model: tf.LayersModel, data: TrainingSet, run: TrainingRun) => void;

let trainingTap: TrainingTap | undefined;

/**
 * Benchmarks only (bench/forecastCost.ts hands fit's exact tensors and initial weights to PyTorch);
 * undefined removes the tap. Training itself is unchanged.
 */
export function setTrainingTap(tap: TrainingTap | undefined): void {
  trainingTap = tap;
}

/** Where a cosine schedule ends, as a fraction of the starting rate. */
export const COSINE_FLOOR = 0.1;

/** The rate of batch `batch` (0-based) of `totalBatches`. */
export function scheduledRate(schedule: TrainingRun['learningRateSchedule'], learningRate: number, batch: number, totalBatches: number): number {
  if (schedule !== 'cosine' || totalBatches <= 1) return learningRate;
  const progress = Math.min(1, batch / (totalBatches - 1));
  return learningRate * (COSINE_FLOOR + ((1 - COSINE_FLOOR) * (1 + Math.cos(Math.PI * progress))) / 2);
}

/**
 * Mini-batch Adam on the pinball loss. A hand-written loop rather than model.fit: the shuffle comes
 * from our seeded RNG (reproducible), and abort is checked between batches.
 */
export async function trainNetwork(model: tf.LayersModel, data: TrainingSet, run: TrainingRun): Promise<TrainingResult> {
  trainingTap?.(model, data, run);
  const [inputSteps, historyFeatures] = data.historyShape;
  const [horizonSteps, stepFeatures] = data.targetStepsShape;
  const all = {
    history: tf.tensor3d(data.history, [data.count, inputSteps, historyFeatures]),
    context: tf.tensor2d(data.context, [data.count, data.contextFeatures]),
    targetSteps: tf.tensor3d(data.targetSteps, [data.count, horizonSteps, stepFeatures]),
    targets: tf.tensor2d(data.targets, [data.count, horizonSteps]),
    mask: tf.tensor2d(data.mask, [data.count, horizonSteps]),
  };
  const optimizer = tf.train.adam(run.learningRate);
  // Adam reads its rate on every step; tfjs types it protected.
  const adjustable = optimizer as unknown as { learningRate: number };
  const batchesPerEpoch = Math.ceil(data.count / run.batchSize);
  const totalBatches = batchesPerEpoch * run.epochs;
  let batchNumber = 0;
  // LayerVariable.read() hands back the underlying tf.Variable (typed as Tensor).
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const rng = createRng(run.seed);
  const order = Int32Array.from({ length: data.count }, (_, i) => i);
  const startMs = Date.now();
  let epochsRun = 0;
  let finalLoss = Number.NaN;
  let aborted = false;

  try {
    for (let epoch = 1; epoch <= run.epochs && !aborted; epoch++) {
      shuffleInPlace(order, rng);
      let lossSum = tf.scalar(0);
      let batches = 0;
      for (let from = 0; from < data.count; from += run.batchSize) {
        if (run.signal?.aborted) {
          aborted = true;
          break;
        }
        adjustable.learningRate = scheduledRate(run.learningRateSchedule, run.learningRate, batchNumber++, totalBatches);
        const batchIndices = order.subarray(from, Math.min(from + run.batchSize, data.count));
        const cost = tf.tidy((): tf.Scalar => {
          const idx = tf.tensor1d(batchIndices, 'int32');
          const inputs = [tf.gather(all.history, idx), tf.gather(all.context, idx), tf.gather(all.targetSteps, idx)];
          const targets = tf.gather(all.targets, idx) as tf.Tensor2D;
          const mask = tf.gather(all.mask, idx) as tf.Tensor2D;
          const batchCost = optimizer.minimize(
            () => pinballLoss(targets, mask, toQuantiles(model.apply(inputs, { training: true }) as tf.Tensor3D)),
            true,
            variables,
          );
          // minimize returns null only when returnCost is false.
          return batchCost ?? tf.scalar(Number.NaN);
        });
        const next: tf.Scalar = tf.add(lossSum, cost);
        lossSum.dispose();
        cost.dispose();
        lossSum = next;
        batches++;
        // Let the event loop run so an abort (or a shutdown signal) can land between batches.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const meanLoss = batches > 0 ? (await lossSum.data())[0]! / batches : Number.NaN;
      lossSum.dispose();
      if (aborted && batches === 0) break;
      epochsRun = epoch;
      finalLoss = meanLoss;
      run.onEpoch?.({ epoch, epochs: run.epochs, loss: meanLoss, elapsedMs: Date.now() - startMs });
    }
  } finally {
    optimizer.dispose();
    for (const t of Object.values(all)) t.dispose();
  }
  return { epochsRun, finalLoss, aborted };
}

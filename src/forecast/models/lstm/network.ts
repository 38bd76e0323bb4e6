import * as tf from '@tensorflow/tfjs';

export interface NetworkShape {
  inputSteps: number;
  historyFeatures: number;
  contextFeatures: number;
  horizonSteps: number;
  stepFeatures: number;
}

export interface NetworkSize {
  hiddenUnits: number;
  decoderUnits: number;
  seed: number;
}

/** Raw outputs per target step: [centre, lower spread, upper spread]; quantileLoss.ts orders them. */
export const RAW_OUTPUTS_PER_STEP = 3;

export interface Ensemble {
  /** Each member as a model of its own (trained one after the other); its layers are the combined model's. */
  members: tf.LayersModel[];
  /** The members' raw outputs averaged: what is saved and predicts. One member: that member. */
  combined: tf.LayersModel;
}

/**
 * `count` networks with different seeds on the same inputs, averaged: seed variance of a small network
 * trained for a few epochs is a large share of its error, and averaging removes part of it. One flat graph
 * (member layers prefixed m1_, m2_, …), so it saves and loads like a single network.
 */
export function buildEnsemble(shape: NetworkShape, size: NetworkSize, count: number): Ensemble {
  return withoutOrthogonalNotice(() => buildEnsembleGraph(shape, size, count));
}

/**
 * tfjs prints "Orthogonal initializer is being called on a matrix with more than 2000 (…) elements: Slowness
 * may result." for every recurrent kernel of this size: a one-off millisecond cost here, but it reads like a
 * problem on an operator's terminal. Only that notice is dropped, and only while a network is built or loaded.
 */
export function withoutOrthogonalNotice<T>(build: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('Orthogonal initializer is being called on a matrix with more than')) return;
    warn(...args);
  };
  try {
    const out = build();
    if (out instanceof Promise) return out.finally(() => (console.warn = warn)) as T;
    console.warn = warn;
    return out;
  } catch (err) {
    console.warn = warn;
    throw err;
  }
}

function buildEnsembleGraph(shape: NetworkShape, size: NetworkSize, count: number): Ensemble {
  const history = tf.input({ shape: [shape.inputSteps, shape.historyFeatures], name: 'history' });
  const context = tf.input({ shape: [shape.contextFeatures], name: 'context' });
  const targetSteps = tf.input({ shape: [shape.horizonSteps, shape.stepFeatures], name: 'targetSteps' });
  const inputs = [history, context, targetSteps];
  const outputs = Array.from({ length: count }, (_, k) =>
    memberOutput(history, context, targetSteps, shape, { ...size, seed: size.seed + 1000 * k }, count === 1 ? '' : `m${k + 1}_`),
  );
  const members = outputs.map((out, k) => tf.model({ inputs, outputs: out, name: count === 1 ? 'gridcast_lstm' : `gridcast_lstm_m${k + 1}` }));
  if (count === 1) return { members, combined: members[0]! };
  const averaged = tf.layers.average({ name: 'ensemble_average' }).apply(outputs) as tf.SymbolicTensor;
  return { members, combined: tf.model({ inputs, outputs: averaged, name: 'gridcast_lstm_ensemble' }) };
}

/**
 * Encoder: LSTM over the short history, joined with the context (level, staleness) → one dense vector.
 * Decoder: that vector repeated for every target step, joined with the step's own features, then two
 * dense layers shared by all steps. All steps come out at once (direct, no recursion), and sharing the
 * decoder keeps the parameter count independent of the horizon.
 * Every initialiser has its own seed so two fits with the same seed start from the same weights.
 */
function memberOutput(
  history: tf.SymbolicTensor,
  context: tf.SymbolicTensor,
  targetSteps: tf.SymbolicTensor,
  shape: NetworkShape,
  size: NetworkSize,
  prefix: string,
): tf.SymbolicTensor {
  let seed = size.seed;
  const nextSeed = (): number => ++seed;
  const encoded = tf.layers
    .lstm({
      units: size.hiddenUnits,
      // tfjs defaults to hardSigmoid; sigmoid matches Keras/PyTorch.
      recurrentActivation: 'sigmoid',
      kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }),
      recurrentInitializer: tf.initializers.orthogonal({ seed: nextSeed() }),
      name: `${prefix}encoder_lstm`,
    })
    .apply(history) as tf.SymbolicTensor;

  const joined = tf.layers.concatenate({ name: `${prefix}encoder_join` }).apply([encoded, context]) as tf.SymbolicTensor;
  const summary = dense(size.decoderUnits, 'relu', nextSeed(), `${prefix}encoder_dense`).apply(joined) as tf.SymbolicTensor;
  const repeated = tf.layers.repeatVector({ n: shape.horizonSteps, name: `${prefix}repeat` }).apply(summary) as tf.SymbolicTensor;
  const perStep = tf.layers.concatenate({ axis: -1, name: `${prefix}decoder_join` }).apply([repeated, targetSteps]) as tf.SymbolicTensor;
  // Dense on a 3-D tensor acts on the last axis: the same weights for every target step.
  const hidden = dense(size.decoderUnits, 'relu', nextSeed(), `${prefix}decoder_dense`).apply(perStep) as tf.SymbolicTensor;
  return dense(RAW_OUTPUTS_PER_STEP, 'linear', nextSeed(), `${prefix}decoder_out`).apply(hidden) as tf.SymbolicTensor;
}

function dense(units: number, activation: 'relu' | 'linear', seed: number, name: string): tf.layers.Layer {
  return tf.layers.dense({ units, activation, kernelInitializer: tf.initializers.glorotUniform({ seed }), name });
}

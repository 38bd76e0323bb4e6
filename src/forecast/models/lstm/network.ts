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

/**
 * Encoder: LSTM over the short history, joined with the context (level, staleness) → one dense vector.
 * Decoder: that vector repeated for every target step, joined with the step's own features, then two
 * dense layers shared by all steps. All steps come out at once (direct, no recursion), and sharing the
 * decoder keeps the parameter count independent of the horizon.
 * Every initialiser has its own seed so two fits with the same seed start from the same weights.
 */
export function buildNetwork(shape: NetworkShape, size: NetworkSize): tf.LayersModel {
  let seed = size.seed;
  const nextSeed = (): number => ++seed;

  const history = tf.input({ shape: [shape.inputSteps, shape.historyFeatures], name: 'history' });
  const context = tf.input({ shape: [shape.contextFeatures], name: 'context' });
  const targetSteps = tf.input({ shape: [shape.horizonSteps, shape.stepFeatures], name: 'targetSteps' });

  const encoded = tf.layers
    .lstm({
      units: size.hiddenUnits,
      // tfjs defaults to hardSigmoid; sigmoid matches Keras/PyTorch.
      recurrentActivation: 'sigmoid',
      kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }),
      recurrentInitializer: tf.initializers.orthogonal({ seed: nextSeed() }),
      name: 'encoder_lstm',
    })
    .apply(history) as tf.SymbolicTensor;

  const joined = tf.layers.concatenate({ name: 'encoder_join' }).apply([encoded, context]) as tf.SymbolicTensor;
  const summary = dense(size.decoderUnits, 'relu', nextSeed(), 'encoder_dense').apply(joined) as tf.SymbolicTensor;
  const repeated = tf.layers.repeatVector({ n: shape.horizonSteps, name: 'repeat' }).apply(summary) as tf.SymbolicTensor;
  const perStep = tf.layers.concatenate({ axis: -1, name: 'decoder_join' }).apply([repeated, targetSteps]) as tf.SymbolicTensor;
  // Dense on a 3-D tensor acts on the last axis: the same weights for every target step.
  const hidden = dense(size.decoderUnits, 'relu', nextSeed(), 'decoder_dense').apply(perStep) as tf.SymbolicTensor;
  const raw = dense(RAW_OUTPUTS_PER_STEP, 'linear', nextSeed(), 'decoder_out').apply(hidden) as tf.SymbolicTensor;

  return tf.model({ inputs: [history, context, targetSteps], outputs: raw, name: 'gridcast_lstm' });
}

function dense(units: number, activation: 'relu' | 'linear', seed: number, name: string): tf.layers.Layer {
  return tf.layers.dense({ units, activation, kernelInitializer: tf.initializers.glorotUniform({ seed }), name });
}

import * as tf from '@tensorflow/tfjs';

export const QUANTILE_LEVELS = [0.1, 0.5, 0.9] as const;

/**
 * Raw [batch, steps, 3] → quantiles [batch, steps, 3] in order P10, P50, P90 that can't cross:
 * P50 is the centre, P10 and P90 sit a softplus (> 0) below and above it.
 */
export function toQuantiles(raw: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const [centre, lower, upper] = tf.split(raw, 3, 2) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
    return tf.concat([tf.sub(centre, tf.softplus(lower)), centre, tf.add(centre, tf.softplus(upper))], 2) as tf.Tensor3D;
  });
}

/**
 * Mean pinball loss over P10/P50/P90 and the observed targets only (`mask` 0 drops a missing target).
 * targets, mask: [batch, steps]; quantiles: [batch, steps, 3].
 */
export function pinballLoss(targets: tf.Tensor2D, mask: tf.Tensor2D, quantiles: tf.Tensor3D): tf.Scalar {
  return tf.tidy(() => {
    const levels = tf.tensor1d([...QUANTILE_LEVELS]);
    const error = tf.sub(tf.expandDims(targets, 2), quantiles);
    const loss = tf.maximum(tf.mul(levels, error), tf.mul(tf.sub(levels, 1), error));
    const masked = tf.mul(loss, tf.expandDims(mask, 2));
    const observed = tf.maximum(tf.sum(mask), 1);
    return tf.div(tf.sum(masked), tf.mul(observed, QUANTILE_LEVELS.length)) as tf.Scalar;
  });
}

import { withoutOrthogonalNotice } from './network.js';
import * as tf from '@tensorflow/tfjs';

/** Name of the weights file the topology points at, for a registry that writes model.json + weights.bin. */
export const WEIGHTS_FILE_NAME = 'weights.bin';

export interface SerialisedNetwork {
  /** Standard tfjs model.json (topology + manifest pointing at weights.bin): tfjs-node can load it from disk too. */
  modelJson: tf.io.ModelJSON;
  /** Float32 weights, concatenated in manifest order. */
  weightData: Uint8Array;
}

/** tfjs save to memory: file:// handlers need tfjs-node, which is optional. */
export async function serialiseNetwork(model: tf.LayersModel): Promise<SerialisedNetwork> {
  let captured: SerialisedNetwork | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      if (artifacts.modelTopology === undefined || artifacts.weightSpecs === undefined || artifacts.weightData === undefined) {
        throw new Error('tfjs produced incomplete model artifacts');
      }
      const buffer = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      captured = {
        modelJson: {
          modelTopology: artifacts.modelTopology,
          format: 'layers-model',
          generatedBy: artifacts.generatedBy,
          convertedBy: null,
          weightsManifest: [{ paths: [WEIGHTS_FILE_NAME], weights: artifacts.weightSpecs }],
        },
        weightData: new Uint8Array(buffer.slice(0)),
      };
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
    { includeOptimizer: false },
  );
  if (captured === undefined) throw new Error('tfjs did not call the save handler');
  return captured;
}

export async function deserialiseNetwork(network: SerialisedNetwork): Promise<tf.LayersModel> {
  const weightSpecs = network.modelJson.weightsManifest.flatMap((group) => group.weights);
  // An exact ArrayBuffer: the Uint8Array may be a view into a larger (e.g. file read) buffer.
  const { buffer, byteOffset, byteLength } = network.weightData;
  const weightData = buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer;
  return withoutOrthogonalNotice(() => tf.loadLayersModel(tf.io.fromMemory({ modelTopology: network.modelJson.modelTopology, weightSpecs, weightData })));
}

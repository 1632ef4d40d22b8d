import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';

/** Loads a model.json and its weight files the way any tfjs user would, from the files alone. */
export function fromFiles(path: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(path, 'utf8')) as {
        modelTopology: object;
        weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
        userDefinedMetadata?: tf.io.ModelArtifacts['userDefinedMetadata'];
      };
      const bins = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dirname(path), p))));
      const all = Buffer.concat(bins);
      return {
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
        ...(json.userDefinedMetadata ? { userDefinedMetadata: json.userDefinedMetadata } : {}),
      };
    },
  };
}

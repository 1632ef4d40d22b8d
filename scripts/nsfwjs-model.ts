import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface BundledModel {
  modelJson: () => Promise<{ default: { modelTopology: unknown; weightsManifest: { paths: string[] }[] } }>;
  weightBundles: (() => Promise<{ default: string }>)[];
}

/** The layer where the MobileNetV2 in nsfwjs ends its convolutional base. */
export const MOBILENET_V2_BASE_LAYER = 'out_relu';

/**
 * Writes the ImageNet-pretrained MobileNetV2 that the npm package `nsfwjs` ships (as JS modules:
 * the Layers model JSON, and its weight shards in base64) to `dir` as an ordinary tfjs
 * model.json + shard files, and returns the model.json path.
 */
export async function writeNsfwjsMobileNetV2(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const { MobileNetV2Model } = (await import('nsfwjs/models/mobilenet_v2')) as unknown as { MobileNetV2Model: BundledModel };
  const json = (await MobileNetV2Model.modelJson()).default;
  const shards = json.weightsManifest.flatMap((group) => group.paths);
  if (shards.length !== MobileNetV2Model.weightBundles.length) throw new Error('nsfwjs: weight bundles do not match the manifest');
  for (const [i, shard] of shards.entries()) {
    const base64 = (await MobileNetV2Model.weightBundles[i]!()).default;
    writeFileSync(join(dir, shard), Buffer.from(base64, 'base64'));
  }
  const path = join(dir, 'model.json');
  writeFileSync(path, JSON.stringify({ format: 'layers-model', ...json }));
  return path;
}

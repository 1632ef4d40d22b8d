import type { ConvBase } from './bases/base.js';
import { decodeInto } from './decode-image.js';
import { pool, type Pooling } from './pooling.js';
import { preprocess, type PreprocessMode } from './preprocess.js';

/**
 * Features of a batch of image files, exactly as `tune extract` computes them: decode and
 * resize, preprocess, the base, pooling, flatten. Used by extract's workers and by predict.
 * Returns the rows (row-major) and the shape of one row's map. Throws InputError on an image.
 */
export async function featuresOf(
  base: ConvBase,
  paths: string[],
  size: number,
  mode: PreprocessMode,
  pooling: Pooling,
): Promise<{ features: Float32Array; featureShape: number[] }> {
  const pixels = new Float32Array(paths.length * size * size * 3);
  await Promise.all(paths.map((path, i) => decodeInto(path, size, pixels, i * size * size * 3)));
  preprocess(pixels, mode);
  const map = pool(await base.run(pixels, paths.length), pooling);
  return { features: map.data, featureShape: map.shape.slice(1) };
}

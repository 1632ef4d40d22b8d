import sharp from 'sharp';
import { InputError, reason } from '../errors.js';

/**
 * Decodes one image file and resizes it to size x size with bilinear interpolation, ignoring
 * the aspect ratio (as Keras' load_img with target_size does). Grey and alpha images become
 * plain RGB. Writes the pixels (0..255, channels last) into `out` at `offset`.
 * Throws InputError when the file cannot be decoded.
 */
export async function decodeInto(path: string, size: number, out: Float32Array, offset: number): Promise<void> {
  let pixels: Buffer;
  try {
    pixels = await sharp(path, { failOn: 'error' }).removeAlpha().toColourspace('srgb').resize(size, size, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
  } catch (err) {
    throw new InputError(path, 'image', `cannot be decoded (${reason(err)})`);
  }
  const expected = size * size * 3;
  if (pixels.length !== expected) {
    throw new InputError(path, 'image', `decoded to ${pixels.length} values, expected ${expected} (RGB ${size}x${size})`);
  }
  for (let i = 0; i < expected; i++) out[offset + i] = pixels[i]!;
}

/** How many image headers are read at once by `checkImages`. */
const HEADER_CONCURRENCY = 16;

/**
 * Reads every image's header before any work starts, so that a file that is not an image
 * fails at once with one line rather than after minutes of extraction. Throws InputError.
 */
export async function checkImages(paths: string[]): Promise<void> {
  for (let i = 0; i < paths.length; i += HEADER_CONCURRENCY) {
    await Promise.all(
      paths.slice(i, i + HEADER_CONCURRENCY).map(async (path) => {
        try {
          const meta = await sharp(path).metadata();
          if (!meta.width || !meta.height) throw new Error('no image size in the header');
        } catch (err) {
          throw new InputError(path, 'image', `cannot be decoded (${reason(err)})`);
        }
      }),
    );
  }
}

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
    pixels = await sharp(path, { failOn: 'error' })
      .removeAlpha()
      .toColourspace('srgb')
      .resize(size, size, { fit: 'fill', kernel: 'linear' })
      .raw()
      .toBuffer();
  } catch (err) {
    throw new InputError(path, 'image', `cannot be decoded (${reason(err)})`);
  }
  const expected = size * size * 3;
  if (pixels.length !== expected) {
    throw new InputError(path, 'image', `decoded to ${pixels.length} values, expected ${expected} (RGB ${size}x${size})`);
  }
  for (let i = 0; i < expected; i++) out[offset + i] = pixels[i]!;
}

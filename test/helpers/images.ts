import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { Rng } from '../../src/random/rng.js';

export type ImageFormat = 'png' | 'jpg' | 'webp';

/**
 * Writes real image files, `dir/<class>/<class>-<i>.<format>`, of seeded smooth colour
 * patterns (each class with its own hue), and returns their paths by class.
 */
export async function writeImageTree(
  dir: string,
  classes: Record<string, number>,
  options: { size?: number; formats?: ImageFormat[]; seed?: number } = {},
): Promise<Record<string, string[]>> {
  const size = options.size ?? 40;
  const formats = options.formats ?? ['png'];
  const rng = new Rng(options.seed ?? 7);
  const written: Record<string, string[]> = {};
  for (const [k, [name, count]] of Object.entries(classes).entries()) {
    mkdirSync(join(dir, name), { recursive: true });
    written[name] = [];
    for (let i = 0; i < count; i++) {
      const format = formats[i % formats.length]!;
      const path = join(dir, name, `${name}-${i}.${format}`);
      await sharp(pattern(size, k, rng), { raw: { width: size, height: size, channels: 3 } })
        .toFormat(format === 'jpg' ? 'jpeg' : format, format === 'png' ? {} : { quality: 95 })
        .toFile(path);
      written[name]!.push(path);
    }
  }
  return written;
}

/** A smooth pattern: gradients and a random blob, tinted per class. */
export function pattern(size: number, classIndex: number, rng: Rng): Buffer {
  const px = Buffer.alloc(size * size * 3);
  const cx = rng.next() * size;
  const cy = rng.next() * size;
  const phase = rng.next() * 6.28;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const blob = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (size * 2));
      const wave = 0.5 + 0.5 * Math.sin((x + y) / 5 + phase);
      const o = (y * size + x) * 3;
      px[o] = Math.round(255 * (classIndex === 0 ? blob : wave * 0.6));
      px[o + 1] = Math.round(255 * (0.3 * wave + 0.4 * blob));
      px[o + 2] = Math.round(255 * (classIndex === 0 ? wave * 0.5 : blob));
    }
  }
  return px;
}

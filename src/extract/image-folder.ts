import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { InputError } from '../errors.js';

/** The image formats tune extract decodes (through sharp). */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'] as const;

export interface LabelledImage {
  path: string;
  label: number;
}

export interface ImageFolder {
  /** Class folder names, sorted; label i is classNames[i]. */
  classNames: string[];
  /** Every image, class by class, files sorted by name within each class. */
  images: LabelledImage[];
}

/**
 * Lists `dir/<class>/<image>`: class folders sorted by name give labels 0..K-1, so the seed's
 * man/woman give 0/1. Hidden entries (a leading dot) are skipped. Throws InputError for a
 * missing or empty folder, a class folder without images, a file with another extension, and
 * a file directly under `dir` (images must sit in class folders).
 */
export function listImageFolder(dir: string): ImageFolder {
  if (!existsSync(dir)) throw new InputError(dir, 'folder', 'does not exist');
  if (!statSync(dir).isDirectory()) throw new InputError(dir, 'folder', 'is a file; expected a folder of class folders');
  const entries = visible(dir);
  for (const name of entries) {
    if (!statSync(join(dir, name)).isDirectory()) {
      throw new InputError(join(dir, name), 'file', `sits outside a class folder; put images in ${dir}/<class>/`);
    }
  }
  if (entries.length === 0) throw new InputError(dir, 'folder', 'is empty; expected one folder per class');
  const classNames = [...entries].sort(byCodePoint);
  const images: LabelledImage[] = [];
  classNames.forEach((className, label) => {
    const classDir = join(dir, className);
    const files = visible(classDir).sort(byCodePoint);
    let count = 0;
    for (const file of files) {
      const path = join(classDir, file);
      if (statSync(path).isDirectory()) continue;
      const ext = extname(file).toLowerCase();
      if (!(IMAGE_EXTENSIONS as readonly string[]).includes(ext)) {
        throw new InputError(path, 'file', `is not an image (extension "${ext || 'none'}"; expected ${IMAGE_EXTENSIONS.join(', ')})`);
      }
      images.push({ path, label });
      count++;
    }
    if (count === 0) throw new InputError(classDir, 'class folder', 'has no images');
  });
  return { classNames, images };
}

function visible(dir: string): string[] {
  return readdirSync(dir).filter((name) => !name.startsWith('.'));
}

/** Locale-independent order, so labels never depend on the machine's language settings. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

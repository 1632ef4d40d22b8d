import { realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { InputError, reason } from '../../errors.js';
import { fileKind } from '../../system/file-kind.js';

/** One group of a model.json's `weightsManifest`: shard files and the weights they hold, in order. */
export interface ManifestGroup {
  paths: string[];
  weights: { name: string; shape: number[]; dtype: string; quantization?: { dtype: string } }[];
}

/** Bytes per value of each dtype tfjs stores (strings have no fixed size). */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/**
 * Checks the shape of a `weightsManifest` value: groups with string paths and weight specs whose
 * names are strings, shapes lists of whole numbers, and dtypes known. Called by readModelJson, so
 * that every loader sees a manifest it can trust the form of. Throws InputError naming the entry.
 */
export function checkManifest(path: string, manifest: unknown): asserts manifest is ManifestGroup[] {
  if (!Array.isArray(manifest)) throw new InputError(path, 'weightsManifest', 'is missing; expected a tfjs Layers or Graph model.json');
  manifest.forEach((group: unknown, g) => {
    const at = `weightsManifest[${g}]`;
    const { paths, weights } = (group ?? {}) as { paths?: unknown; weights?: unknown };
    if (!Array.isArray(paths)) throw new InputError(path, `${at}.paths`, `must be a list of file names, got ${JSON.stringify(paths) ?? 'nothing'}`);
    paths.forEach((p: unknown, i) => {
      if (typeof p !== 'string' || p.length === 0) throw new InputError(path, `${at}.paths[${i}]`, `must be a file name, got ${JSON.stringify(p)}`);
    });
    if (!Array.isArray(weights)) throw new InputError(path, `${at}.weights`, `must be a list of weights, got ${JSON.stringify(weights) ?? 'nothing'}`);
    weights.forEach((w: unknown, i) => checkSpec(path, `${at}.weights[${i}]`, w));
  });
}

function checkSpec(path: string, at: string, w: unknown): void {
  const spec = (w ?? {}) as { name?: unknown; shape?: unknown; dtype?: unknown; quantization?: { dtype?: unknown } };
  if (typeof spec.name !== 'string') throw new InputError(path, `${at}.name`, `must be a string, got ${JSON.stringify(spec.name) ?? 'nothing'}`);
  if (!Array.isArray(spec.shape) || !spec.shape.every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) {
    throw new InputError(path, `${at}.shape`, `must be a list of whole numbers, got ${JSON.stringify(spec.shape) ?? 'nothing'}`);
  }
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  if (typeof dtype !== 'string' || (!(dtype in DTYPE_BYTES) && dtype !== 'string')) {
    throw new InputError(path, `${at}.dtype`, `must be one of ${Object.keys(DTYPE_BYTES).join(', ')}, string, got ${JSON.stringify(dtype) ?? 'nothing'}`);
  }
}

/**
 * The weight files a checked manifest names, resolved beside the model.json at `path`, after
 * proving that each stays inside the model's folder (no absolute path, no `..` out of it, no
 * symbolic link to elsewhere), is a regular file, and that together they hold exactly the bytes
 * the weights' shapes take. Called by every loader before it reads a byte of weights. Throws
 * InputError `<model.json>: weightsManifest[g].paths[i]: <rule>, got "<path>"`.
 */
export function weightFiles(path: string, manifest: ManifestGroup[]): string[] {
  const dir = resolve(dirname(path));
  const realDir = realOf(path, dir);
  let held = 0;
  const files = manifest.flatMap((group, g) =>
    group.paths.map((shard, i) => {
      const at = `weightsManifest[${g}].paths[${i}]`;
      const file = resolve(dir, shard);
      if (isAbsolute(shard) || shard.includes('\0') || !inside(dir, file))
        throw new InputError(path, at, `leaves the model's folder, got ${JSON.stringify(shard)}`);
      let st;
      try {
        st = statSync(file);
      } catch (err) {
        throw new InputError(path, at, `cannot be read (${reason(err)}), got ${JSON.stringify(shard)}`);
      }
      // A link is followed only while it stays in the folder: an archive can carry a link to /etc/passwd.
      if (!inside(realDir, realOf(path, file)))
        throw new InputError(path, at, `leaves the model's folder through a symbolic link, got ${JSON.stringify(shard)}`);
      if (!st.isFile()) throw new InputError(path, at, `is not a regular file (${fileKind(st)}), got ${JSON.stringify(shard)}`);
      held += st.size;
      return file;
    }),
  );
  const need = neededBytes(manifest);
  if (need !== undefined && need !== held) {
    const names = manifest.flatMap((g) => g.paths).join(', ');
    throw new InputError(path, 'weightsManifest', `the weights' shapes take ${need} bytes, but the files hold ${held} (${names})`);
  }
  return files;
}

/** Bytes the manifest's weights take, or undefined when a string weight makes it unknowable. */
function neededBytes(manifest: ManifestGroup[]): number | undefined {
  let total = 0;
  for (const w of manifest.flatMap((g) => g.weights)) {
    const bytes = DTYPE_BYTES[w.quantization?.dtype ?? w.dtype];
    if (bytes === undefined) return undefined;
    total += bytes * w.shape.reduce((a, b) => a * b, 1);
  }
  return total;
}

function inside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel.length > 0 && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

function realOf(path: string, file: string): string {
  try {
    return realpathSync(file);
  } catch (err) {
    throw new InputError(path, 'file', `cannot be read (${reason(err)})`);
  }
}

import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError, reason } from '../errors.js';
import { fileKind } from '../system/file-kind.js';
import { isTuneExport } from './export-metadata.js';

/** Hex digits of the weights' sha256 in a weights file's name: `<stem>.<digest>.weights.bin`. */
const DIGEST_CHARS = 8;

/** Where an export goes, and what of an earlier export there it may remove. */
export interface ExportTarget {
  path: string;
  dir: string;
  /** The model.json's name without `.json`; weights files are named after it. */
  stem: string;
  /** Weights files of an earlier export at `path` that are provably tune's (see provenWeights). */
  earlier: string[];
}

/** The name tune gives a weights file: its stem and the digest of its bytes. */
export function weightsFileName(stem: string, data: Uint8Array): string {
  return `${stem}.${digestOf(data)}.weights.bin`;
}

/**
 * Checks that `path` can take an export without touching anything that is not tune's: it is
 * named; it is absent, or a regular file that `tune best --export` wrote (its marker in
 * userDefinedMetadata). Never writes. Called by `tune best` before the test split is
 * evaluated, and again by the writer just before it writes. Returns the target with the
 * earlier export's provable weights files. Throws InputError for an empty path, anything not
 * a regular file (a directory, a device, a FIFO, a symbolic link), or a model.json of another's.
 */
export function exportTarget(path: string): ExportTarget {
  if (path.trim() === '') throw new InputError('command line', '--export', 'is empty; give the path of the model.json to write');
  const dir = dirname(path);
  const stem = basename(path).replace(/\.json$/, '');
  const st = statOf(path);
  if (!st) return { path, dir, stem, earlier: [] };
  refuseSpecial(path, st);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    json = undefined;
    if (!(err instanceof SyntaxError)) throw new InputError(path, 'file', `cannot be read (${reason(err)})`);
  }
  if (!isTuneExport(json)) {
    throw new InputError(
      path,
      'file',
      'already exists and is not a model that tune exported (no mark of tune in its userDefinedMetadata); remove it yourself or export elsewhere',
    );
  }
  return { path, dir, stem, earlier: provenWeights(dir, stem, json) };
}

/**
 * Throws unless `path` is absent or a regular file; the writer calls it for every file it is
 * about to put in place, since a rename over a link, a device or a directory replaces it.
 */
export function refuseSpecial(path: string, st: Stats | undefined = statOf(path)): void {
  if (!st || st.isFile()) return;
  const link = st.isSymbolicLink() ? ` to ${readlinkSync(path)}` : '';
  throw new InputError(path, 'file', `is ${fileKind(st)}${link}; tune writes only regular files of its own`);
}

/**
 * The weights files an earlier export lists that tune can prove it wrote: a plain name in the
 * same folder of the form `<stem>.<digest>.weights.bin`, a regular file, whose bytes have that
 * digest. Anything else it lists (notes.txt, `..`, a path elsewhere) is not tune's to remove.
 */
export function provenWeights(dir: string, stem: string, json: unknown): string[] {
  const manifest = (json as { weightsManifest?: unknown }).weightsManifest;
  const paths = Array.isArray(manifest) ? manifest.flatMap((g: { paths?: unknown }) => (Array.isArray(g?.paths) ? g.paths : [])) : [];
  const named = new RegExp(`^${escape(stem)}\\.([0-9a-f]{${DIGEST_CHARS}})\\.weights\\.bin$`);
  return [...new Set(paths.filter((p): p is string => typeof p === 'string'))].filter((name) => {
    const digest = named.exec(name)?.[1];
    return digest !== undefined && isOwnWeights(join(dir, name), digest);
  });
}

/** True when `file` is a regular file whose bytes have `digest` (checked again just before removal). */
export function isOwnWeights(file: string, digest = /\.([0-9a-f]+)\.weights\.bin$/.exec(file)?.[1]): boolean {
  const st = statOf(file);
  if (!st?.isFile() || digest === undefined) return false;
  try {
    return digestOf(readFileSync(file)) === digest;
  } catch {
    return false;
  }
}

function statOf(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    throw new InputError(path, 'file', `cannot be written (${reason(err)})`);
  }
}

function digestOf(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex').slice(0, DIGEST_CHARS);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

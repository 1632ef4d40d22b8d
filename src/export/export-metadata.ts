import type { FeatureMeta } from '../data/feature-meta.js';
import { InputError } from '../errors.js';
import { POOLINGS } from '../extract/pooling.js';
import { PREPROCESS_MODES } from '../extract/preprocess.js';

/**
 * The mark an export carries in `userDefinedMetadata.tune.exportedBy`: with weights files named
 * by their own digest, it is how a later export proves which files in the folder are its own.
 */
export const EXPORT_MARKER = 'tune best --export';

/** The largest input an export may name: `tune extract --size` takes no more (extract-command.ts). */
export const MAX_INPUT_SIZE = 4096;

/** What an exported model carries in `userDefinedMetadata.tune`, for `tune predict`. */
export interface ExportMetadata {
  study: string;
  trial: number;
  values: Record<string, unknown>;
  score: number;
  objective: string;
  classNames: string[];
  /** How the training features were made (from the train split's HDF5 attributes). */
  features: FeatureMeta;
  /** Set on a model that `tune best --refit` trained again on train+valid: its epochs and rows. */
  refit?: { epochs: number; rows: number };
  /** EXPORT_MARKER; absent from exports written before it existed. */
  exportedBy?: string;
}

/** True when a parsed model.json says that `tune best --export` wrote it. */
export function isTuneExport(json: unknown): boolean {
  const j = (json ?? {}) as { convertedBy?: unknown; userDefinedMetadata?: { tune?: { exportedBy?: unknown; study?: unknown } } };
  const tune = j.userDefinedMetadata?.tune;
  if (typeof tune !== 'object' || tune === null) return false;
  // Exports made before the marker existed carry convertedBy "tune" and the study's name.
  return tune.exportedBy === EXPORT_MARKER || (j.convertedBy === 'tune' && typeof tune.study === 'string');
}

/**
 * The `userDefinedMetadata.tune` of a model.json read from `path`, checked field by field, since
 * a hand-edited file decides image sizes and code paths of `tune predict`, which calls it.
 * Throws InputError `<path>: userDefinedMetadata.tune.<field>: <rule>, got <value>`.
 */
export function readExportMetadata(path: string, json: Record<string, unknown>): ExportMetadata {
  const at = 'userDefinedMetadata.tune';
  const meta = (json['userDefinedMetadata'] as { tune?: unknown } | undefined)?.tune as Partial<ExportMetadata> | undefined;
  if (typeof meta !== 'object' || meta === null || typeof meta.features !== 'object' || meta.features === null) {
    throw new InputError(path, at, 'is missing; export the model with `tune best --export`');
  }
  if (!Array.isArray(meta.classNames) || !meta.classNames.every((c) => typeof c === 'string')) {
    throw new InputError(path, `${at}.classNames`, `must be a list of class names, got ${show(meta.classNames)}`);
  }
  const f = meta.features as Record<string, unknown>;
  const where = `${at}.features`;
  for (const key of ['base', 'layer'] as const) {
    if (f[key] !== undefined && (typeof f[key] !== 'string' || f[key] === ''))
      throw new InputError(path, `${where}.${key}`, `must be a name, got ${show(f[key])}`);
  }
  const size = f['inputSize'];
  if (size !== undefined && !(Number.isInteger(size) && (size as number) >= 1 && (size as number) <= MAX_INPUT_SIZE)) {
    throw new InputError(path, `${where}.inputSize`, `must be a whole number of pixels from 1 to ${MAX_INPUT_SIZE}, got ${show(size)}`);
  }
  oneOf(path, `${where}.pooling`, f['pooling'], POOLINGS);
  oneOf(path, `${where}.preprocessing`, f['preprocessing'], PREPROCESS_MODES);
  return meta as ExportMetadata;
}

function oneOf(path: string, where: string, value: unknown, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value as string)) throw new InputError(path, where, `must be one of ${allowed.join(', ')}, got ${show(value)}`);
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? 'nothing';
}

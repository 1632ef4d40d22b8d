import { lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ConcreteModel } from '../engine/model-spec.js';
import { InputError, writeFailure } from '../errors.js';
import { placeFile } from '../system/place-file.js';
import type { StoredWeights } from '../domain/weights.js';
import { EXPORT_MARKER, type ExportMetadata } from './export-metadata.js';
import { refuseSpecial } from './export-target.js';
import { exportLayersModel } from './tfjs-layers.js';

/** `format` of an ensemble.json: what tells `tune predict` it is not a tfjs model.json. */
export const ENSEMBLE_FORMAT = 'tune-ensemble';
/** An ensemble's members live in these folders beside it, one per trial: `trial-<number>/model.json`. */
const MEMBER = /^trial-(\d+)\/model\.json$/;

/** An ensemble.json: its members' model.json paths (relative to it) and how they vote. */
export interface EnsembleFile {
  format: typeof ENSEMBLE_FORMAT;
  exportedBy: typeof EXPORT_MARKER;
  /** The mean of the members' class probabilities: the only vote there is. */
  combine: 'mean';
  study: string;
  members: { trial: number; model: string; score: number }[];
  classNames: string[];
}

/** One trial of the top models, ready to export. */
export interface EnsembleMember {
  model: ConcreteModel;
  weights: StoredWeights;
  metadata: ExportMetadata;
}

/**
 * Writes each member as a tfjs Layers model in `DIR/trial-<n>/model.json` (exportLayersModel,
 * with its safety rules), then `DIR/ensemble.json`, last, through a temporary file and a
 * rename, so that an ensemble.json only ever names members that are in place. Called by
 * `tune best --top K --export DIR/`. Throws InputError for a place it cannot or may not write
 * (an ensemble.json that tune did not write is never replaced).
 */
export async function exportEnsemble(dir: string, members: EnsembleMember[]): Promise<string> {
  const path = join(dir, 'ensemble.json');
  checkEnsembleTarget(path);
  for (const m of members) await exportLayersModel(join(dir, `trial-${m.metadata.trial}`, 'model.json'), m.model, m.weights, m.metadata);
  const first = members[0]!.metadata;
  const file: EnsembleFile = {
    format: ENSEMBLE_FORMAT,
    exportedBy: EXPORT_MARKER,
    combine: 'mean',
    study: first.study,
    members: members.map((m) => ({ trial: m.metadata.trial, model: `trial-${m.metadata.trial}/model.json`, score: m.metadata.score })),
    classNames: first.classNames,
  };
  try {
    mkdirSync(dir, { recursive: true });
    placeFile(path, `${JSON.stringify(file, null, 2)}\n`, () => refuseSpecial(path));
  } catch (err) {
    throw writeFailure(path, err);
  }
  return path;
}

/** Throws InputError unless `path` is absent or an ensemble.json that tune wrote. Never writes. */
export function checkEnsembleTarget(path: string): void {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (st === undefined) return;
  refuseSpecial(path, st);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    json = undefined;
  }
  if (!isEnsemble(json) || (json as { exportedBy?: unknown }).exportedBy !== EXPORT_MARKER)
    throw new InputError(path, 'file', 'already exists and is not an ensemble that tune exported; remove it yourself or export elsewhere');
}

/** True when a parsed JSON file says it is an ensemble.json. */
export function isEnsemble(json: unknown): boolean {
  return typeof json === 'object' && json !== null && (json as { format?: unknown }).format === ENSEMBLE_FORMAT;
}

/**
 * The members' model.json paths of an ensemble.json read from `path`, checked: at least one,
 * each of the form `trial-<n>/model.json` beside the ensemble (never a path elsewhere, which a
 * hand-edited file could name). Called by `tune predict`. Throws InputError naming the field.
 */
export function ensembleMembers(path: string, json: unknown): string[] {
  const members = (json as { members?: unknown }).members;
  if (!Array.isArray(members) || members.length === 0) throw new InputError(path, 'members', `must list the ensemble's models, got ${JSON.stringify(members)}`);
  return members.map((m: unknown, i) => {
    const model = (m as { model?: unknown } | null)?.model;
    if (typeof model !== 'string' || !MEMBER.test(model))
      throw new InputError(path, `members[${i}].model`, `must be trial-<number>/model.json beside the ensemble, got ${JSON.stringify(model)}`);
    return join(dirname(path), model);
  });
}

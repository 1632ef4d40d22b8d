import { lstatSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ConcreteModel } from '../engine/model-spec.js';
import { InputError, writeFailure } from '../errors.js';
import { makeFolders } from '../system/make-folders.js';
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
  const folders = members.map((m) => memberFolder(dir, m.metadata.trial));
  // The folders this export makes are removed again if it fails; earlier ones keep their whole models.
  const made = folders.filter((f) => lstatSync(f, { throwIfNoEntry: false }) === undefined);
  try {
    for (const [i, m] of members.entries()) await exportLayersModel(join(folders[i]!, 'model.json'), m.model, m.weights, m.metadata);
  } catch (err) {
    for (const f of made) rmSync(f, { recursive: true, force: true });
    throw err;
  }
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
    makeFolders(dir);
    placeFile(path, `${JSON.stringify(file, null, 2)}\n`, () => refuseSpecial(path));
  } catch (err) {
    throw writeFailure(path, err);
  }
  return path;
}

/**
 * A member's folder under the export folder, checked: absent, or a folder and not a link, since
 * a link would carry the member's files out of the folder the user named.
 */
function memberFolder(dir: string, trial: number): string {
  const folder = join(dir, `trial-${trial}`);
  const st = lstatSync(folder, { throwIfNoEntry: false });
  if (st?.isSymbolicLink()) throw new InputError(folder, 'file', "is a symbolic link; tune writes an ensemble's members only into folders of their own");
  if (st && !st.isDirectory()) throw new InputError(folder, 'file', 'exists and is not a folder; tune will not replace it');
  return folder;
}

/** Throws InputError unless `path` is absent or an ensemble.json that tune wrote. Never writes. */
export function checkEnsembleTarget(path: string): void {
  const dir = dirname(path);
  const above = lstatSync(dir, { throwIfNoEntry: false });
  if (above && !statSync(dir).isDirectory()) throw new InputError(dir, 'file', 'is not a folder; --top K exports into a folder (DIR/)');
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
    const member = join(dirname(path), model);
    // A link in place of the folder or the file would read a model from anywhere.
    const links = [dirname(member), member].filter((p) => lstatSync(p, { throwIfNoEntry: false })?.isSymbolicLink());
    if (links.length > 0)
      throw new InputError(path, `members[${i}].model`, `must not go through a symbolic link, got ${JSON.stringify(model)} (${links[0]} is one)`);
    return member;
  });
}

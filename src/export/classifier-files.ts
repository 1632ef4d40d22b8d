import { readFileSync, statSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { InputError } from '../errors.js';
import { readModelJson, type ModelJson } from '../extract/bases/model-files.js';
import { ensembleMembers, isEnsemble } from './ensemble.js';
import { readExportMetadata, type ExportMetadata } from './export-metadata.js';

/** One classifier that `tune predict` runs: its model.json, parsed, and the metadata tune wrote in it. */
export interface ClassifierFile {
  path: string;
  json: ModelJson;
  meta: ExportMetadata;
}

/**
 * The classifiers behind `--model`: the one model.json, or each member of an ensemble.json.
 * An ensemble's members must have been trained on the same features and classes, since one
 * pass of the base feeds them all and one list of names reads their vote; a member that
 * differs is refused by its index. Throws InputError for a file that is neither.
 */
export function classifierFiles(path: string): ClassifierFile[] {
  const parsed = peekJson(path);
  if (!isEnsemble(parsed)) {
    const json = readModelJson(path);
    return [{ path, json, meta: readExportMetadata(path, json as unknown as Record<string, unknown>) }];
  }
  const files = ensembleMembers(path, parsed).map((member) => {
    const json = readModelJson(member);
    return { path: member, json, meta: readExportMetadata(member, json as unknown as Record<string, unknown>) };
  });
  const first = files[0]!.meta;
  files.forEach(({ meta }, i) => {
    if (!isDeepStrictEqual(meta.features, first.features) || !isDeepStrictEqual(meta.classNames, first.classNames))
      throw new InputError(path, `members[${i}]`, `was trained on other features or classes than members[0] (${JSON.stringify(meta.features)})`);
  });
  return files;
}

/**
 * The file parsed as JSON, or undefined when it is not a regular file of JSON (readModelJson
 * then says why). Only a regular file is read: a FIFO would block.
 */
function peekJson(path: string): unknown {
  try {
    if (!statSync(path).isFile()) return undefined;
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeTinyGraphModel } from '../helpers/graph-model.js';
import { writeImageTree } from '../helpers/images.js';
import { tinySpace, writeSpace } from '../helpers/tiny-study.js';
import { tune } from '../helpers/tune.js';

/** Images per split of the fixture study: few, so that the whole study is made in seconds. */
const IMAGES = { train: 16, valid: 8, test: 8 } as const;
/** Pixels of the images and of the base's input: the tiny graph base works at any size. */
const SIZE = 8;

/**
 * Makes, in `dir`, a finished study whose every path is relative, so that the folder can be
 * copied into each case's own: `graph/` (a tiny tfjs Graph base), `images/<split>/<class>/`,
 * `<split>.hdf5` extracted through that base, `space.json`, `trials.db` and the export
 * `out/model.json` with its weights file, written by the `tune` under test.
 */
export async function writeFilesStudy(dir: string): Promise<void> {
  mkdirSync(join(dir, 'graph'), { recursive: true });
  writeTinyGraphModel(join(dir, 'graph'));
  for (const [split, n] of Object.entries(IMAGES)) {
    await writeImageTree(join(dir, 'images', split), { cat: n / 2, dog: n / 2 }, { size: SIZE * 2, seed: n + split.length });
    const extract = tune(
      [
        'extract',
        `images/${split}`,
        `${split}.hdf5`,
        '--base',
        'graph/model.json',
        '--layer',
        'pool',
        '--size',
        String(SIZE),
        '--pool',
        'avg',
        '--workers',
        '1',
      ],
      dir,
    );
    assert.equal(extract.code, 0, extract.stderr);
  }
  writeSpace(dir, tinySpace('.', { max_trials: 2, epochs: 2 }));
  const run = tune(['run', 'space.json', '--no-tui'], dir);
  assert.equal(run.code, 0, run.stderr);
  const best = tune(['best', '--export', 'out/model.json'], dir);
  assert.equal(best.code, 0, best.stderr);
}

/** Copies the fixture study into a case's folder, with an `outside/` folder of secrets beside it. */
export function copyStudy(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
  mkdirSync(join(to, 'outside'), { recursive: true });
  writeFileSync(join(to, 'outside', 'secret.txt'), "not tune's\n");
}

/** A tfjs model.json as a plain object, to tamper with. */
export interface ModelJsonFile {
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
  userDefinedMetadata?: { tune?: { features?: Record<string, unknown> } & Record<string, unknown> };
  [key: string]: unknown;
}

/** Reads `path`, lets `edit` change it, and writes it back. */
export function tamper(path: string, edit: (json: ModelJsonFile) => void): ModelJsonFile {
  const json = JSON.parse(readFileSync(path, 'utf8')) as ModelJsonFile;
  edit(json);
  writeFileSync(path, JSON.stringify(json));
  return json;
}

/** The weights file names that the export `out/model.json` in `dir` lists. */
export function exportedBins(dir: string): string[] {
  const json = JSON.parse(readFileSync(join(dir, 'out', 'model.json'), 'utf8')) as ModelJsonFile;
  return json.weightsManifest.flatMap((g) => g.paths);
}

/** One test image of the fixture study, relative to the folder. */
export const IMAGE = 'images/test/cat/cat-0.png';

/**
 * The study's own shapes, measured from its files, for the floor: non-zeros per row of the
 * actual training and validation features, the inputs that are non-zero in some training row,
 * and the first-layer width and optimizer of every value set of the space. Also the training
 * split cut into batches, each stored by columns, for the C probe to walk as the engine does.
 */
import { join } from 'node:path';
import { readFeatures } from '../src/data/read-features.js';
import { concreteModel, InvalidValues } from '../src/engine/model-spec.js';
import { Rng } from '../src/random/rng.js';
import { readSpaceFile } from '../src/space/parse-space.js';
import type { Values } from '../src/space/hyperparameter.js';
import type { UpdateKind } from './floor-model.js';

/** Value sets taken when a space is too large (or continuous) to list. */
const SAMPLED_SETS = 1000;
/** A space is listed whole up to this many value sets. */
const ENUMERATE_LIMIT = 10_000;

/** The training split by batches, each stored by columns (CSC), as the probe reads it. */
export interface BatchColumns {
  blocks: number;
  dim: number;
  /** blocks x (dim + 1) offsets, absolute. */
  colOffsets: Int32Array;
  /** Row of each non-zero, relative to its batch. */
  rowIndex: Int32Array;
  values: Float32Array;
  blockRows: Int32Array;
}

export interface SpaceWidths {
  /** How many value sets the widths come from, and whether that is all of the space's. */
  valueSets: number;
  wholeSpace: boolean;
  /** True when they are the value sets of a study's trials. */
  fromTrials?: boolean;
  /** The first dense layer's width and the update kind of each value set. */
  members: { width: number; kind: UpdateKind }[];
}

function columns(data: Float32Array, rows: number, dim: number, batch: number): BatchColumns {
  let nonZeros = 0;
  for (const x of data) if (x !== 0) nonZeros++;
  const blocks = Math.ceil(rows / batch);
  const colOffsets = new Int32Array(blocks * (dim + 1));
  const rowIndex = new Int32Array(nonZeros);
  const values = new Float32Array(nonZeros);
  const blockRows = new Int32Array(blocks);
  let at = 0;
  for (let b = 0; b < blocks; b++) {
    const begin = b * batch;
    const end = Math.min(rows, begin + batch);
    blockRows[b] = end - begin;
    const base = b * (dim + 1);
    for (let d = 0; d < dim; d++) {
      colOffsets[base + d] = at;
      for (let r = begin; r < end; r++) {
        const x = data[r * dim + d]!;
        if (x === 0) continue;
        rowIndex[at] = r - begin;
        values[at++] = x;
      }
    }
    colOffsets[base + dim] = at;
  }
  return { blocks, dim, colOffsets, rowIndex, values, blockRows };
}

/** Non-zeros per row (mean, least, most), their total, and the inputs non-zero in some row. */
function sparsity(data: Float32Array, rows: number, dim: number): { nonZeros: number; perRow: { mean: number; min: number; max: number }; liveInputs: number } {
  const live = new Uint8Array(dim);
  let nonZeros = 0;
  let min = Infinity;
  let max = 0;
  for (let r = 0; r < rows; r++) {
    let count = 0;
    for (let d = 0; d < dim; d++) {
      if (data[r * dim + d] === 0) continue;
      count++;
      live[d] = 1;
    }
    nonZeros += count;
    min = Math.min(min, count);
    max = Math.max(max, count);
  }
  return { nonZeros, perRow: { mean: nonZeros / rows, min, max }, liveInputs: live.reduce((a, b) => a + b, 0) };
}

function updateKind(optimizer: { name: string; momentum: number }): UpdateKind {
  if (optimizer.name === 'sgd') return optimizer.momentum > 0 ? 'momentum' : 'sgd';
  return optimizer.name as UpdateKind;
}

/**
 * The first-layer width and update kind of every value set of the space (or of a sample), or,
 * given `trials`, of the value sets a study ran (random search's trials, for one, are narrower
 * on average than the space's value sets, and a floor at the space's widths would flatter it).
 */
export function spaceWidths(spacePath: string, dim: number, trials?: readonly Values[]): SpaceWidths {
  const spec = readSpaceFile(spacePath);
  const listed = trials ? undefined : spec.space.enumerate(ENUMERATE_LIMIT);
  const rng = new Rng(0);
  const sets: readonly Values[] = trials ?? listed ?? Array.from({ length: SAMPLED_SETS }, () => spec.space.sample(rng));
  const members = sets.flatMap((values) => {
    try {
      const model = concreteModel(spec.model, spec.compile, values, dim);
      const first = model.layers.find((l) => l.kind === 'dense');
      return first?.kind === 'dense' ? [{ width: first.units, kind: updateKind(model.optimizer) }] : [];
    } catch (err) {
      if (err instanceof InvalidValues) return [];
      throw err;
    }
  });
  if (members.length === 0) throw new Error(`${spacePath}: no value set builds a model with a dense first layer`);
  return { valueSets: members.length, wholeSpace: listed !== undefined, ...(trials ? { fromTrials: true } : {}), members };
}

/** Everything the floor needs from DIR/train.hdf5 and DIR/valid.hdf5 at this batch size. */
export async function studyData(dir: string, batch: number) {
  const train = await readFeatures(join(dir, 'train.hdf5'));
  const valid = await readFeatures(join(dir, 'valid.hdf5'));
  const t = sparsity(train.data, train.rows, train.dim);
  const v = sparsity(valid.data, valid.rows, valid.dim);
  return {
    shape: {
      trainRows: train.rows,
      validRows: valid.rows,
      dim: train.dim,
      batch,
      liveInputs: t.liveInputs,
      trainNonZeros: t.nonZeros,
      validNonZeros: v.nonZeros,
    },
    nonZerosPerRow: { train: t.perRow, valid: v.perRow, zeroShare: 1 - t.nonZeros / (train.rows * train.dim) },
    batches: columns(train.data, train.rows, train.dim, batch),
  };
}

import { sharedFloat32, sharedInt32 } from '../data/feature-set.js';
import type { StudyFolds } from '../domain/folds.js';

/** A split as the pack trains on it (the fields of pool's SharedSplit). */
export interface JoinedSplit {
  data: Float32Array;
  labels: Int32Array;
  rows: number;
  dim: number;
}

/**
 * What a worker needs to train a cross-validated trial, in shared memory, made once per run:
 * per fold (0-based), the weight of every row of train+valid when that fold is held out (0 on
 * its own rows, 1 elsewhere: the engine leaves weight-0 rows out of their batches), and the
 * fold's rows, over which its members' val metrics are computed.
 */
export interface FoldHooks {
  k: number;
  trainWeights: Float32Array[];
  validRows: Int32Array[];
}

/** Train's rows, then valid's, in one split in shared memory: what cross-validation folds. */
export function joinSplits(train: JoinedSplit, valid: JoinedSplit): JoinedSplit {
  const rows = train.rows + valid.rows;
  const data = sharedFloat32(rows * train.dim);
  data.set(train.data.subarray(0, train.rows * train.dim));
  data.set(valid.data.subarray(0, valid.rows * valid.dim), train.rows * train.dim);
  const labels = sharedInt32(rows);
  labels.set(train.labels.subarray(0, train.rows));
  labels.set(valid.labels.subarray(0, valid.rows), train.rows);
  return { data, labels, rows, dim: train.dim };
}

/** The hooks of `folds` over `rows` rows (train+valid). */
export function foldHooks(folds: StudyFolds, rows: number): FoldHooks {
  const trainWeights = folds.folds.map((f) => {
    const weights = sharedFloat32(rows).fill(1);
    for (const row of f.rows) weights[row] = 0;
    return weights;
  });
  const validRows = folds.folds.map((f) => {
    const shared = sharedInt32(f.rows.length);
    shared.set(f.rows);
    return shared;
  });
  return { k: folds.folds.length, trainWeights, validRows };
}

/**
 * A cross-validated trial trains executions x k members, execution 1's k folds first, member m
 * (0-based) on fold m % k; it is stored as execution m + 1 of the trial's epochs. These name its place.
 */
export function memberPlace(member: number, k: number): { execution: number; fold: number } {
  return { execution: Math.floor(member / k) + 1, fold: (member % k) + 1 };
}

/**
 * The folds of a study's cross-validation, as storage records them: made once from the study's
 * seed over train and valid joined (train rows first, then valid rows), the same for every
 * trial. Each fold keeps its rows so that anyone can check that the folds are disjoint and
 * cover the data; `sha256` is the digest of its rows written in decimal, ascending, joined by
 * commas (foldDigest), so that a copy can be checked without them.
 */
export interface StudyFolds {
  /** The study seed the folds were drawn from. */
  readonly seed: number;
  readonly stratified: boolean;
  /** Fold 1 first. */
  readonly folds: readonly FoldRows[];
}

export interface FoldRows {
  /** 1-based. */
  readonly fold: number;
  readonly count: number;
  readonly sha256: string;
  /** Its row indices into train+valid, ascending. */
  readonly rows: Int32Array;
}

/**
 * One member of a cross-validated trial: execution `execution` trained on every fold but
 * `fold` and validated on it; `score` is its best objective value, at `bestEpoch`.
 */
export interface FoldScore {
  readonly execution: number;
  readonly fold: number;
  readonly score: number;
  readonly bestEpoch: number;
}

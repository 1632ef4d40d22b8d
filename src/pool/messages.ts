import type { MessagePort } from 'node:worker_threads';
import type { BackendName } from '../engine/backend.js';
import type { SparseBlocks } from '../engine/native/sparse.js';
import type { Values } from '../space/hyperparameter.js';
import type { CompileSpec, EarlyStopping, LayerSpec } from '../space/study-spec.js';
import type { Checkpoint, StoredWeights } from '../domain/weights.js';
import type { EpochMetrics } from '../domain/trial.js';

export const ENGINES = ['auto', 'native', 'tfjs'] as const;
export type EngineName = (typeof ENGINES)[number];

/** A split in shared memory: posting it to a worker shares the buffers, never copies them. */
export interface SharedSplit {
  data: Float32Array;
  labels: Int32Array;
  rows: number;
  dim: number;
}

/**
 * Trials for one worker to train together (a pack): plain, serialisable data. Everything but
 * `trials` is the study's and the same for every trial in it.
 */
export interface PackTask {
  /** Identifies the data, so a worker builds its tensors once and reuses them. */
  dataKey: string;
  backend: BackendName;
  /** native: the sparse native kernels (an error when they cannot run the trial); tfjs; auto: native where it can. */
  engine: EngineName;
  train: SharedSplit;
  valid: SharedSplit;
  /** Both splits as sparse rows in shared memory, made once by the study for the native engine. */
  sparse?: { train: SparseBlocks; valid: SparseBlocks };
  model: LayerSpec[];
  compile: CompileSpec;
  earlyStopping?: EarlyStopping;
  batchSize: number;
  objective: keyof EpochMetrics;
  direction: 'max' | 'min';
  trials: TrialTask[];
}

/** One trial of a pack. */
export interface TrialTask {
  values: Values;
  number: number;
  executions: number;
  /** Epochs already trained by the checkpoints in `resume` (0 for a fresh trial). */
  initialEpoch: number;
  /** The epoch to train up to; epochs are numbered initialEpoch + 1 ... epochs. */
  epochs: number;
  /** Per execution, the state to continue from (a promoted Hyperband trial). */
  resume?: Checkpoint[];
  /** Return each execution's checkpoint at its best epoch (a trial that may be promoted). */
  checkpoint: boolean;
  /**
   * Per execution, the rows it learns from and is judged on (ExecutionSettings' trainWeights
   * and validRows: a cross-validation fold); absent, or a field absent: every row.
   */
  rows?: ExecutionRows[];
  /** Seed of the trial's first execution; execution k uses seed + k. */
  seed: number;
  /**
   * Set when the study prunes: the study's verdicts on this trial, in shared memory. Cell
   * DECIDED holds the last epoch the study has judged, cell PRUNED the epoch it pruned the trial
   * at (0: not pruned). The worker waits on DECIDED at each epoch end (bounded by
   * VERDICT_WAIT_MS), so a pruned trial stops at the epoch it was judged at.
   */
  verdict?: Int32Array;
  /**
   * Where the worker posts the trial's EpochMessages, then its TrialEnd as soon as the trial
   * is done (its pack mates may train on), then null once nothing more will come.
   */
  port: MessagePort;
}

/** One execution's own rows: typed arrays, posted to the worker with its task. */
export interface ExecutionRows {
  trainWeights?: Float32Array;
  validRows?: Int32Array;
}

/** How a trial of a pack ended: its outcome (`pruned`: the epoch the study's pruner stopped it at), or the error that failed it alone. */
export type TrialEnd = { outcome: TrialOutcome; pruned?: number } | { error: string };

/** The cells of a TrialTask's verdict. */
export const VERDICT = { DECIDED: 0, PRUNED: 1, CELLS: 2 } as const;
/** How long a worker waits for a verdict before it trains on (the main thread being busy); a later verdict still stops it. */
export const VERDICT_WAIT_MS = 2000;

export interface EpochMessage {
  execution: number;
  epoch: number;
  metrics: EpochMetrics;
}

export interface TrialOutcome {
  /** Mean over executions of each execution's best objective value (KerasTuner's rule). */
  score: number;
  /** The best epoch of the best execution, whose weights are returned. */
  bestEpoch: number;
  weights: StoredWeights;
  executions: { best: number; bestEpoch: number }[];
  /** Each execution's checkpoint at its best epoch, when the task asked for them. */
  checkpoints?: Checkpoint[];
}

import type { MessagePort } from 'node:worker_threads';
import type { BackendName } from '../engine/backend.js';
import type { SparseBlocks } from '../engine/native/sparse.js';
import type { Values } from '../space/hyperparameter.js';
import type { CompileSpec, EarlyStopping, LayerSpec } from '../space/study-spec.js';
import type { Checkpoint, StoredWeights } from '../storage/storage.js';
import type { EpochMetrics } from '../study/trial.js';

export const ENGINES = ['auto', 'native', 'tfjs'] as const;
export type EngineName = (typeof ENGINES)[number];

/** A split in shared memory: posting it to a worker shares the buffers, never copies them. */
export interface SharedSplit {
  data: Float32Array;
  labels: Int32Array;
  rows: number;
  dim: number;
}

/** One trial for a worker: plain, serialisable data. */
export interface TrialTask {
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
  earlyStopping?: EarlyStopping;
  batchSize: number;
  objective: keyof EpochMetrics;
  direction: 'max' | 'min';
  /** Seed of the trial's first execution; execution k uses seed + k. */
  seed: number;
  /** Where the worker posts its EpochMessages. */
  port: MessagePort;
}

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

import { BASE_METRICS, COMPILE_METRICS, type MetricName } from '../domain/metrics.js';
import type { ClassWeight } from './class-weight.js';
import type { PrunerSpec } from '../pruners/pruner.js';
import type { Space } from './space.js';
import type { Condition, Values } from './hyperparameter.js';

/** `"$name"` in the model or compile section: the value of hyperparameter `name`. */
export interface Ref {
  ref: string;
}
export type Param<T> = T | Ref;

export const ACTIVATIONS = ['relu', 'sigmoid', 'softmax', 'tanh', 'linear', 'elu', 'selu', 'gelu', 'swish'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/**
 * A layer of the model. `repeat` builds it that many times (KerasTuner's
 * `for i in range(hp.Int("num_layers", ...))`); `{i}` in a `$name` is the repetition's index,
 * so `"$units_{i}"` reads units_0, units_1, ...
 */
export type LayerSpec =
  | { kind: 'dense'; units: Param<number>; activation: Param<Activation>; if?: LayerIf; repeat?: Param<number> }
  | { kind: 'dropout'; rate: Param<number>; if?: LayerIf; repeat?: Param<number> };

/**
 * A layer's `if`: a boolean's name (built when it is true), or a condition in the form of
 * `when` (built when every parent holds one of its listed values, KerasTuner's
 * `conditional_scope`).
 */
export type LayerIf = string | Condition;

/** The `if` as a condition: a boolean's name is `{name: [true]}`. */
export function ifCondition(cond: LayerIf): Condition {
  return typeof cond === 'string' ? { [cond]: [true] } : cond;
}

/** True when a layer is built for these values (no `if`, or every condition of it holds). */
export function layerBuilt(layer: LayerSpec, values: Values): boolean {
  if (layer.if === undefined) return true;
  return Object.entries(ifCondition(layer.if)).every(([name, allowed]) => values[name] !== undefined && allowed.some((a) => a === values[name]));
}

/** The `$name`s a layer reads (with `{i}` still in them). */
export function layerRefs(layer: LayerSpec): string[] {
  const params: Param<unknown>[] = layer.kind === 'dense' ? [layer.units, layer.activation] : [layer.rate];
  return params.flatMap((p) => (typeof p === 'object' && p !== null && 'ref' in p ? [(p as Ref).ref] : []));
}

export const OPTIMIZERS = ['rmsprop', 'adam', 'sgd'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export const LOSSES = ['binary_crossentropy', 'sparse_categorical_crossentropy'] as const;
export type LossName = (typeof LOSSES)[number];

export interface CompileSpec {
  loss: LossName;
  /** momentum: sgd's (Keras' SGD(momentum=...)); the other optimizers take none. */
  optimizer: { name: Param<OptimizerName>; learningRate?: Param<number>; momentum?: Param<number> };
  metrics: string[];
  /** Keras' class_weight, or a hyperparameter choosing one (see class-weight.ts). */
  classWeight?: Param<string> | ClassWeight;
  /** The k of top-k accuracy (capped below the class count when it is computed). */
  topK?: number;
}

export const ORACLES = ['random', 'grid', 'bayesian', 'tpe', 'hyperband'] as const;
export type OracleName = (typeof ORACLES)[number];

export interface TunerSpec {
  oracle: OracleName;
  objective: string;
  direction: 'max' | 'min';
  maxTrials: number;
  executionsPerTrial: number;
  epochs: number;
  batchSize: number;
  /** Rows per evaluation batch; the seed's 34. Results do not depend on it. */
  validationBatchSize: number;
  seed: number;
  /** The run stops after this many failed trials in a row. */
  maxConsecutiveFailedTrials: number;
  /** The run stops after this many trials in a row whose values build no model. */
  maxConsecutiveInvalidTrials: number;
  /** A trial whose attempt fails is run again this many times before it counts as failed. */
  maxRetriesPerTrial: number;
  /** Stops an execution early, like Keras' EarlyStopping callback. */
  earlyStopping?: EarlyStopping;
  /** Hyperband's max_epochs; when absent, the study's `epochs`. */
  maxEpochs?: number;
  /** Hyperband's reduction factor (KerasTuner's default 3). */
  factor: number;
  /** Hyperband's hyperband_iterations (KerasTuner's default 1). */
  hyperbandIterations: number;
  /** How many of the best trials keep their weights, for `tune best` and its exports. */
  keepWeights: number;
  /** Value sets that run first, queued when the study is created (checked against the space). */
  enqueue?: Values[];
  /** Seconds after which a run starts no more trials; those running finish. */
  timeout?: number;
  /** Ends the study early on a rule of its own. */
  stopWhen?: StopWhen;
  /** Stops poor trials early against the others (Optuna's pruners); kind 'none' by default. */
  pruner: PrunerSpec;
  /** k-fold cross-validation over train and valid joined (src/folds/); absent: the plain split. */
  crossValidation?: CrossValidation;
}

/** `cross_validation`: train+valid split into `folds` folds, each class's share kept in every fold when `stratified`. */
export interface CrossValidation {
  folds: number;
  stratified: boolean;
}

/** `stop_when`: the study ends when the best score has not improved for `patienceTrials` scored trials. */
export interface StopWhen {
  patienceTrials: number;
}

/** Keras' EarlyStopping: stop when `monitor` has not improved by `minDelta` for `patience` epochs. */
export interface EarlyStopping {
  monitor: MetricName;
  patience: number;
  minDelta: number;
  direction: 'max' | 'min';
}

/** Everything a space file says, checked. */
export interface StudySpec {
  name: string;
  data: { train: string; valid: string; test: string };
  space: Space;
  model: LayerSpec[];
  compile: CompileSpec;
  tuner: TunerSpec;
  /** The file's JSON, stored with the study to detect a changed space on resume. */
  source: unknown;
}

/** Defaults of the space file's `tuner` section (KerasTuner's, where it has one). */
export const TUNER_DEFAULTS = {
  oracle: 'bayesian' as OracleName,
  objective: 'val_accuracy',
  maxTrials: 10,
  executionsPerTrial: 1,
  epochs: 10,
  batchSize: 32,
  validationBatchSize: 34,
  seed: 0,
  maxConsecutiveFailedTrials: 3,
  maxConsecutiveInvalidTrials: 100,
  maxRetriesPerTrial: 0,
  factor: 3,
  hyperbandIterations: 1,
  keepWeights: 5,
};

/** compile.top_k's default (Keras' TopKCategoricalAccuracy takes 5). */
export const DEFAULT_TOP_K = 5;

/** The metrics every epoch of a study with this compile section records: loss and accuracy, train and val, and the class metrics it asks for. */
export function recordedMetrics(compile: CompileSpec): MetricName[] {
  return [...BASE_METRICS, ...compile.metrics.flatMap((m) => (COMPILE_METRICS[m] ? [COMPILE_METRICS[m]] : []))];
}

/** Keras' default learning rates. */
export const DEFAULT_LEARNING_RATE: Record<OptimizerName, number> = { rmsprop: 0.001, adam: 0.001, sgd: 0.01 };

/** Metric names whose lower values are better; everything else is maximised. */
export function inferDirection(objective: string): 'max' | 'min' {
  return /loss|error|mse|mae/.test(objective) ? 'min' : 'max';
}

import { availableParallelism, totalmem } from 'node:os';
import { Direction } from '../domain/direction.js';
import type { StudyEndReason, StudyListener } from '../domain/events.js';
import type { StudyRecord } from '../domain/study.js';
import type { EpochMetrics, TrialRecord } from '../domain/trial.js';
import { plannedBackend, useBackend, type BackendName } from '../engine/backend.js';
import { nativeKernels } from '../engine/native/addon.js';
import { sparseSplits } from '../engine/native/pack.js';
import { makeOracle } from '../oracles/make-oracle.js';
import type { ExecutorFactory } from '../pool/executor.js';
import type { EngineName, SharedSplit } from '../pool/messages.js';
import type { Values } from '../space/hyperparameter.js';
import type { OracleName, StudySpec } from '../space/study-spec.js';
import { defaultPruner, type PrunerKind } from '../pruners/pruner.js';
import type { Storage } from '../storage/storage.js';
import { Heartbeat, STALE_MS } from './heartbeat.js';
import type { StudyData } from './load-data.js';
import { packSize } from './pack-size.js';
import { Scheduler, type SchedulerResult } from './scheduler.js';
import { enqueueTrials } from './warm-start.js';
import { crossValidationRun } from './cross-validation.js';

export interface RunOverrides {
  workers?: number;
  maxTrials?: number;
  epochs?: number;
  executions?: number;
  oracle?: OracleName;
  seed?: number;
  backend?: BackendName;
  engine?: EngineName;
  /** Trials trained together by one worker; undefined: the study decides. */
  pack?: number;
  keepWeights?: number;
  /** Seconds after which no trial starts (overrides tuner.timeout). */
  timeout?: number;
  /** The pruner, with its defaults unless the space file names the same kind with options. */
  pruner?: PrunerKind;
}

export interface RunContext {
  spec: StudySpec;
  study: StudyRecord;
  data: StudyData;
  storage: Storage;
  overrides: RunOverrides;
  signal: AbortSignal;
  listener: StudyListener;
  /** Makes what trains the trials (tune run: the piscina pool's PiscinaExecutor). */
  executor: ExecutorFactory;
}

export interface RunResult {
  reason: StudyEndReason;
  backend: BackendName;
  lastError?: string;
  /** Set when the run ended on max_consecutive_invalid_trials: the last invalid trial's values and why. */
  invalid?: { values: Values; error: string; count: number };
}

/**
 * `tune run`'s study: picks the backend and engine, the workers and the pack size, takes over
 * the trials a dead process left running, then lets a Scheduler run the trials on the
 * executor that `ctx.executor` makes for these choices, with a heartbeat beating throughout.
 * Trials interrupted earlier, and enqueued ones, run first with their own values. Stops at
 * max_trials complete trials, when the oracle has nothing left, after too many consecutive
 * failures, past the timeout or on stop_when's plateau (the running trials finish first), or
 * on the signal (running trials are then marked interrupted).
 */
export async function runStudy(ctx: RunContext): Promise<RunResult> {
  const { spec, study, storage, overrides, signal, listener } = ctx;
  const tuner = { ...spec.tuner, ...pick(overrides) };
  if (overrides.pruner !== undefined && overrides.pruner !== spec.tuner.pruner.kind) tuner.pruner = defaultPruner(overrides.pruner);
  // The main thread never trains: it loads tfjs only to prove that the workers' backend starts.
  // With the native engine it names the backend instead, and the workers load tfjs only for a
  // model the kernels cannot run.
  const planned = plannedBackend(overrides.backend);
  const engineOf = (b: BackendName): EngineName => overrides.engine ?? (b === 'node-gpu' ? 'tfjs' : 'auto');
  const nativeBuilt = nativeKernels().kernels !== undefined;
  const backend = engineOf(planned) !== 'tfjs' && nativeBuilt ? planned : await useBackend(overrides.backend);
  const engine = engineOf(backend);
  const native = engine !== 'tfjs' && nativeBuilt;
  const workers = overrides.workers ?? (backend === 'node-gpu' ? 1 : availableParallelism());
  const started = performance.now();
  // Trials a dead process left running run again; those of live processes are theirs.
  await storage.recoverStale(study.id, STALE_MS);
  // The tuner's `enqueue` belongs to the study's creation: a study with trials already has it.
  if (spec.tuner.enqueue !== undefined && (await storage.trials(study.id)).length === 0) {
    await enqueueTrials(storage, study.id, spec.space, spec.tuner.enqueue);
  }
  const before = await storage.trials(study.id);
  const oracle = makeOracle(tuner, spec.space, tuner.seed + before.length);
  const share = (set: SharedSplit): SharedSplit => ({ data: set.data, labels: set.labels, rows: set.rows, dim: set.dim });
  // Cross-validation trains every execution once per fold, all in the trial's pack, on
  // train+valid: a fold's members leave its rows out of training and validate on them alone.
  const cv = tuner.crossValidation ? await crossValidationRun(storage, study.id, tuner.crossValidation, ctx.data, tuner.seed) : undefined;
  const train = cv?.joined ?? ctx.data.train;
  const valid = cv?.joined ?? ctx.data.valid;
  // Everything that counts a trial's executions (the pack, the pruner's board, checkpoints,
  // the leaderboard) counts its members: executions x folds.
  const members = tuner.executionsPerTrial * (cv?.hooks.k ?? 1);
  // Packs of several trials pay where one pass serves many models: the native kernels, and a
  // GPU, where a pack turns many small kernel launches into few large ones.
  const packsPay = native || backend === 'node-gpu';
  const size = overrides.pack ?? (packsPay ? packSize(spec, members, ctx.data.train.dim, workers, totalmem()) : 1);
  listener({
    type: 'study-started',
    study: study.name,
    oracle: oracle.name,
    backend,
    engine: native ? 'native' : 'tfjs',
    workers,
    pack: size,
    objective: tuner.objective,
    direction: tuner.direction,
    ...(oracle.plan?.({ maxTrials: tuner.maxTrials, epochs: tuner.epochs }) ?? { maxTrials: tuner.maxTrials, epochs: tuner.epochs }),
    executionsPerTrial: members,
    completedBefore: before.filter((t) => t.status === 'complete').length,
    hyperparameters: [...new Set(spec.space.hyperparameters.map((h) => h.name))],
  });
  // The setup is made once the pool's threads have started, so that the sparse copy is built
  // while they boot: a one-trial run took 0.77 s against 0.835 s (medians of 18 interleaved runs).
  const executor = ctx.executor(
    () => ({
      dataKey: `${ctx.data.paths.train}|${ctx.data.paths.valid}|${study.id}${cv ? '|folds' : ''}`,
      backend,
      engine,
      // One sparse copy of the features for every worker's native engine, made here once.
      ...(native ? { sparse: sparseSplits(train, valid, tuner.batchSize) } : {}),
      train: share(train),
      valid: share(valid),
      model: spec.model,
      compile: spec.compile,
      ...(tuner.earlyStopping ? { earlyStopping: tuner.earlyStopping } : {}),
      batchSize: tuner.batchSize,
      objective: tuner.objective as keyof EpochMetrics,
      direction: tuner.direction,
    }),
    workers,
  );
  let result: SchedulerResult;
  try {
    const deadline = tuner.timeout !== undefined ? started + tuner.timeout * 1000 : undefined;
    const options = {
      spec,
      tuner: { ...tuner, executionsPerTrial: members },
      study,
      storage,
      oracle,
      executor,
      packSize: size,
      inputDim: ctx.data.train.dim,
      signal,
      listener,
      deadline,
      ...(cv ? { folds: cv.hooks } : {}),
    };
    const scheduler = new Scheduler(options);
    result = await Heartbeat.during(storage, study.id, () => scheduler.run());
  } finally {
    await executor.close();
  }
  const best = bestTrial(await storage.trials(study.id), tuner.direction);
  listener({
    type: 'study-finished',
    reason: result.reason,
    seconds: (performance.now() - started) / 1000,
    ...(best ? { best: { number: best.number, values: best.values, score: best.score! } } : {}),
  });
  return { ...result, backend };
}

/** The best complete trial by the study's direction (ties to the earlier), or undefined. */
export function bestTrial(trials: TrialRecord[], direction: Direction): TrialRecord | undefined {
  return Direction.best(
    direction,
    trials.filter((t) => t.status === 'complete' && t.score !== null),
    (t) => t.score!,
  );
}

function pick(o: RunOverrides): Partial<StudySpec['tuner']> {
  const out: Partial<StudySpec['tuner']> = {};
  if (o.maxTrials !== undefined) out.maxTrials = o.maxTrials;
  if (o.epochs !== undefined) out.epochs = o.epochs;
  if (o.executions !== undefined) out.executionsPerTrial = o.executions;
  if (o.oracle !== undefined) out.oracle = o.oracle;
  if (o.seed !== undefined) out.seed = o.seed;
  if (o.keepWeights !== undefined) out.keepWeights = o.keepWeights;
  if (o.timeout !== undefined) out.timeout = o.timeout;
  return out;
}

import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { useBackend, type BackendName } from '../engine/backend.js';
import { makeOracle } from '../oracles/make-oracle.js';
import type { Values } from '../space/hyperparameter.js';
import type { OracleName, StudySpec } from '../space/study-spec.js';
import type { Storage } from '../storage/storage.js';
import type { EpochMessage, SharedSplit, TrialOutcome, TrialTask } from '../pool/messages.js';
import type { StudyEndReason, StudyListener } from './events.js';
import type { StudyData } from './load-data.js';
import type { EpochMetrics, StudyRecord, TrialRecord } from './trial.js';

/** Weights are kept for this many best trials; older ones are pruned so the file stays small. */
export const WEIGHTS_KEPT = 5;
/** How long a failed attempt's last epoch messages are awaited before its retry starts. */
const RETRY_DRAIN_MS = 1000;

export interface RunOverrides {
  workers?: number;
  maxTrials?: number;
  epochs?: number;
  executions?: number;
  oracle?: OracleName;
  seed?: number;
  backend?: BackendName;
}

export interface RunContext {
  spec: StudySpec;
  study: StudyRecord;
  data: StudyData;
  storage: Storage;
  overrides: RunOverrides;
  signal: AbortSignal;
  listener: StudyListener;
}

export interface RunResult {
  reason: StudyEndReason;
  backend: BackendName;
  lastError?: string;
}

/**
 * The ask -> run -> tell loop of `tune run`: the oracle proposes, the pool trains, storage
 * records every change, listeners hear every event. Trials interrupted earlier run again
 * first with their own values. Stops at max_trials complete trials, when the space has no
 * untried values left, after too many consecutive failures, or on the signal (running trials
 * are then marked interrupted).
 */
export async function runStudy(ctx: RunContext): Promise<RunResult> {
  const { spec, study, storage, overrides, signal, listener } = ctx;
  const tuner = { ...spec.tuner, ...pick(overrides) };
  const backend = await useBackend(overrides.backend);
  const workers = overrides.workers ?? (backend === 'node-gpu' ? 1 : availableParallelism());
  const started = performance.now();
  storage.interruptRunning(study.id);
  const before = storage.trials(study.id);
  const queue = before.filter((t) => t.status === 'interrupted');
  const oracle = makeOracle(tuner.oracle, spec.space, tuner.seed + before.length, tuner.direction);
  listener({
    type: 'study-started', study: study.name, oracle: oracle.name, backend, workers, objective: tuner.objective, direction: tuner.direction,
    maxTrials: tuner.maxTrials, epochs: tuner.epochs, executionsPerTrial: tuner.executionsPerTrial,
    completedBefore: before.filter((t) => t.status === 'complete').length, hyperparameters: spec.space.hyperparameters.map((h) => h.name),
  });

  const pool = new Piscina<TrialTask, TrialOutcome>({ filename: new URL('../pool/trial-worker.js', import.meta.url).href, minThreads: workers, maxThreads: workers });
  const running = new Map<number, { trial: TrialRecord; done: Promise<void> }>();
  const share = (set: StudyData['train']): SharedSplit => ({ data: set.data, labels: set.labels, rows: set.rows, dim: set.dim });
  const dataKey = `${ctx.data.paths.train}|${ctx.data.paths.valid}|${study.id}`;
  let consecutiveFailures = 0;
  let lastError: string | undefined;
  let reason: StudyEndReason | undefined;

  const runOne = async (trial: TrialRecord, attempt = 1): Promise<void> => {
    const { port1, port2 } = new MessageChannel();
    const t0 = performance.now();
    const drained = new Promise<void>((resolve) => {
      port1.on('message', (m: EpochMessage | null) => {
        if (m === null) return resolve();
        storage.recordEpoch(trial.id, m.execution, m.epoch, m.metrics);
        listener({ type: 'epoch', number: trial.number, execution: m.execution, epoch: m.epoch, metrics: m.metrics });
      });
    });
    const task: TrialTask = {
      dataKey, backend, train: share(ctx.data.train), valid: share(ctx.data.valid), model: spec.model, compile: spec.compile,
      values: trial.values, number: trial.number, executions: tuner.executionsPerTrial, epochs: tuner.epochs, batchSize: tuner.batchSize,
      ...(tuner.earlyStopping ? { earlyStopping: tuner.earlyStopping } : {}),
      objective: tuner.objective as keyof EpochMetrics, direction: tuner.direction, seed: trialSeed(tuner.seed, trial.number), port: port2,
    };
    try {
      const outcome = await pool.run(task, { transferList: [port2], signal });
      await drained;
      const seconds = (performance.now() - t0) / 1000;
      storage.saveWeights(trial.id, outcome.weights);
      storage.completeTrial(trial.id, outcome.score, outcome.bestEpoch, seconds);
      storage.pruneWeights(study.id, WEIGHTS_KEPT);
      consecutiveFailures = 0;
      listener({ type: 'trial-complete', number: trial.number, values: trial.values, score: outcome.score, bestEpoch: outcome.bestEpoch, seconds });
    } catch (err) {
      if (signal.aborted) return;
      lastError = err instanceof Error ? err.message : String(err);
      if (attempt <= tuner.maxRetriesPerTrial) {
        // Epochs of the failed attempt still in flight must land before they are dropped; a
        // worker that died sends no end marker, hence the bound.
        await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, RETRY_DRAIN_MS))]);
        port1.close();
        const again = storage.retryTrial(trial.id);
        listener({ type: 'trial-started', number: again.number, values: again.values, resumed: true });
        return runOne(again, attempt + 1);
      }
      storage.failTrial(trial.id, lastError, (performance.now() - t0) / 1000);
      consecutiveFailures++;
      listener({ type: 'trial-failed', number: trial.number, values: trial.values, error: lastError });
    } finally {
      port1.close();
    }
  };

  try {
    while (reason === undefined) {
      if (signal.aborted) reason = 'interrupted';
      else if (consecutiveFailures >= tuner.maxConsecutiveFailedTrials) reason = 'failures';
      while (reason === undefined && running.size < workers) {
        const trials = storage.trials(study.id);
        const complete = trials.filter((t) => t.status === 'complete');
        if (complete.length + running.size >= tuner.maxTrials) break;
        const trial = nextTrial(queue, trials, running, spec, oracle, storage, study.id);
        if (!trial) {
          if (running.size === 0) reason = 'space-exhausted';
          break;
        }
        listener({ type: 'trial-started', number: trial.number, values: trial.values, resumed: trial.resumed });
        const record = trial.record;
        running.set(record.id, { trial: record, done: runOne(record).finally(() => running.delete(record.id)) });
      }
      if (reason !== undefined) break;
      if (running.size === 0) {
        reason = 'max-trials';
        break;
      }
      await Promise.race([...running.values()].map((r) => r.done));
    }
    await Promise.allSettled([...running.values()].map((r) => r.done));
  } finally {
    if (signal.aborted) reason = 'interrupted';
    // Whatever ended the loop, no trial runs on after it: the next run starts them again.
    try {
      storage.interruptRunning(study.id);
    } catch {
      // The storage itself failed; its error is already on its way out.
    }
    await pool.destroy();
  }
  const best = bestTrial(storage.trials(study.id), tuner.direction);
  listener({ type: 'study-finished', reason: reason ?? 'interrupted', seconds: (performance.now() - started) / 1000, ...(best ? { best: { number: best.number, values: best.values, score: best.score! } } : {}) });
  return { reason, backend, ...(lastError !== undefined ? { lastError } : {}) };
}

/** The next trial to run: an interrupted one again, else new values from the oracle. */
function nextTrial(
  queue: TrialRecord[], trials: TrialRecord[], running: Map<number, { trial: TrialRecord }>, spec: StudySpec,
  oracle: ReturnType<typeof makeOracle>, storage: Storage, studyId: number,
): { record: TrialRecord; number: number; values: Values; resumed: boolean } | undefined {
  const again = queue.shift();
  if (again) {
    const record = storage.restartTrial(again.id);
    return { record, number: record.number, values: record.values, resumed: true };
  }
  const completed = trials.filter((t) => t.status === 'complete').map((t) => ({ values: t.values as Values, score: t.score! }));
  const pending = [...running.values()].map((r) => r.trial.values as Values);
  const tried = new Set(trials.map((t) => spec.space.key(t.values as Values)));
  const values = oracle.propose({ completed, pending, tried });
  if (!values) return undefined;
  const record = storage.createTrial(studyId, values);
  return { record, number: record.number, values, resumed: false };
}

/** The best complete trial by the study's direction, or undefined. */
export function bestTrial(trials: TrialRecord[], direction: 'max' | 'min'): TrialRecord | undefined {
  const complete = trials.filter((t) => t.status === 'complete' && t.score !== null);
  return complete.reduce<TrialRecord | undefined>((best, t) => (!best || (direction === 'max' ? t.score! > best.score! : t.score! < best.score!) ? t : best), undefined);
}

/** Seeds of different trials differ, and a trial keeps its seed when it runs again. */
function trialSeed(studySeed: number, number: number): number {
  return (Math.imul(studySeed + 1, 0x9e3779b1) ^ Math.imul(number, 0x85ebca6b)) >>> 0;
}

function pick(o: RunOverrides): Partial<StudySpec['tuner']> {
  const out: Partial<StudySpec['tuner']> = {};
  if (o.maxTrials !== undefined) out.maxTrials = o.maxTrials;
  if (o.epochs !== undefined) out.epochs = o.epochs;
  if (o.executions !== undefined) out.executionsPerTrial = o.executions;
  if (o.oracle !== undefined) out.oracle = o.oracle;
  if (o.seed !== undefined) out.seed = o.seed;
  return out;
}

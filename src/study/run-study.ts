import { availableParallelism, totalmem } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { plannedBackend, useBackend, type BackendName } from '../engine/backend.js';
import { concreteModel, InvalidValues } from '../engine/model-spec.js';
import { nativeKernels } from '../engine/native/addon.js';
import { sparseSplits } from '../engine/native/pack.js';
import { plannedTrials } from '../oracles/hyperband.js';
import { makeOracle } from '../oracles/make-oracle.js';
import type { Oracle, PastTrial } from '../oracles/oracle.js';
import type { Values } from '../space/hyperparameter.js';
import type { OracleName, StudySpec } from '../space/study-spec.js';
import type { Checkpoint, Storage } from '../storage/storage.js';
import type { EngineName, EpochMessage, PackTask, SharedSplit, TrialEnd } from '../pool/messages.js';
import { packSize } from './pack-size.js';
import type { StudyEndReason, StudyListener } from './events.js';
import type { StudyData } from './load-data.js';
import type { EpochMetrics, StudyRecord, TrialRecord } from './trial.js';

/** Weights are kept for this many best trials; older ones are pruned so the file stays small. */
export const WEIGHTS_KEPT = 5;
/** How long a failed attempt's last epoch messages are awaited before its retry starts. */
const RETRY_DRAIN_MS = 1000;
/** How often a run tells other processes its trials are alive, and looks for dead ones. */
const HEARTBEAT_MS = 2000;
/** A trial of another process whose heartbeat is older than this is taken as crashed. */
export const STALE_MS = 30_000;
/** How often an idle run looks at the study while other processes run its last trials. */
const POLL_MS = 1000;

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
  /** Set when the run ended on max_consecutive_invalid_trials: the last invalid trial's values and why. */
  invalid?: { values: Values; error: string; count: number };
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
  const before = await storage.trials(study.id);
  const oracle = makeOracle(tuner, spec.space, tuner.seed + before.length);

  const pool = new Piscina<PackTask, void>({ filename: new URL('../pool/trial-worker.js', import.meta.url).href, minThreads: workers, maxThreads: workers });
  /** Trials under way in this process, by id. */
  const running = new Map<number, { trial: TrialRecord }>();
  /** Packs under way: each holds a worker until its last trial ends. */
  const packs = new Set<Promise<void>>();
  const share = (set: StudyData['train']): SharedSplit => ({ data: set.data, labels: set.labels, rows: set.rows, dim: set.dim });
  const dataKey = `${ctx.data.paths.train}|${ctx.data.paths.valid}|${study.id}`;
  // One sparse copy of the features for every worker's native engine, made here once.
  const sparse = native ? sparseSplits(ctx.data.train, ctx.data.valid, tuner.batchSize) : undefined;
  // Packs of several trials pay where one pass serves many models: the native kernels, and a
  // GPU, where a pack turns many small kernel launches into few large ones.
  const packsPay = native || backend === 'node-gpu';
  const size = overrides.pack ?? (packsPay ? packSize(spec, tuner.executionsPerTrial, ctx.data.train.dim, workers, totalmem()) : 1);
  listener({
    type: 'study-started',
    study: study.name,
    oracle: oracle.name,
    backend,
    workers,
    pack: size,
    objective: tuner.objective,
    direction: tuner.direction,
    ...plan(tuner),
    executionsPerTrial: tuner.executionsPerTrial,
    completedBefore: before.filter((t) => t.status === 'complete').length,
    hyperparameters: spec.space.hyperparameters.map((h) => h.name),
  });
  // Aborts the running trials when the study stops on its own rule; the user's signal aborts them too.
  const stop = new AbortController();
  const trialSignal = AbortSignal.any([signal, stop.signal]);
  const stopWhy = (): string => `the run ended after ${tuner.maxConsecutiveFailedTrials} consecutive failed trials`;
  let consecutiveFailures = 0;
  let consecutiveInvalid = 0;
  let lastInvalid: { values: Values; error: string } | undefined;
  let lastError: string | undefined;
  let reason: StudyEndReason | undefined;
  /** A storage error met where nothing awaits it (a port's message): it ends the run as if thrown. */
  let fault: { error: unknown } | undefined;
  const faulted = (error: unknown): void => {
    fault ??= { error };
    stop.abort();
  };

  /**
   * Trains the trials as one pack on one worker, each recorded as it ends; failed ones may run
   * again alone. The pack counts as under way from the call, before its storage reads settle.
   */
  const launch = (trials: { trial: TrialRecord; attempt: number }[]): void => {
    const done = trainPack(trials);
    const tracked = done.finally(() => packs.delete(tracked));
    packs.add(tracked);
  };

  const trainPack = async (trials: { trial: TrialRecord; attempt: number }[]): Promise<void> => {
    const t0 = performance.now();
    const task: PackTask = {
      dataKey,
      backend,
      engine,
      ...(sparse ? { sparse } : {}),
      train: share(ctx.data.train),
      valid: share(ctx.data.valid),
      model: spec.model,
      compile: spec.compile,
      ...(tuner.earlyStopping ? { earlyStopping: tuner.earlyStopping } : {}),
      batchSize: tuner.batchSize,
      objective: tuner.objective as keyof EpochMetrics,
      direction: tuner.direction,
      trials: [],
    };
    const ready: { trial: TrialRecord; attempt: number; ch: ReturnType<typeof channel> }[] = [];
    for (const { trial, attempt } of trials) {
      const schedule = trial.schedule;
      try {
        const resume = schedule?.parent !== undefined ? await parentCheckpoints(storage, study.id, schedule.parent, tuner.executionsPerTrial) : undefined;
        const ch = channel(trial);
        task.trials.push({
          values: trial.values as Values,
          number: trial.number,
          executions: tuner.executionsPerTrial,
          initialEpoch: schedule?.initialEpoch ?? 0,
          epochs: schedule?.epochs ?? tuner.epochs,
          ...(resume ? { resume } : {}),
          // Only a trial that a later round may promote pays for copying out its optimizer state.
          checkpoint: schedule !== null && schedule.round < schedule.bracket,
          seed: trialSeed(tuner.seed, trial.number),
          port: ch.port2,
        });
        ready.push({ trial, attempt, ch });
      } catch (err) {
        await ended(trial, attempt, { error: err instanceof Error ? err.message : String(err) }, t0);
      }
    }
    const ports = task.trials.map((t) => t.port);
    const run = ready.length === 0 ? Promise.resolve() : pool.run(task, { transferList: ports, signal: trialSignal });
    await Promise.all(
      ready.map(async ({ trial, attempt, ch }) => {
        // The trial's own end, or the pack's: a worker that died or was aborted sends none.
        const first = await Promise.race([
          ch.end,
          run.then(
            () => undefined,
            (err: unknown) => ({ error: err instanceof Error ? err.message : String(err), thrown: true }),
          ),
        ]);
        if (first === undefined || 'thrown' in first) await ch.settle();
        const end = ch.received ?? first ?? { error: "the worker ended without this trial's result" };
        ch.port1.close();
        // Its epochs are in storage before its end is: a retry drops them, a complete trial shows them.
        await ch.written;
        await ended(trial, attempt, end, t0);
      }),
    );
  };

  /** The main thread's end of a trial's port: epochs recorded as they come, then its end. */
  const channel = (trial: TrialRecord) => {
    const { port1, port2 } = new MessageChannel();
    const ch = {
      port1,
      port2,
      received: undefined as TrialEnd | undefined,
      /** The trial's epoch writes, chained so that they land in order; never rejects (a failed write faults the run). */
      written: Promise.resolve(),
      end: undefined as unknown as Promise<TrialEnd>,
      drained: undefined as unknown as Promise<void>,
      // Epochs still in flight must land before the trial's record changes; a worker that died
      // sends no end marker, hence the bound.
      settle: (): Promise<unknown> => Promise.race([ch.drained, new Promise((resolve) => setTimeout(resolve, RETRY_DRAIN_MS))]),
    };
    let endOf: (end: TrialEnd) => void = () => {};
    ch.end = new Promise<TrialEnd>((resolve) => (endOf = resolve));
    ch.drained = new Promise<void>((resolve) => {
      port1.on('message', (m: EpochMessage | TrialEnd | null) => {
        if (m === null) return resolve();
        if ('execution' in m) {
          ch.written = ch.written.then(async () => {
            if (fault !== undefined) return;
            try {
              await storage.recordEpoch(trial.id, m.execution, m.epoch, m.metrics);
            } catch (err) {
              // Thrown here, it would be unhandled and end the process with no trial marked.
              return faulted(err);
            }
            listener({ type: 'epoch', number: trial.number, execution: m.execution, epoch: m.epoch, metrics: m.metrics });
          });
        } else {
          ch.received = m;
          endOf(m);
        }
      });
    });
    return ch;
  };

  /** Records how a trial ended: complete, stopped, run again, or failed. */
  const ended = async (trial: TrialRecord, attempt: number, end: TrialEnd, t0: number): Promise<void> => {
    const seconds = (performance.now() - t0) / 1000;
    if ('outcome' in end) {
      const { outcome } = end;
      await storage.saveWeights(trial.id, outcome.weights);
      for (const [i, checkpoint] of (outcome.checkpoints ?? []).entries()) await storage.saveCheckpoint(trial.id, i + 1, checkpoint);
      await storage.completeTrial(trial.id, outcome.score, outcome.bestEpoch, seconds);
      await storage.pruneWeights(study.id, WEIGHTS_KEPT);
      if (oracle.checkpointsNeeded) await storage.keepCheckpoints(study.id, oracle.checkpointsNeeded((await storage.trials(study.id)).map(pastTrial)));
      consecutiveFailures = 0;
      running.delete(trial.id);
      listener({ type: 'trial-complete', number: trial.number, values: trial.values, score: outcome.score, bestEpoch: outcome.bestEpoch, seconds });
      return;
    }
    running.delete(trial.id);
    // Left running, the finally below marks it interrupted, so that the next run resumes it.
    if (signal.aborted || fault !== undefined) return;
    if (stop.signal.aborted) {
      await storage.stopTrial(trial.id, stopWhy(), seconds);
      listener({ type: 'trial-failed', number: trial.number, values: trial.values, error: stopWhy(), status: 'stopped' });
      return;
    }
    lastError = end.error;
    if (attempt <= tuner.maxRetriesPerTrial) {
      const again = await storage.retryTrial(trial.id, lastError);
      listener({ type: 'trial-started', number: again.number, values: again.values, resumed: true, ...(again.schedule ? { schedule: again.schedule } : {}) });
      running.set(again.id, { trial: again });
      launch([{ trial: again, attempt: attempt + 1 }]);
      return;
    }
    await storage.failTrial(trial.id, lastError, seconds);
    consecutiveFailures++;
    listener({ type: 'trial-failed', number: trial.number, values: trial.values, error: lastError, status: 'failed' });
    if (consecutiveFailures >= tuner.maxConsecutiveFailedTrials) stop.abort();
  };

  /** The beat under way, if any: a slow store must not stack beats up. */
  let beating: Promise<void> | undefined;
  const beat = setInterval(() => {
    beating ??= (async () => {
      try {
        await storage.heartbeat();
        await storage.recoverStale(study.id, STALE_MS);
      } catch {
        // A busy or closing database: the next beat tries again, well within STALE_MS.
      } finally {
        beating = undefined;
      }
    })();
  }, HEARTBEAT_MS);
  beat.unref();
  try {
    let last: NextTrial = 'full';
    while (reason === undefined) {
      if (fault !== undefined) throw fault.error;
      if (signal.aborted) reason = 'interrupted';
      else if (consecutiveFailures >= tuner.maxConsecutiveFailedTrials) reason = 'failures';
      while (reason === undefined && packs.size < workers) {
        // A pack: the next trials the study has, up to its size, each seen by the oracle as
        // pending when it proposes the next.
        const pack: TrialRecord[] = [];
        while (pack.length < size) {
          last = await nextTrial(running, spec, oracle, storage, study.id, tuner.maxTrials);
          if (typeof last === 'string' || last === undefined) break;
          const { record } = last;
          listener({
            type: 'trial-started',
            number: record.number,
            values: record.values as Values,
            resumed: last.resumed,
            ...(record.schedule ? { schedule: record.schedule } : {}),
          });
          const invalid = whyInvalid(spec, record.values as Values, ctx.data.train.dim);
          if (invalid !== undefined) {
            await storage.invalidTrial(record.id, invalid);
            listener({ type: 'trial-failed', number: record.number, values: record.values as Values, error: invalid, status: 'invalid' });
            lastInvalid = { values: record.values as Values, error: invalid };
            if (++consecutiveInvalid >= tuner.maxConsecutiveInvalidTrials) reason = 'invalid';
            // Invalid trials take no worker, so nothing else would let a signal through.
            await new Promise((resolve) => setImmediate(resolve));
            if (signal.aborted) reason = 'interrupted';
            if (reason !== undefined) break;
            continue;
          }
          consecutiveInvalid = 0;
          pack.push(record);
          running.set(record.id, { trial: record });
        }
        if (pack.length === 0) break;
        launch(pack.map((trial) => ({ trial, attempt: 1 })));
      }
      if (reason !== undefined) break;
      if (running.size === 0) {
        // Other processes may still run trials of this study: wait for them, taking over any
        // whose process dies, so that the study is whole when the last run ends.
        const elsewhere = (await storage.trials(study.id)).some((t) => t.status === 'running');
        if (!elsewhere && last !== 'wait') {
          reason = last === 'full' ? 'max-trials' : tuner.oracle === 'hyperband' ? 'search-complete' : 'space-exhausted';
          break;
        }
      }
      // The poll's timer and listener go when a pack wins the race: a fast study starts many.
      const poll = new AbortController();
      await Promise.race([...packs, delay(POLL_MS, AbortSignal.any([signal, poll.signal]))]);
      poll.abort();
    }
    while (packs.size > 0) await Promise.allSettled([...packs]);
  } finally {
    clearInterval(beat);
    await beating;
    if (signal.aborted) reason = 'interrupted';
    // Whatever ended the loop, no trial runs on after it: the next run starts them again.
    try {
      await storage.interruptRunning(study.id);
    } catch {
      // The storage itself failed; its error is already on its way out.
    }
    await pool.destroy();
  }
  if (fault !== undefined) throw fault.error;
  const best = bestTrial(await storage.trials(study.id), tuner.direction);
  listener({
    type: 'study-finished',
    reason: reason ?? 'interrupted',
    seconds: (performance.now() - started) / 1000,
    ...(best ? { best: { number: best.number, values: best.values, score: best.score! } } : {}),
  });
  return {
    reason,
    backend,
    ...(lastError !== undefined ? { lastError } : {}),
    ...(reason === 'invalid' && lastInvalid ? { invalid: { ...lastInvalid, count: consecutiveInvalid } } : {}),
  };
}

/**
 * What the study does next: a trial to run (an interrupted or stopped one again first, else the
 * oracle's proposal); 'wait' when the oracle needs a running trial to end first; 'full' when
 * max_trials are complete or under way in all processes; undefined when the oracle is done.
 */
type NextTrial = { record: TrialRecord; resumed: boolean } | 'wait' | 'full' | undefined;

/** Proposals lost to another process (it took the same values first) before giving up a turn. */
const RACES = 5;

async function nextTrial(
  running: Map<number, { trial: TrialRecord }>,
  spec: StudySpec,
  oracle: Oracle,
  storage: Storage,
  studyId: number,
  maxTrials: number,
): Promise<NextTrial> {
  const again = await storage.claimInterrupted(studyId);
  if (again) return { record: again, resumed: true };
  for (let race = 0; race < RACES; race++) {
    const trials = await storage.trials(studyId);
    if (trials.filter((t) => COUNTED.has(t.status)).length >= maxTrials) return 'full';
    const completed = trials.filter((t) => t.status === 'complete').map((t) => ({ values: t.values as Values, score: t.score! }));
    const pending = [...running.values()].map((r) => r.trial.values as Values);
    const tried = new Set(trials.map((t) => spec.space.key(t.values as Values)));
    const proposal = oracle.propose({ completed, pending, tried, trials: trials.map(pastTrial) });
    if (proposal === undefined || proposal === 'wait') return proposal;
    const record = await storage.createTrialWithin(studyId, proposal.values, maxTrials, proposal.schedule);
    if (record === 'limit') return 'full';
    if (record !== 'taken') return { record, resumed: false };
  }
  return 'wait';
}

/** Statuses that count toward max_trials: done, or going to run until done. */
const COUNTED = new Set(['complete', 'running', 'interrupted', 'stopped']);

/** Resolves after `ms`, or at once when `signal` aborts. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function pastTrial(t: TrialRecord): PastTrial {
  return { number: t.number, values: t.values as Values, status: t.status, score: t.score, schedule: t.schedule };
}

/** Why a trial's values build no model, or undefined when they build one. */
function whyInvalid(spec: StudySpec, values: Values, inputDim: number): string | undefined {
  try {
    concreteModel(spec.model, spec.compile, values, inputDim);
    return undefined;
  } catch (err) {
    if (err instanceof InvalidValues) return err.message;
    throw err;
  }
}

/** Every execution's checkpoint of the trial a promoted trial continues from. */
async function parentCheckpoints(storage: Storage, studyId: number, parent: number, executions: number): Promise<Checkpoint[]> {
  const record = await storage.trial(studyId, parent);
  const checkpoints: Checkpoint[] = [];
  for (let i = 0; i < executions; i++) {
    const checkpoint = record && (await storage.loadCheckpoint(record.id, i + 1));
    if (!checkpoint) throw new Error(`trial ${parent}, whose training this trial continues, has no checkpoint for execution ${i + 1}`);
    checkpoints.push(checkpoint);
  }
  return checkpoints;
}

/** The best complete trial by the study's direction, or undefined. */
export function bestTrial(trials: TrialRecord[], direction: 'max' | 'min'): TrialRecord | undefined {
  const complete = trials.filter((t) => t.status === 'complete' && t.score !== null);
  return complete.reduce<TrialRecord | undefined>(
    (best, t) => (!best || (direction === 'max' ? t.score! > best.score! : t.score! < best.score!) ? t : best),
    undefined,
  );
}

/** Seeds of different trials differ, and a trial keeps its seed when it runs again. */
function trialSeed(studySeed: number, number: number): number {
  return (Math.imul(studySeed + 1, 0x9e3779b1) ^ Math.imul(number, 0x85ebca6b)) >>> 0;
}

/** Trials and epochs the header promises: Hyperband plans its own, within max_trials. */
function plan(tuner: StudySpec['tuner']): { maxTrials: number; epochs: number } {
  if (tuner.oracle !== 'hyperband') return { maxTrials: tuner.maxTrials, epochs: tuner.epochs };
  const maxEpochs = tuner.maxEpochs ?? tuner.epochs;
  return { maxTrials: Math.min(tuner.maxTrials, plannedTrials({ maxEpochs, factor: tuner.factor, iterations: tuner.hyperbandIterations })), epochs: maxEpochs };
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

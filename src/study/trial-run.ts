import type { StudyListener } from '../domain/events.js';
import type { TrialRecord } from '../domain/trial.js';
import type { Oracle, PastTrial } from '../oracles/oracle.js';
import type { EpochVerdict } from '../pool/executor.js';
import type { EpochMessage, TrialEnd } from '../pool/messages.js';
import type { Values } from '../space/hyperparameter.js';
import type { Storage } from '../storage/storage.js';
import type { PruningBoard } from './pruning-board.js';
import { memberPlace } from '../folds/fold-data.js';

/** A trial and which of its attempts in this run it is (1 for the first, each retry adds one). */
export interface TrialAttempt {
  trial: TrialRecord;
  attempt: number;
}

/**
 * How a trial's attempt ended, as recorded: complete; failed for good; stopped by the study;
 * run again (the scheduler queues `again`); or left running, for the run's end to interrupt.
 */
export type TrialVerdict =
  { kind: 'complete' } | { kind: 'failed'; error: string } | { kind: 'stopped' } | { kind: 'retry'; error: string; again: TrialAttempt } | { kind: 'left' };

/** What a trial run reads of its study and tells it. */
export interface TrialRunHost {
  storage: Storage;
  studyId: number;
  oracle: Oracle;
  listener: StudyListener;
  /** max_retries_per_trial. */
  maxRetries: number;
  /** keep_weights: the best trials whose weights stay stored. */
  keepWeights: number;
  /** True once the run ends for an outside reason (the signal, a storage fault): its trials stay running. */
  halted(): boolean;
  /** Why trials end stopped now, when the study stops on its own rule; undefined otherwise. */
  stopping(): string | undefined;
  /** A storage error met where nothing awaits it (an epoch's write): it ends the run as if thrown. */
  fault(error: unknown): void;
  /** True once fault was called: writes are then no use. */
  faulted(): boolean;
  /** The study's pruner and its curves; undefined when nothing is pruned. */
  board: PruningBoard | undefined;
  /** Folds of a cross-validated study (its trials' outcomes list executions x folds); undefined otherwise. */
  folds: number | undefined;
}

/**
 * One attempt of one trial, from its launch to its recorded end (Optuna's _run_trial): its
 * epochs are recorded in order as they come, and its end only after them, so that a retry
 * drops them all and a complete trial shows them all.
 */
export class TrialRun {
  /** The epoch writes, chained so that they land in order; never rejects (a failed write faults the run). */
  private written: Promise<void> = Promise.resolve();

  constructor(
    private readonly host: TrialRunHost,
    readonly attempt: TrialAttempt,
    /** When its pack started (performance.now()): its seconds count from there. */
    private readonly t0: number,
  ) {}

  get trial(): TrialRecord {
    return this.attempt.trial;
  }

  /**
   * Records one epoch after the ones before it, then tells the listener. Called by the
   * executor as epochs come; returns the pruner's verdict, at once, for a judged trial.
   */
  epoch(m: EpochMessage, judged: boolean): EpochVerdict {
    const { storage, listener } = this.host;
    const { id, number } = this.trial;
    const verdict = judged ? this.host.board?.report(number, m.execution, m.epoch, m.metrics) : undefined;
    this.written = this.written.then(async () => {
      // Epochs after a signal are still written: a trial that completes anyway must show them all.
      if (this.host.faulted()) return;
      try {
        await storage.recordEpoch(id, m.execution, m.epoch, m.metrics);
      } catch (err) {
        // Thrown here, it would be unhandled and end the process with no trial marked.
        return this.host.fault(err);
      }
      listener({ type: 'epoch', number, execution: m.execution, epoch: m.epoch, metrics: m.metrics });
    });
    return verdict;
  }

  /** Records how the attempt ended, once its epochs are in: complete, stopped, to run again, failed, or left running. */
  async end(end: TrialEnd): Promise<TrialVerdict> {
    await this.written;
    const { storage, studyId, oracle, listener } = this.host;
    const { trial, attempt } = this.attempt;
    const seconds = (performance.now() - this.t0) / 1000;
    if ('outcome' in end) {
      const { outcome, pruned } = end;
      await storage.saveWeights(trial.id, outcome.weights);
      const k = this.host.folds;
      if (k !== undefined)
        await storage.saveFoldScores(
          trial.id,
          outcome.executions.map((e, m) => ({ ...memberPlace(m, k), score: e.best, bestEpoch: e.bestEpoch })),
        );
      for (const [i, checkpoint] of (outcome.checkpoints ?? []).entries()) await storage.saveCheckpoint(trial.id, i + 1, checkpoint);
      if (pruned !== undefined) await storage.pruneTrial(trial.id, outcome.score, outcome.bestEpoch, seconds);
      else await storage.completeTrial(trial.id, outcome.score, outcome.bestEpoch, seconds);
      this.host.board?.finished(trial.number, pruned !== undefined ? 'pruned' : 'complete');
      await storage.pruneWeights(studyId, this.host.keepWeights);
      if (oracle.checkpointsNeeded) await storage.keepCheckpoints(studyId, oracle.checkpointsNeeded((await storage.trials(studyId)).map(pastTrial)));
      listener({
        type: 'trial-complete',
        number: trial.number,
        values: trial.values,
        score: outcome.score,
        bestEpoch: outcome.bestEpoch,
        seconds,
        ...(pruned !== undefined ? { pruned } : {}),
      });
      return { kind: 'complete' };
    }
    this.host.board?.forget(trial.number);
    // Left running, the run's end marks it interrupted, so that the next run resumes it.
    if (this.host.halted()) return { kind: 'left' };
    const why = this.host.stopping();
    if (why !== undefined) {
      await storage.stopTrial(trial.id, why, seconds);
      listener({ type: 'trial-failed', number: trial.number, values: trial.values, error: why, status: 'stopped' });
      return { kind: 'stopped' };
    }
    if (attempt <= this.host.maxRetries) {
      const again = await storage.retryTrial(trial.id, end.error);
      listener({ type: 'trial-started', number: again.number, values: again.values, resumed: true, ...(again.schedule ? { schedule: again.schedule } : {}) });
      return { kind: 'retry', error: end.error, again: { trial: again, attempt: attempt + 1 } };
    }
    await storage.failTrial(trial.id, end.error, seconds);
    listener({ type: 'trial-failed', number: trial.number, values: trial.values, error: end.error, status: 'failed' });
    return { kind: 'failed', error: end.error };
  }
}

/** A trial as oracles see it. */
export function pastTrial(t: TrialRecord): PastTrial {
  return { number: t.number, values: t.values as Values, status: t.status, score: t.score, schedule: t.schedule };
}

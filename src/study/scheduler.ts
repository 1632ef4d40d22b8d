import type { StudyEndReason, StudyListener } from '../domain/events.js';
import type { StudyRecord } from '../domain/study.js';
import { COUNTED_STATUSES, SCORED_STATUSES, type TrialRecord } from '../domain/trial.js';
import type { Oracle } from '../oracles/oracle.js';
import type { Executor } from '../pool/executor.js';
import type { Values } from '../space/hyperparameter.js';
import { fillGrown } from '../space/growth.js';
import type { StudySpec } from '../space/study-spec.js';
import type { Storage } from '../storage/storage.js';
import { makePruner } from '../pruners/make-pruner.js';
import type { EpochMetrics } from '../domain/trial.js';
import { PruningBoard } from './pruning-board.js';
import type { FoldHooks } from '../folds/fold-data.js';
import { trialJob, whyInvalid } from './trial-job.js';
import { plateaued } from './plateau.js';
import { holdsItsShare, PackLoad, trialCost } from './tail-balance.js';
import { pastTrial, TrialRun, type TrialAttempt, type TrialRunHost, type TrialVerdict } from './trial-run.js';

/** How often an idle run looks at the study while other processes run its last trials. */
export const POLL_MS = 1000;
/** Proposals lost to another process (it took the same values first) before giving up a turn. */
const RACES = 5;

export interface SchedulerOptions {
  spec: StudySpec;
  /** The space file's tuner section with the command line's overrides. */
  tuner: StudySpec['tuner'];
  study: StudyRecord;
  storage: Storage;
  oracle: Oracle;
  /** Trains the packs; the scheduler keeps `executor.slots` of them under way. */
  executor: Executor;
  /** Trials trained together in one pack. */
  packSize: number;
  /** Features per row, which decides whether a trial's values build a model. */
  inputDim: number;
  signal: AbortSignal;
  listener: StudyListener;
  /** performance.now() past which no trial starts (the tuner's timeout); undefined: none. */
  deadline?: number;
  /** The folds' rows of a cross-validated study; `tuner.executionsPerTrial` then counts executions x folds. */
  folds?: FoldHooks;
}

export interface SchedulerResult {
  reason: StudyEndReason;
  lastError?: string;
  /** Set when the run ended on max_consecutive_invalid_trials: the last invalid trial's values and why. */
  invalid?: { values: Values; error: string; count: number };
}

/**
 * What the study does next: a trial to run (an interrupted or stopped one again first, else the
 * oracle's proposal); 'wait' when the oracle needs a running trial to end first; 'full' when
 * max_trials are complete or under way in all processes; undefined when the oracle is done.
 * `left`: for a new trial, how many more max_trials allows.
 */
type NextTrial = { record: TrialRecord; resumed: boolean; left?: number } | 'wait' | 'full' | undefined;

/**
 * The ask -> run -> tell loop of one `tune run` (KerasTuner's oracle loop, Optuna's
 * _optimize): asks for trials, fills packs of them and keeps the executor's slots busy, queues
 * a failed trial's retry, and decides why the run ends. Each trial's own lifecycle is a
 * TrialRun. Whatever ends the run, its running trials are marked interrupted at the end, so
 * that the next run starts them again.
 */
export class Scheduler implements TrialRunHost {
  readonly storage: Storage;
  readonly studyId: number;
  readonly oracle: Oracle;
  readonly listener: StudyListener;
  readonly maxRetries: number;
  readonly keepWeights: number;
  readonly board: PruningBoard | undefined;
  readonly folds: number | undefined;
  /** Trials under way in this process, by id: the oracle sees their values as pending. */
  private readonly running = new Map<number, TrialRecord>();
  /** Packs under way: each holds a slot until its last trial's end is recorded. */
  private readonly packs = new Set<Promise<void>>();
  /** Retries waiting to start, each alone in its pack. */
  private readonly retries: TrialAttempt[] = [];
  /** Wakes the loop when a retry is queued. */
  private wake: () => void = () => {};
  /** Aborts the running trials when the study stops on its own rule; the user's signal aborts them too. */
  private readonly stop = new AbortController();
  private readonly trialSignal: AbortSignal;
  /** What each pack under way has left to train. */
  private readonly loads = new Set<PackLoad>();
  /** The trials drawn by this run and their summed cost: a trial not drawn yet is expected to cost the mean. */
  private drawn = { count: 0, cost: 0 };
  private consecutiveFailures = 0;
  private consecutiveInvalid = 0;
  private lastInvalid: { values: Values; error: string } | undefined;
  private lastError: string | undefined;
  private failure: { error: unknown } | undefined;

  constructor(private readonly o: SchedulerOptions) {
    this.storage = o.storage;
    this.studyId = o.study.id;
    this.oracle = o.oracle;
    this.listener = o.listener;
    this.maxRetries = o.tuner.maxRetriesPerTrial;
    this.keepWeights = o.tuner.keepWeights;
    this.folds = o.folds?.k;
    this.trialSignal = AbortSignal.any([o.signal, this.stop.signal]);
    const { pruner, direction, objective, executionsPerTrial } = o.tuner;
    this.board = pruner.kind === 'none' ? undefined : new PruningBoard(makePruner(pruner), direction, objective as keyof EpochMetrics, executionsPerTrial);
  }

  halted(): boolean {
    return this.o.signal.aborted || this.failure !== undefined;
  }

  faulted(): boolean {
    return this.failure !== undefined;
  }

  stopping(): string | undefined {
    return this.stop.signal.aborted ? `the run ended after ${this.o.tuner.maxConsecutiveFailedTrials} consecutive failed trials` : undefined;
  }

  fault(error: unknown): void {
    this.failure ??= { error };
    this.stop.abort();
  }

  /** Runs until an end reason holds, then waits for the packs under way. Rejects with the first storage error. */
  async run(): Promise<SchedulerResult> {
    const { tuner, signal } = this.o;
    let reason: StudyEndReason | undefined;
    try {
      await this.board?.load(this.storage, await this.storage.trials(this.studyId));
      let last: NextTrial = 'full';
      while (reason === undefined) {
        if (this.failure !== undefined) throw this.failure.error;
        this.startRetries();
        if (signal.aborted) reason = 'interrupted';
        else if (this.consecutiveFailures >= tuner.maxConsecutiveFailedTrials) reason = 'failures';
        else reason = await this.budgetSpent();
        while (reason === undefined && this.packs.size < this.o.executor.slots) {
          const filled = await this.fillPack();
          last = filled.last;
          reason = filled.reason;
          if (filled.pack.length === 0) break;
          this.launch(filled.pack.map((trial) => ({ trial, attempt: 1 })));
        }
        if (reason !== undefined) break;
        if (this.running.size === 0 && this.retries.length === 0) {
          // Other processes may still run trials of this study: wait for them, taking over any
          // whose process dies, so that the study is whole when the last run ends.
          const elsewhere = (await this.storage.trials(this.studyId)).some((t) => t.status === 'running');
          if (!elsewhere && last !== 'wait') {
            reason = last === 'full' ? 'max-trials' : this.oracle.endReason;
            break;
          }
        }
        // A retry queued since the loop's top starts now, not after the wait.
        if (this.retries.length > 0) continue;
        // The poll's timer and listener go when a pack wins the race: a fast study starts many.
        const poll = new AbortController();
        const woken = new Promise<void>((resolve) => (this.wake = resolve));
        const wait = this.o.deadline !== undefined ? Math.max(0, Math.min(POLL_MS, this.o.deadline - performance.now())) : POLL_MS;
        await Promise.race([...this.packs, woken, delay(wait, AbortSignal.any([signal, poll.signal]))]);
        poll.abort();
      }
      // A retry queued by a trial that ends now still runs, as it would have while the loop went on.
      while (this.packs.size > 0 || this.retries.length > 0) {
        this.startRetries();
        await Promise.allSettled([...this.packs]);
      }
    } finally {
      if (signal.aborted) reason = 'interrupted';
      try {
        await this.storage.interruptRunning(this.studyId);
      } catch {
        // The storage itself failed; its error is already on its way out.
      }
    }
    if (this.failure !== undefined) throw this.failure.error;
    return {
      reason,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      ...(reason === 'invalid' && this.lastInvalid ? { invalid: { ...this.lastInvalid, count: this.consecutiveInvalid } } : {}),
    };
  }

  /** 'timeout' past the deadline, 'plateau' when stop_when's patience ran out; else undefined. */
  private async budgetSpent(): Promise<StudyEndReason | undefined> {
    const { deadline, tuner } = this.o;
    if (deadline !== undefined && performance.now() >= deadline) return 'timeout';
    const patience = tuner.stopWhen?.patienceTrials;
    if (patience !== undefined && plateaued(await this.storage.trials(this.studyId), tuner.direction, patience)) return 'plateau';
    return undefined;
  }

  /**
   * A pack: the next trials the study has, up to its size, each seen by the oracle as pending
   * when it proposes the next. Invalid trials are recorded and skipped; too many in a row end
   * the run ('invalid').
   */
  private async fillPack(): Promise<{ pack: TrialRecord[]; last: NextTrial; reason?: StudyEndReason }> {
    const { spec, tuner, signal, listener } = this.o;
    const pack: TrialRecord[] = [];
    let last: NextTrial = 'full';
    let cost = 0;
    while (pack.length < this.o.packSize) {
      last = await this.nextTrial();
      if (typeof last === 'string' || last === undefined) break;
      const { record } = last;
      const values = record.values as Values;
      listener({ type: 'trial-started', number: record.number, values, resumed: last.resumed, ...(record.schedule ? { schedule: record.schedule } : {}) });
      const invalid = whyInvalid(spec, values, this.o.inputDim);
      if (invalid !== undefined) {
        await this.storage.invalidTrial(record.id, invalid);
        listener({ type: 'trial-failed', number: record.number, values, error: invalid, status: 'invalid' });
        this.lastInvalid = { values, error: invalid };
        if (++this.consecutiveInvalid >= tuner.maxConsecutiveInvalidTrials) return { pack, last, reason: 'invalid' };
        // Invalid trials take no worker, so nothing else would let a signal through.
        await new Promise((resolve) => setImmediate(resolve));
        if (signal.aborted) return { pack, last, reason: 'interrupted' };
        continue;
      }
      this.consecutiveInvalid = 0;
      pack.push(record);
      this.running.set(record.id, record);
      const own = this.costOf(record);
      cost += own;
      this.drawn = { count: this.drawn.count + 1, cost: this.drawn.cost + own };
      if (last.left !== undefined && this.holdsItsShare(cost, last.left)) break;
    }
    return { pack, last };
  }

  /**
   * Whether a pack of this cost is enough for one slot, with `left` trials still to start.
   * Never under a timeout: a trial held back for a slot that frees later may then not start.
   */
  private holdsItsShare(pack: number, left: number): boolean {
    if (this.o.deadline !== undefined) return false;
    const busy = [...this.loads].reduce((sum, load) => sum + load.left, 0);
    return holdsItsShare({ pack, left, mean: this.drawn.cost / this.drawn.count, busy, slots: this.o.executor.slots });
  }

  /** A trial's cost in weight-epochs (see trialCost). */
  private costOf(trial: TrialRecord): number {
    const epochs = trial.schedule ? trial.schedule.epochs - trial.schedule.initialEpoch : this.o.tuner.epochs;
    return trialCost(this.o.spec, fillGrown(this.o.spec.space, trial.values as Values), this.o.inputDim, epochs);
  }

  /** The next trial to run: an interrupted or stopped one first, else a new one the oracle proposes. */
  private async nextTrial(): Promise<NextTrial> {
    const { spec, tuner } = this.o;
    const again = await this.storage.claimInterrupted(this.studyId);
    // An enqueued trial's first start is attempt 1: it starts, it does not resume.
    if (again) return { record: again, resumed: again.attempt > 1 };
    for (let race = 0; race < RACES; race++) {
      // The workers' messages and the leaderboard's redraws that came in meanwhile go first: a
      // pack's proposals would otherwise run back to back on resolved promises, holding the
      // main thread for all of them.
      await new Promise((resolve) => setImmediate(resolve));
      // Trials of a space that grew since read as KerasTuner reads them: new names at their defaults.
      const trials = (await this.storage.trials(this.studyId)).map((t) => ({ ...t, values: fillGrown(spec.space, t.values as Values) }));
      const counted = trials.filter((t) => COUNTED_STATUSES.has(t.status)).length;
      if (counted >= tuner.maxTrials) return 'full';
      const completed = trials.filter((t) => SCORED_STATUSES.has(t.status)).map((t) => ({ values: t.values as Values, score: t.score! }));
      // Every host's running trials, as Optuna's samplers see them: a proposal away from what
      // another process trains now, not only from this one's trials.
      const pending = trials.filter((t) => t.status === 'running' || this.running.has(t.id)).map((t) => t.values as Values);
      const tried = new Set(trials.map((t) => spec.space.key(t.values as Values)));
      const proposal = this.oracle.propose({ completed, pending, tried, trials: trials.map(pastTrial) });
      if (proposal === undefined || proposal === 'wait') return proposal;
      const record = await this.storage.createTrialWithin(this.studyId, proposal.values, tuner.maxTrials, proposal.schedule);
      if (record === 'limit') return 'full';
      if (record !== 'taken') return { record, resumed: false, left: tuner.maxTrials - counted - 1 };
    }
    return 'wait';
  }

  /** Starts every queued retry at once, each alone: its failed attempt's slot is about to be free. */
  private startRetries(): void {
    for (const retry of this.retries.splice(0)) this.launch([retry]);
  }

  /** Trains the attempts as one pack; the pack holds a slot from this call until its last end is recorded. */
  private launch(attempts: TrialAttempt[]): void {
    const tracked: Promise<void> = this.trainPack(attempts).finally(() => this.packs.delete(tracked));
    this.packs.add(tracked);
  }

  private async trainPack(attempts: TrialAttempt[]): Promise<void> {
    const { storage, studyId, oracle } = this;
    const t0 = performance.now();
    const ready: { run: TrialRun; job: Awaited<ReturnType<typeof trialJob>> }[] = [];
    for (const attempt of attempts) {
      const run = new TrialRun(this, attempt, t0);
      try {
        const job = await trialJob(storage, studyId, attempt.trial, this.o.tuner, oracle, this.o.folds);
        // A Hyperband trial is already cut short by its own schedule, and its epochs start past 1.
        ready.push({ run, job: { ...job, ...(this.board && !attempt.trial.schedule ? { judged: true } : {}) } });
      } catch (err) {
        await this.settle(run, { error: err instanceof Error ? err.message : String(err) });
      }
    }
    if (ready.length === 0) return;
    const costs = ready.map((r) => this.costOf(r.run.trial));
    const load = new PackLoad(costs.reduce((a, b) => a + b, 0));
    this.loads.add(load);
    try {
      const ends = this.o.executor.train(
        ready.map((r) => r.job),
        (i, message) => {
          const { job, run } = ready[i]!;
          load.epochDone(costs[i]!, job.executions, job.epochs - job.initialEpoch);
          return run.epoch(message, job.judged === true);
        },
        this.trialSignal,
      );
      await Promise.all(ends.map(async (end, i) => this.settle(ready[i]!.run, await end)));
    } finally {
      this.loads.delete(load);
    }
  }

  /** Records a trial's end and what it means for the run: failures counted, a retry queued. */
  private async settle(run: TrialRun, end: Parameters<TrialRun['end']>[0]): Promise<void> {
    const verdict: TrialVerdict = await run.end(end);
    this.running.delete(run.trial.id);
    switch (verdict.kind) {
      case 'complete':
        this.consecutiveFailures = 0;
        return;
      case 'retry':
        this.lastError = verdict.error;
        this.running.set(verdict.again.trial.id, verdict.again.trial);
        this.retries.push(verdict.again);
        this.wake();
        return;
      case 'failed':
        this.lastError = verdict.error;
        if (++this.consecutiveFailures >= this.o.tuner.maxConsecutiveFailedTrials) this.stop.abort();
        return;
      case 'stopped':
      case 'left':
        return;
    }
  }
}

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

import type { EpochMessage, PackTask, TrialEnd, TrialTask } from './messages.js';

/** Everything of a pack but its trials: the study's, the same for every pack. */
export type PackSetup = Omit<PackTask, 'trials'>;

/**
 * Makes the executor of a run, once the study has chosen its backend, engine and workers
 * (`slots`). `tune run` passes the piscina pool's; the study never picks one itself. `setup`
 * is called once, as the executor is made, after its threads have started: they boot while it
 * runs. An error it throws comes out of the factory, before any trial exists.
 */
export type ExecutorFactory = (setup: () => PackSetup, slots: number) => Executor;

/**
 * One trial as an executor trains it: its task without the port and the verdict cells, which
 * the executor makes; `judged`: the study's pruner judges it at its epoch ends.
 */
export type TrialJob = Omit<TrialTask, 'port' | 'verdict'> & { judged?: boolean };

/**
 * The study's word on a trial at an epoch end, once every execution has reported that epoch:
 * 'prune' stops it there, 'continue' lets it train on. Undefined: nothing decided at this message.
 */
export type EpochVerdict = 'prune' | 'continue' | undefined;

/**
 * What trains the study's trials, a pack at a time: the piscina pool (PiscinaExecutor), or in
 * tests a fake that needs no threads. The study (main thread) calls it; it never touches
 * storage. Everything but the trials (the data, the model, the compile settings) is the
 * executor's own, fixed when it is made.
 */
export interface Executor {
  /** Packs it trains at once (its workers); the study keeps this many under way. */
  readonly slots: number;
  /**
   * Starts training `jobs` together as one pack. `onEpoch(i, message)` hears job i's epochs
   * in order as they come; for a judged job, its verdict reaches the worker before that job
   * trains its next epoch (or within VERDICT_WAIT_MS), and a pruned job ends with its outcome
   * so far, marked `pruned`. Returns one promise per job that resolves (never rejects) with its
   * end, its outcome or the error that failed it, once its last epoch has been heard (or, for
   * a worker that died, a bounded wait for it has passed). `signal` aborts the whole pack:
   * its jobs then end with an error.
   */
  train(jobs: TrialJob[], onEpoch: (index: number, message: EpochMessage) => EpochVerdict, signal: AbortSignal): Promise<TrialEnd>[];
  /** Stops the workers once the packs under way have ended; called once, when the study is done. */
  close(): Promise<void>;
}

import type { Storage } from '../storage/storage.js';

/** How often a run tells other processes its trials are alive, and looks for dead ones. */
export const HEARTBEAT_MS = 2000;
/** A trial of another process whose heartbeat is older than this is taken as crashed. */
export const STALE_MS = 30_000;

/**
 * While a study runs: every few seconds, marks this handle's running trials alive and
 * interrupts the trials of processes that are gone, so that they run again. Optuna's
 * heartbeat thread, as an object that is started and stopped (see `during`).
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  /** The beat under way, if any: a slow store must not stack beats up. */
  private beating: Promise<void> | undefined;

  constructor(
    private readonly storage: Storage,
    private readonly studyId: number,
    private readonly everyMs = HEARTBEAT_MS,
    private readonly staleMs = STALE_MS,
  ) {}

  /** Runs `fn` with a heartbeat started, and stops it however `fn` ends. */
  static async during<T>(storage: Storage, studyId: number, fn: () => Promise<T>): Promise<T> {
    const heartbeat = new Heartbeat(storage, studyId).start();
    try {
      return await fn();
    } finally {
      await heartbeat.stop();
    }
  }

  start(): this {
    this.timer ??= setInterval(() => (this.beating ??= this.beat().finally(() => (this.beating = undefined))), this.everyMs);
    // A heartbeat alone must not keep the process alive.
    this.timer.unref();
    return this;
  }

  /** Stops the beats, once the one under way has ended. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
  }

  private async beat(): Promise<void> {
    try {
      await this.storage.heartbeat();
      await this.storage.recoverStale(this.studyId, this.staleMs);
    } catch {
      // A busy or closing database: the next beat tries again, well within the stale time.
    }
  }
}

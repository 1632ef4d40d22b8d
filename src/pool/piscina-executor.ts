import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { EpochVerdict, Executor, PackSetup, TrialJob } from './executor.js';
import { VERDICT, type EpochMessage, type PackTask, type TrialEnd, type TrialTask } from './messages.js';

/** How long a trial's last epoch messages are awaited after its worker died or was aborted. */
const DRAIN_MS = 1000;

/** The piscina pool of trial workers (trial-worker.ts) as the study's executor. */
export class PiscinaExecutor implements Executor {
  private readonly pool: Piscina<PackTask, void>;
  private readonly setup: PackSetup;

  /**
   * Starts the pool's threads (piscina starts minThreads in its constructor), then makes the
   * setup (the shared data, the model) while they boot. A setup that fails stops the threads
   * and throws, before any trial exists.
   */
  constructor(
    makeSetup: () => PackSetup,
    readonly slots: number,
  ) {
    this.pool = new Piscina<PackTask, void>({ filename: new URL('./trial-worker.js', import.meta.url).href, minThreads: slots, maxThreads: slots });
    try {
      this.setup = makeSetup();
    } catch (err) {
      void this.pool.destroy();
      throw err;
    }
  }

  train(jobs: TrialJob[], onEpoch: (index: number, message: EpochMessage) => EpochVerdict, signal: AbortSignal): Promise<TrialEnd>[] {
    // Shared memory: a worker busy training hears no message, but it can read these cells.
    const verdicts = jobs.map(({ judged }) => (judged ? new Int32Array(new SharedArrayBuffer(VERDICT.CELLS * Int32Array.BYTES_PER_ELEMENT)) : undefined));
    const channels = jobs.map((_, i) => channel((m) => tell(verdicts[i], m.epoch, onEpoch(i, m))));
    const trials = jobs.map(({ judged: _, ...job }, i): TrialTask => ({ ...job, port: channels[i]!.port2, ...(verdicts[i] ? { verdict: verdicts[i] } : {}) }));
    const task: PackTask = { ...this.setup, trials };
    const run = this.pool.run(task, { transferList: channels.map((ch) => ch.port2), signal });
    return channels.map(async (ch) => {
      // The trial's own end, or the pack's: a worker that died or was aborted sends none.
      const first = await Promise.race([
        ch.end,
        run.then(
          () => undefined,
          (err: unknown) => ({ error: err instanceof Error ? err.message : String(err), thrown: true }),
        ),
      ]);
      if (first === undefined || 'thrown' in first) await ch.settle();
      const end = ch.received ??
        (first !== undefined && 'thrown' in first ? { error: first.error } : first) ?? { error: "the worker ended without this trial's result" };
      ch.port1.close();
      return end;
    });
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

/** Hands the worker the study's verdict on one epoch, waking it if it waits. */
function tell(cells: Int32Array | undefined, epoch: number, verdict: EpochVerdict): void {
  if (cells === undefined || verdict === undefined) return;
  if (verdict === 'prune' && Atomics.load(cells, VERDICT.PRUNED) === 0) Atomics.store(cells, VERDICT.PRUNED, epoch);
  Atomics.store(cells, VERDICT.DECIDED, Math.max(epoch, Atomics.load(cells, VERDICT.DECIDED)));
  Atomics.notify(cells, VERDICT.DECIDED);
}

/** The main thread's end of a trial's port: epochs handed on as they come, then its end. */
function channel(onEpoch: (message: EpochMessage) => void) {
  const { port1, port2 } = new MessageChannel();
  let endOf: (end: TrialEnd) => void = () => {};
  const ch = {
    port1,
    port2,
    received: undefined as TrialEnd | undefined,
    end: new Promise<TrialEnd>((resolve) => (endOf = resolve)),
    drained: undefined as unknown as Promise<void>,
    // Epochs still in flight must be heard before the trial's end is; a worker that died
    // sends no end marker, hence the bound.
    settle: (): Promise<unknown> => Promise.race([ch.drained, new Promise((resolve) => setTimeout(resolve, DRAIN_MS))]),
  };
  ch.drained = new Promise<void>((resolve) => {
    port1.on('message', (m: EpochMessage | TrialEnd | null) => {
      if (m === null) return resolve();
      if ('execution' in m) return onEpoch(m);
      ch.received = m;
      endOf(m);
    });
  });
  return ch;
}

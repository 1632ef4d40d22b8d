import type { EpochMetrics } from '../../src/domain/trial.js';
import type { Executor, TrialJob } from '../../src/pool/executor.js';
import type { EpochMessage, TrialEnd } from '../../src/pool/messages.js';

/** How a fake trial behaves: epochs it reports (one every `epochMs`), then how it ends. */
export interface FakeTrial {
  /** Epochs reported before the end (default: all the job asks for). */
  epochs?: number;
  epochMs?: number;
  /** The error that fails it; a score otherwise (default 0.5). */
  error?: string;
  score?: number;
}

/** Trial number and attempt (1-based, counted by the fake) to how that attempt behaves. */
export type Script = (number: number, attempt: number) => FakeTrial;

const metricsAt = (epoch: number): EpochMetrics => ({ loss: 1 / epoch, accuracy: 0.5, val_loss: 1 / epoch, val_accuracy: 1 - 1 / (epoch + 1) });

/**
 * An executor with no threads: each job "trains" on timers as `script` says, reporting epochs
 * and then its end as a worker would, and stopping with an error when the pack is aborted.
 * It keeps what the study asked of it, so that tests can check the packs.
 */
export class FakeExecutor implements Executor {
  /** Every pack, as the jobs it held. */
  readonly packs: TrialJob[][] = [];
  /** Packs under way now, and the most ever under way at once. */
  private underway = 0;
  maxUnderway = 0;
  closed = false;
  private readonly attempts = new Map<number, number>();

  constructor(
    readonly slots: number,
    private readonly script: Script = () => ({}),
  ) {}

  train(jobs: TrialJob[], onEpoch: (index: number, message: EpochMessage) => void, signal: AbortSignal): Promise<TrialEnd>[] {
    this.packs.push(jobs);
    this.maxUnderway = Math.max(this.maxUnderway, ++this.underway);
    const ends = jobs.map((job, i) => {
      const attempt = (this.attempts.get(job.number) ?? 0) + 1;
      this.attempts.set(job.number, attempt);
      return this.trainOne(job, this.script(job.number, attempt), (m) => onEpoch(i, m), signal);
    });
    void Promise.all(ends).then(() => this.underway--);
    return ends;
  }

  private async trainOne(job: TrialJob, behave: FakeTrial, onEpoch: (m: EpochMessage) => void, signal: AbortSignal): Promise<TrialEnd> {
    const epochs = behave.epochs ?? job.epochs - job.initialEpoch;
    for (let k = 1; k <= epochs; k++) {
      await new Promise((resolve) => setTimeout(resolve, behave.epochMs ?? 1));
      if (signal.aborted) return { error: 'The task has been aborted' };
      const epoch = job.initialEpoch + k;
      for (let execution = 1; execution <= job.executions; execution++) onEpoch({ execution, epoch, metrics: metricsAt(epoch) });
    }
    if (behave.error !== undefined) return { error: behave.error };
    const score = behave.score ?? 0.5;
    const state = { weights: { tensors: [{ shape: [1], values: Float32Array.of(score) }] }, iterations: epochs, slots: { tensors: [] } };
    return {
      outcome: {
        score,
        bestEpoch: job.epochs,
        weights: state.weights,
        executions: Array.from({ length: job.executions }, () => ({ best: score, bestEpoch: job.epochs })),
        ...(job.checkpoint ? { checkpoints: Array.from({ length: job.executions }, () => state) } : {}),
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

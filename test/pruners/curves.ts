import type { CurveTrial, PruneQuestion } from '../../src/pruners/pruner.js';

/** A complete trial with this curve. */
export const complete = (number: number, values: number[]): CurveTrial => ({ number, status: 'complete', values });
export const running = (number: number, values: number[]): CurveTrial => ({ number, status: 'running', values });
export const pruned = (number: number, values: number[]): CurveTrial => ({ number, status: 'pruned', values });

/** The question for trial 100 with `values`, judged at its last epoch, against `others`. */
export function ask(values: number[], others: CurveTrial[], direction: 'max' | 'min' = 'max'): PruneQuestion {
  return { direction, trial: running(100, values), others };
}

/** Five complete trials to judge against (maximising): at epoch 1 their values are 0.3 ... 0.7. */
export const FIVE: CurveTrial[] = [
  complete(1, [0.5, 0.6, 0.7, 0.7]),
  complete(2, [0.4, 0.5, 0.6, 0.6]),
  complete(3, [0.6, 0.7, 0.8, 0.8]),
  complete(4, [0.3, 0.4, 0.5, 0.5]),
  complete(5, [0.7, 0.8, 0.9, 0.9]),
];

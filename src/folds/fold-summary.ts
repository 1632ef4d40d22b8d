import type { FoldScore } from '../domain/folds.js';

/** A cross-validated trial's scores as `tune show` gives them. */
export interface FoldSummary {
  /** Per fold: the mean over executions of their best objective values, with each execution's. */
  folds: { fold: number; score: number; executions: { execution: number; score: number; bestEpoch: number }[] }[];
  /** Mean over folds of the fold scores: the trial's score. */
  mean: number;
  /** Standard deviation over folds of the fold scores, numpy's default (divided by k, not k - 1). */
  std: number;
}

/** The summary of a trial's stored fold scores; undefined when it has none (not cross-validated, or not finished). */
export function summarizeFolds(scores: readonly FoldScore[]): FoldSummary | undefined {
  if (scores.length === 0) return undefined;
  const byFold = new Map<number, FoldScore[]>();
  for (const s of scores) byFold.set(s.fold, [...(byFold.get(s.fold) ?? []), s]);
  const folds = [...byFold.entries()]
    .sort(([a], [b]) => a - b)
    .map(([fold, members]) => ({
      fold,
      score: members.reduce((sum, m) => sum + m.score, 0) / members.length,
      executions: [...members].sort((a, b) => a.execution - b.execution).map(({ execution, score, bestEpoch }) => ({ execution, score, bestEpoch })),
    }));
  const mean = folds.reduce((sum, f) => sum + f.score, 0) / folds.length;
  const std = Math.sqrt(folds.reduce((sum, f) => sum + (f.score - mean) ** 2, 0) / folds.length);
  return { folds, mean, std };
}

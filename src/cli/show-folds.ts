import type { EpochRecord, Storage } from '../storage/storage.js';
import type { TrialRecord } from '../domain/trial.js';
import { memberPlace } from '../folds/fold-data.js';
import { summarizeFolds, type FoldSummary } from '../folds/fold-summary.js';
import { formatScore } from '../tui/format.js';

/** An epoch as `tune show` gives it: a cross-validated trial's stored member named by its execution and fold. */
export type ShownEpoch = EpochRecord & { fold?: number };

/** What `tune show` adds for a trial of a cross-validated study. */
export interface ShownFolds {
  /** The study's number of folds. */
  k: number;
  /** The fold scores and their mean and spread, once the trial has them (complete or pruned). */
  summary: FoldSummary | undefined;
}

/** The trial's cross-validation, or undefined for a study that is not cross-validated. */
export async function shownFolds(storage: Storage, studyId: number, trial: TrialRecord): Promise<ShownFolds | undefined> {
  const folds = await storage.studyFolds(studyId);
  if (folds === undefined) return undefined;
  return { k: folds.folds.length, summary: summarizeFolds(await storage.foldScores(trial.id)) };
}

/** The trial's cross-validation in JSON, as `tune show --json` and `tune best --json` give it. */
export function foldJson(folds: ShownFolds): { k: number } & Partial<FoldSummary> {
  return { k: folds.k, ...(folds.summary ?? {}) };
}

/** Stored epochs with their member (execution x fold) named; unchanged without folds. */
export function placeEpochs(epochs: readonly EpochRecord[], folds: ShownFolds | undefined): ShownEpoch[] {
  if (folds === undefined) return [...epochs];
  return epochs.map((e) => ({ ...e, ...memberPlace(e.execution - 1, folds.k) }));
}

/** The lines of `tune show` that give a trial's fold scores, their mean and standard deviation. */
export function foldLines(folds: ShownFolds): string[] {
  const s = folds.summary;
  if (s === undefined) return [`cross-validation: ${folds.k} folds, no fold scores yet`];
  return [
    `cross-validation: ${folds.k} folds, mean ${formatScore(s.mean)}, std ${formatScore(s.std)}`,
    ...s.folds.map((f) => {
      const executions = f.executions.map((e) => `execution ${e.execution} ${formatScore(e.score)} at epoch ${e.bestEpoch}`);
      return `  fold ${f.fold}: ${formatScore(f.score)} (${executions.join(', ')})`;
    }),
  ];
}

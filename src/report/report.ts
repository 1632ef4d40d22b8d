/**
 * What a report shows, as plain data: the study, its hyperparameters, every trial with its
 * epochs, and the best trial on the test split. `tune report` gathers it from storage
 * (src/cli/report-command.ts) and renderReport (html.ts) turns it into one HTML file; nothing
 * here reads a database or a feature file.
 */
import type { Schedule, TrialStatus } from '../domain/trial.js';
import type { Hyperparameter, Values } from '../space/hyperparameter.js';
import type { Probabilities } from '../metrics/classes.js';

/** One execution's epoch, with the two validation metrics the curves draw. */
export interface ReportEpoch {
  execution: number;
  epoch: number;
  val_accuracy: number;
  val_loss: number;
}

export interface ReportTrial {
  number: number;
  status: TrialStatus;
  values: Readonly<Values>;
  score: number | null;
  bestEpoch: number | null;
  seconds: number | null;
  error: string | null;
  schedule: Readonly<Schedule> | null;
  epochs: ReportEpoch[];
}

/** The best trial evaluated on the test split: its probabilities and the true labels. */
export interface ReportTest {
  trial: number;
  classNames: string[];
  probabilities: Probabilities;
  labels: ArrayLike<number>;
}

export interface ReportData {
  study: { name: string; objective: string; direction: 'max' | 'min' };
  hyperparameters: readonly Hyperparameter[];
  trials: ReportTrial[];
  /** The test split's figures, or why there are none (no weights kept, a missing test split). */
  test: ReportTest | { note: string };
  /** When the report was made (ISO 8601), shown in its header. */
  made: string;
}

/**
 * The meta tag that marks a file as a report of tune's, and so one it may replace. Here rather
 * than beside the HTML, so that checking --out does not load Vega.
 */
export const REPORT_MARK = '<meta name="generator" content="tune report">';

/** A trial that the score figures draw: complete, with its score. */
export function scored(t: ReportTrial): t is ReportTrial & { score: number } {
  return t.status === 'complete' && t.score !== null && Number.isFinite(t.score);
}

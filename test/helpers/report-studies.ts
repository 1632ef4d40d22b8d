import { join } from 'node:path';
import type { TrialRecord } from '../../src/domain/trial.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { tinySpace, writeSpace, writeTinyData } from './tiny-study.js';
import { tempDir, tune } from './tune.js';

/** A study on disk: its folder, its database and its trials as `tune list --json` prints them. */
export interface StudyOnDisk {
  dir: string;
  db: string;
  trials: TrialRecord[];
}

function listed(dir: string): TrialRecord[] {
  return tune(['list', '--json', '--db', join(dir, 'trials.db')], dir)
    .stdout.trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TrialRecord);
}

function run(tuner: Record<string, unknown>, flags: string[] = [], classes = 2): string {
  const dir = tempDir('tune-report-');
  const names = ['cat', 'dog', 'fox'].slice(0, classes);
  const space = tinySpace(writeTinyData(dir, { maxLabel: classes - 1, classNames: names }), tuner);
  if (classes > 2) {
    const model = space['model'] as unknown[];
    model[model.length - 1] = { dense: classes, activation: 'softmax' };
    (space['compile'] as Record<string, unknown>)['loss'] = 'sparse_categorical_crossentropy';
  }
  writeSpace(dir, space);
  const r = tune(['run', join(dir, 'space.json'), '--no-tui', ...flags], dir);
  if (r.code !== 0) throw new Error(`tune run failed (${r.code}): ${r.stderr}`);
  return dir;
}

/** A real `tune run` of the tiny study: random search, two executions per trial. */
export function plainStudy(trials = 6): StudyOnDisk {
  const dir = run({ max_trials: trials, executions_per_trial: 2, epochs: 4 });
  return { dir, db: join(dir, 'trials.db'), trials: listed(dir) };
}

/** A real run of a three-class model (softmax, sparse categorical cross-entropy). */
export function threeClassStudy(): StudyOnDisk {
  const dir = run({ max_trials: 3, executions_per_trial: 1, epochs: 3 }, [], 3);
  return { dir, db: join(dir, 'trials.db'), trials: listed(dir) };
}

/** A real Hyperband run: brackets 2, 1, 0 of 15 trials (max_epochs 4, factor 2), promotions continuing their parents. */
export function hyperbandStudy(): StudyOnDisk {
  const dir = run({ max_trials: 100, max_epochs: 4, factor: 2, executions_per_trial: 1 }, ['--oracle', 'hyperband']);
  return { dir, db: join(dir, 'trials.db'), trials: listed(dir) };
}

/**
 * A real run, then a trial that failed and one whose values build no model, recorded through
 * the storage's own transitions, as the study records them when training throws or a model
 * cannot be built.
 */
export async function failedStudy(): Promise<StudyOnDisk> {
  const dir = run({ max_trials: 3, executions_per_trial: 1, epochs: 3 });
  const db = join(dir, 'trials.db');
  const storage = await SqliteStorage.open(db);
  try {
    const [study] = await storage.listStudies();
    const failed = await storage.createTrial(study!.id, { first_dense: 2, dropout_rate: 0.3 });
    await storage.failTrial(failed.id, 'loss became NaN at epoch 1', 0.1);
    const invalid = await storage.createTrial(study!.id, { first_dense: 8, dropout_rate: 0.2, extra_dense_layer: true, extra_dense: 4 });
    await storage.invalidTrial(invalid.id, 'the model cannot be built');
  } finally {
    await storage.close();
  }
  return { dir, db, trials: listed(dir) };
}

/** The 8 figures every report holds, by their data-chart name. */
export const CHARTS = ['history', 'curves', 'parallel', 'slice', 'importance', 'confusion', 'roc', 'pr'] as const;

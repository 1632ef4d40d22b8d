import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { TrialRecord } from '../../src/domain/trial.js';
import { tinySpace, writeSpace, writeTinyData } from './tiny-study.js';
import { ROOT, tempDir, trialsOf, tune } from './tune.js';

/** A study on disk: its folder, its database and its trials as `tune list --json` prints them. */
export interface StudyOnDisk {
  dir: string;
  db: string;
  trials: TrialRecord[];
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
  return { dir, db: join(dir, 'trials.db'), trials: trialsOf(dir) };
}

/** A real run of a three-class model (softmax, sparse categorical cross-entropy). */
export function threeClassStudy(): StudyOnDisk {
  const dir = run({ max_trials: 3, executions_per_trial: 1, epochs: 3 }, [], 3);
  return { dir, db: join(dir, 'trials.db'), trials: trialsOf(dir) };
}

/** A real Hyperband run: brackets 2, 1, 0 of 15 trials (max_epochs 4, factor 2), promotions continuing their parents. */
export function hyperbandStudy(): StudyOnDisk {
  const dir = run({ max_trials: 100, max_epochs: 4, factor: 2, executions_per_trial: 1 }, ['--oracle', 'hyperband']);
  return { dir, db: join(dir, 'trials.db'), trials: trialsOf(dir) };
}

/**
 * A real run of the study loop (test/fixtures/invalid-trials-run.js: runStudy, SQLite, the
 * worker pool) past the space check, on a grid of 16 value sets: first_dense 0 builds no model
 * (4 invalid trials, recorded by the scheduler before any training), a learning rate of 1e30
 * blows the loss up in the first epoch (6 failed trials, as the engine fails them), and the
 * other 6 complete. The space check refuses a width of 0, so no space file reaches these
 * statuses through `tune run` itself.
 */
export function failedStudy(): StudyOnDisk {
  const dir = tempDir('tune-report-');
  const space = tinySpace(writeTinyData(dir), {
    oracle: 'grid',
    max_trials: 16,
    epochs: 2,
    max_consecutive_failed_trials: 16,
    max_consecutive_invalid_trials: 16,
  });
  space['hyperparameters'] = [
    { name: 'first_dense', type: 'choice', values: [0, 4, 8] },
    { name: 'dropout_rate', type: 'choice', values: [0.1, 0.3] },
    { name: 'learning_rate', type: 'choice', values: [0.003, 1e30] },
    { name: 'extra_dense_layer', type: 'boolean', when: { first_dense: [8] } },
  ];
  space['model'] = [
    { dense: '$first_dense', activation: 'relu' },
    { dropout: '$dropout_rate' },
    { dense: 4, activation: 'relu', if: 'extra_dense_layer' },
    { dense: 1, activation: 'sigmoid' },
  ];
  (space['compile'] as Record<string, unknown>)['learning_rate'] = '$learning_rate';
  const file = writeSpace(dir, space);
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'test', 'fixtures', 'invalid-trials-run.js'), file], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`the study loop failed (${r.status}): ${r.stderr}${r.stdout}`);
  return { dir, db: join(dir, 'trials.db'), trials: trialsOf(dir) };
}

/** The 8 figures every report holds, by their data-chart name. */
export const CHARTS = ['history', 'curves', 'parallel', 'slice', 'importance', 'confusion', 'roc', 'pr'] as const;

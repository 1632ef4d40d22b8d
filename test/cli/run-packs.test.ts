import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { TrialRecord } from '../../src/domain/trial.js';
import { tinySpace, writeSpace, writeTinyData } from '../helpers/tiny-study.js';
import { tempDir, tune } from '../helpers/tune.js';

const trialsOf = (dir: string): TrialRecord[] =>
  tune(['list', '--json', '--db', join(dir, 'trials.db')], dir)
    .stdout.trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TrialRecord);

type Shown = { epochs: { execution: number; epoch: number; metrics: Record<string, number> }[] };
const epochsOf = (dir: string, number: number): Shown['epochs'] => (JSON.parse(tune(['show', String(number), '--json'], dir).stdout) as Shown).epochs;

describe('tune run with trials packed on the native engine', () => {
  it('a study run in packs of 4 ends every trial as it ends in packs of 1: same scores, same epochs', () => {
    const dirs = [tempDir(), tempDir()];
    const runs = dirs.map((dir, i) => {
      // Grid: both runs propose the same trials in the same order, whatever the pack size.
      // Scored by AUC, with class weights: the class metrics and weighted losses pack as the rest.
      const space = tinySpace(writeTinyData(dir), { oracle: 'grid', max_trials: 8, epochs: 4, executions_per_trial: 2, objective: 'val_auc' });
      space['compile'] = {
        loss: 'binary_crossentropy',
        optimizer: 'adam',
        learning_rate: 0.05,
        metrics: ['accuracy', 'auc', 'f1'],
        class_weight: { '0': 1, '1': 2 },
      };
      const run = tune(['run', writeSpace(dir, space), '--workers', '2', '--engine', 'native', '--pack', i === 0 ? '1' : '4'], dir);
      assert.equal(run.code, 0, run.stderr);
      return run.stdout;
    });
    assert.match(runs[0]!, /workers=2 pack=1 /);
    assert.match(runs[1]!, /workers=2 pack=4 /);
    const [alone, packed] = dirs.map(trialsOf);
    assert.equal(alone!.length, 8);
    assert.deepEqual(
      packed!.map((t) => [t.number, t.status, t.values]),
      alone!.map((t) => [t.number, t.status, t.values]),
    );
    for (const [i, t] of packed!.entries()) {
      assert.equal(t.score, alone![i]!.score, `trial ${t.number}: the same score`);
      assert.equal(t.bestEpoch, alone![i]!.bestEpoch, `trial ${t.number}: the same best epoch`);
      assert.ok(t.seconds! > 0, `trial ${t.number} has its own time`);
      const epochs = epochsOf(dirs[1]!, t.number);
      assert.deepEqual(
        epochs.map((e) => [e.execution, e.epoch]),
        [
          [1, 1],
          [1, 2],
          [1, 3],
          [1, 4],
          [2, 1],
          [2, 2],
          [2, 3],
          [2, 4],
        ],
      );
      assert.ok(
        epochs.every((e) => e.metrics['val_auc'] !== undefined && e.metrics['val_f1'] !== undefined),
        `trial ${t.number}: every epoch records its class metrics`,
      );
      assert.deepEqual(epochs, epochsOf(dirs[0]!, t.number), `trial ${t.number}: the same metrics, epoch for epoch`);
    }
  });

  it('a trial whose loss blows up leaves its pack with its error; its pack mates complete', () => {
    const dir = tempDir();
    const space = tinySpace(writeTinyData(dir), { oracle: 'grid', max_trials: 3, epochs: 5, max_consecutive_failed_trials: 2 });
    space['hyperparameters'] = [{ name: 'lr', type: 'choice', values: [0.01, 1e30, 0.05] }];
    space['model'] = [
      { dense: 4, activation: 'relu' },
      { dense: 1, activation: 'sigmoid' },
    ];
    space['compile'] = { loss: 'binary_crossentropy', optimizer: 'sgd', momentum: 0.9, learning_rate: '$lr', metrics: ['accuracy'] };
    const run = tune(['run', writeSpace(dir, space), '--workers', '1', '--engine', 'native', '--pack', '3'], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^trial 2 failed: loss became (NaN|Infinity) at epoch 1$/m);
    const trials = trialsOf(dir);
    assert.deepEqual(
      trials.map((t) => [t.number, t.status]),
      [
        [1, 'complete'],
        [2, 'failed'],
        [3, 'complete'],
      ],
    );
    assert.equal(epochsOf(dir, 1).length, 5);
    assert.equal(epochsOf(dir, 3).length, 5);
  });

  it('the study picks the pack size: up to 4 on the native engine, 1 with tfjs on the CPU', () => {
    const dir = tempDir();
    const file = writeSpace(dir, tinySpace(writeTinyData(dir), { max_trials: 2, epochs: 1 }));
    assert.match(tune(['run', file, '--engine', 'native', '--workers', '1'], dir).stdout, /workers=1 pack=4 /);
    assert.match(tune(['run', file, '--engine', 'tfjs', '--workers', '1', '--max-trials', '3'], dir).stdout, /workers=1 pack=1 /);
  });
});

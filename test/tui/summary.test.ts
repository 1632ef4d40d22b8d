import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resultsSummary, type SummaryTrial } from '../../src/tui/summary.js';

const trials: SummaryTrial[] = [
  { number: 3, values: { units: 128, optimizer: 'sgd', momentum: 0.9 }, score: 0.8812, bestEpoch: 44, seconds: 35 },
  { number: 7, values: { units: 512, optimizer: 'adam', learning_rate: 0.000123456 }, score: 0.91234, bestEpoch: 17, seconds: 40.26 },
  { number: 5, values: { units: 64, batch_norm: false }, score: 0.9, bestEpoch: 9, seconds: 12 },
];

describe('results summary', () => {
  it('lists the best trials first, each with its hyperparameters and score', () => {
    assert.equal(
      resultsSummary(trials, 'val_accuracy', 'max'),
      [
        'Results summary',
        'Objective: val_accuracy (max)',
        'Showing 3 best trials',
        '',
        'Trial 7 summary',
        'Hyperparameters:',
        'units: 512',
        'optimizer: adam',
        // Full precision: the summary is what a user copies to retrain the model.
        'learning_rate: 0.000123456',
        'Score: 0.9123',
        'Best epoch: 17',
        'Seconds: 40.3',
        '',
        'Trial 5 summary',
        'Hyperparameters:',
        'units: 64',
        'batch_norm: false',
        'Score: 0.9000',
        'Best epoch: 9',
        'Seconds: 12.0',
        '',
        'Trial 3 summary',
        'Hyperparameters:',
        'units: 128',
        'optimizer: sgd',
        'momentum: 0.9',
        'Score: 0.8812',
        'Best epoch: 44',
        'Seconds: 35.0',
      ].join('\n'),
    );
  });

  it('puts the lowest score first for min and keeps only `top` trials', () => {
    const text = resultsSummary(trials, 'val_loss', 'min', 2);
    assert.match(text, /^Objective: val_loss \(min\)$/m);
    assert.match(text, /^Showing 2 best trials$/m);
    assert.deepEqual(
      [...text.matchAll(/^Trial (\d+) summary$/gm)].map((m) => Number(m[1])),
      [3, 5],
    );
  });

  it('breaks ties by trial number and leaves the input in its order', () => {
    const tied = [
      { number: 9, values: {}, score: 0.5, bestEpoch: 1, seconds: 1 },
      { number: 2, values: {}, score: 0.5, bestEpoch: 1, seconds: 1 },
    ];
    const text = resultsSummary(tied, 'val_accuracy', 'max');
    assert.deepEqual(
      [...text.matchAll(/^Trial (\d+) summary$/gm)].map((m) => Number(m[1])),
      [2, 9],
    );
    assert.deepEqual(
      tied.map((t) => t.number),
      [9, 2],
    );
  });

  it('says so when no trial is complete', () => {
    assert.equal(resultsSummary([], 'val_accuracy', 'max'), 'Results summary\nObjective: val_accuracy (max)\nNo complete trials.');
  });
});

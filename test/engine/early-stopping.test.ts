import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { earlyStopper } from '../../src/engine/train.js';
import type { EpochMetrics } from '../../src/domain/trial.js';
import { tinySpace, writeSpace, writeTinyData } from '../helpers/tiny-study.js';
import { tempDir, tune } from '../helpers/tune.js';

const epoch = (val_loss: number): EpochMetrics => ({ loss: 0, accuracy: 0, val_loss, val_accuracy: 0 });

/** The epoch (1-based) at which the stopper says stop, or undefined. */
function stopsAt(losses: number[], patience: number, minDelta = 0): number | undefined {
  const stop = earlyStopper({ monitor: 'val_loss', patience, minDelta, direction: 'min' });
  const i = losses.findIndex((l) => stop(epoch(l)));
  return i < 0 ? undefined : i + 1;
}

describe("early stopping (Keras' EarlyStopping)", () => {
  it('stops after `patience` epochs without improvement', () => {
    assert.equal(stopsAt([1, 0.9, 0.95, 0.96, 0.97, 0.5], 2), 4);
    assert.equal(stopsAt([1, 0.9, 0.95, 0.8, 0.97, 0.96], 2), 6);
    assert.equal(stopsAt([1, 0.9, 0.8, 0.7], 2), undefined);
    assert.equal(stopsAt([1, 1.1], 0), 2);
  });

  it('counts an improvement smaller than min_delta as none', () => {
    assert.equal(stopsAt([1, 0.99, 0.98, 0.97], 2, 0.05), 3);
  });

  it('ends an execution early in a real run, and records only the epochs it trained', () => {
    const dir = tempDir();
    // The tiny study separates its classes within a few epochs: val_accuracy then stays at 1.
    const space = tinySpace(writeTinyData(dir), { max_trials: 1, epochs: 40, early_stopping: { monitor: 'val_accuracy', patience: 2 } });
    assert.equal(tune(['run', writeSpace(dir, space)], dir).code, 0);
    const shown = JSON.parse(tune(['show', '1', '--json'], dir).stdout) as { epochs: { epoch: number; metrics: EpochMetrics }[] };
    const accuracies = shown.epochs.map((e) => e.metrics.val_accuracy);
    assert.ok(accuracies.length < 40, `stopped early after ${accuracies.length} epochs`);
    const stop = earlyStopper({ monitor: 'val_accuracy', patience: 2, minDelta: 0, direction: 'max' });
    const at = accuracies.findIndex((a) => stop({ ...epoch(0), val_accuracy: a })) + 1;
    assert.equal(at, accuracies.length, 'it stopped exactly where the rule says');
  });
});

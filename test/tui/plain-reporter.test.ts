import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StudyEvent } from '../../src/domain/events.js';
import { plainReporter } from '../../src/tui/plain-reporter.js';
import { studyEvents } from './study-events.js';

/** The lines the reporter writes for `events`. */
function linesFor(events: StudyEvent[]): string[] {
  const lines: string[] = [];
  const listener = plainReporter((line) => lines.push(line));
  for (const event of events) listener(event);
  return lines;
}

describe('plain reporter', () => {
  it('writes one grep-friendly line per start, trial and finish', () => {
    const events = studyEvents()
      .map(([e]) => e)
      .slice(0, 9);
    const best = { number: 2, values: { units: 256, dropout: 0.3, optimizer: 'adam', learning_rate: 0.001, batch_norm: true }, score: 0.9 };
    events.push({ type: 'study-finished', reason: 'interrupted', seconds: 36.04, best });
    assert.deepEqual(linesFor(events), [
      'study gender started oracle=random backend=tfjs-node workers=2 pack=1 trials=10 completed_before=1 objective=val_accuracy direction=max',
      'trial 2 started units=256 dropout=0.3 optimizer=adam learning_rate=0.001 batch_norm=true',
      'trial 3 started units=128 dropout=0.5 optimizer=sgd momentum=0.9 batch_norm=false',
      'trial 2 complete val_accuracy=0.9000 (best epoch 31, 30.0s) best so far: trial 2 0.9000',
      'trial 4 started units=1024 dropout=0.2 optimizer=adam learning_rate=0.01 batch_norm=true',
      'trial 3 complete val_accuracy=0.8812 (best epoch 44, 35.0s) best so far: trial 2 0.9000',
      'trial 5 started units=512 dropout=0.1 optimizer=adam learning_rate=0.0001 batch_norm=true',
      // The error's stack is folded onto its line so that one event stays one line.
      'trial 4 failed: Error: OOM when allocating tensor with shape [512,25088] and type float on /job:localhost/replica:0/task:0 at train (mlp.js:42)',
      'study gender finished reason=interrupted seconds=36.0 done=4 best: trial 2 val_accuracy=0.9000 ' +
        'units=256 dropout=0.3 optimizer=adam learning_rate=0.001 batch_norm=true',
    ]);
  });

  it('ranks "best so far" in the study direction and marks resumed trials', () => {
    const lines = linesFor([
      {
        type: 'study-started',
        study: 's',
        oracle: 'grid',
        backend: 'cpu',
        engine: 'tfjs',
        workers: 1,
        pack: 1,
        objective: 'val_loss',
        direction: 'min',
        maxTrials: 3,
        epochs: 5,
        executionsPerTrial: 1,
        completedBefore: 0,
        hyperparameters: ['lr'],
      },
      { type: 'trial-started', number: 1, values: { lr: 0.1 }, resumed: true },
      { type: 'trial-complete', number: 1, values: { lr: 0.1 }, score: 0.5, bestEpoch: 2, seconds: 1 },
      { type: 'trial-complete', number: 2, values: { lr: 0.01 }, score: 0.25, bestEpoch: 5, seconds: 61.26 },
      { type: 'trial-complete', number: 3, values: { lr: 1 }, score: 0.75, bestEpoch: 1, seconds: 0.5 },
      { type: 'study-finished', reason: 'max-trials', seconds: 63 },
    ]);
    assert.deepEqual(lines, [
      'study s started oracle=grid backend=cpu workers=1 pack=1 trials=3 completed_before=0 objective=val_loss direction=min',
      'trial 1 resumed lr=0.1',
      'trial 1 complete val_loss=0.5000 (best epoch 2, 1.0s) best so far: trial 1 0.5000',
      'trial 2 complete val_loss=0.2500 (best epoch 5, 61.3s) best so far: trial 2 0.2500',
      'trial 3 complete val_loss=0.7500 (best epoch 1, 0.5s) best so far: trial 2 0.2500',
      'study s finished reason=max-trials seconds=63.0 done=3 best: trial 2 val_loss=0.2500 lr=0.01',
    ]);
  });

  it('writes nothing for epochs, and no ANSI codes anywhere', () => {
    const events = studyEvents().map(([e]) => e);
    const lines = linesFor(events);
    assert.equal(lines.length, events.filter((e) => e.type !== 'epoch').length);
    for (const line of lines) assert.doesNotMatch(line, /[\u001b\u009b\n]/, line);
  });

  it('says when no trial completed', () => {
    const lines = linesFor([
      studyEvents()[0]![0],
      { type: 'trial-failed', number: 2, values: {}, error: 'boom', status: 'failed' },
      { type: 'study-finished', reason: 'failures', seconds: 2 },
    ]);
    assert.equal(lines.at(-1), 'study gender finished reason=failures seconds=2.0 done=2 best: none');
  });
});

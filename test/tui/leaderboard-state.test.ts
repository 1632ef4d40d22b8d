import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StudyEvent } from '../../src/domain/events.js';
import { bestTrial, elapsed, eta, initialState, reduce } from '../../src/tui/leaderboard-state.js';
import { feed, LONG_ERROR, studyEvents, T0 } from './study-events.js';

const events = studyEvents();
/** The state after the first `n` events of the fixture study. */
const upTo = (n: number) => feed(events.slice(0, n));
const indexOf = (match: (e: StudyEvent) => boolean) => events.findIndex(([e]) => match(e));

describe('leaderboard state', () => {
  it('starts empty, and takes the header and clock from study-started', () => {
    assert.deepEqual(initialState(), { done: 0, running: [], top: [], failed: [], ended: [], pruned: 0, completedSeconds: 0 });
    const s = upTo(1);
    assert.equal(s.header?.study, 'gender');
    assert.equal(s.header?.executionsPerTrial, 2);
    assert.deepEqual(s.header?.hyperparameters, ['units', 'dropout', 'optimizer', 'learning_rate', 'momentum', 'batch_norm']);
    assert.equal(s.startedAt, T0);
    assert.equal(elapsed(s, T0 + 61_500), 61.5);
  });

  it('counts trials complete before this run, then each complete and failed one', () => {
    assert.equal(upTo(1).done, 1);
    assert.equal(upTo(indexOf((e) => e.type === 'trial-complete')).done, 1, 'started trials are not done');
    assert.equal(upTo(indexOf((e) => e.type === 'trial-complete') + 1).done, 2);
    assert.equal(feed(events).done, 6);
  });

  it('counts a pruned trial as done and pruned, and leaves it out of the ranking', () => {
    const s = upTo(1);
    const after = reduce(reduce(s, { type: 'trial-started', number: 9, values: {}, resumed: false }), {
      type: 'trial-complete',
      number: 9,
      values: {},
      score: 0.99,
      bestEpoch: 1,
      seconds: 2,
      pruned: 1,
    });
    assert.equal(after.done, s.done + 1);
    assert.equal(after.pruned, 1);
    assert.deepEqual(after.top, s.top);
    assert.deepEqual(after.running, s.running);
  });

  it('has no ETA before a trial completes, even after a failure', () => {
    assert.equal(eta(upTo(3)), undefined);
    const failedFirst = feed([events[0]!, [{ type: 'trial-failed', number: 2, values: {}, error: 'boom', status: 'failed' }, T0 + 1000]]);
    assert.equal(failedFirst.done, 2);
    assert.equal(eta(failedFirst), undefined);
  });

  it('estimates the ETA from the mean trial time, the trials left and the workers', () => {
    // After trial 2 (30 s): 8 trials left on 2 workers.
    assert.equal(eta(upTo(indexOf((e) => e.type === 'trial-complete') + 1)), 120);
    // Mean of 30, 35, 33, 40 s; 4 left on 2 workers.
    assert.equal(eta(feed(events)), 69);
  });

  it('moves a finished trial out of the running list, keeping the others in number order', () => {
    const s = feed(events);
    assert.deepEqual(
      s.running.map((t) => t.number),
      [7, 8],
    );
    assert.deepEqual(
      upTo(3).running.map((t) => t.number),
      [2, 3],
    );
  });

  it('keeps the val_accuracy of each epoch for the sparkline, restarting with each execution', () => {
    const epoch = (execution: number, n: number, v: number): StudyEvent => ({
      type: 'epoch',
      number: 7,
      execution,
      epoch: n,
      metrics: { loss: 1, accuracy: 0.5, val_loss: 1 - v, val_accuracy: v },
    });
    const s = [epoch(1, 24, 0.85), epoch(1, 25, 0.86)].reduce((st, e) => reduce(st, e, T0), feed(events));
    assert.deepEqual(s.running.find((t) => t.number === 7)?.curve, [0.8412, 0.85, 0.86]);
    assert.deepEqual(reduce(s, epoch(2, 1, 0.6), T0).running.find((t) => t.number === 7)?.curve, [0.6]);
  });

  it('lists every trial that ended, once each, in the order they ended', () => {
    const ended = feed(events).ended;
    assert.deepEqual(
      ended.map((t) => [t.number, t.status]),
      [
        [2, 'complete'],
        [3, 'complete'],
        [4, 'failed'],
        [6, 'complete'],
        [5, 'complete'],
      ],
    );
  });

  it('follows the latest execution, epoch and objective value of a running trial', () => {
    const seven = feed(events).running.find((t) => t.number === 7);
    assert.deepEqual(seven, {
      number: 7,
      values: { units: 32, dropout: 0.25, optimizer: 'adam', learning_rate: 0.003, batch_norm: true },
      execution: 1,
      epoch: 23,
      objectiveValue: 0.8412,
      curve: [0.8412],
    });
    const started = upTo(2).running[0];
    assert.equal(started?.epoch, 0);
    assert.equal(started?.objectiveValue, undefined);
  });

  it('reads the objective named by the study, whichever metric it is', () => {
    const s = feed(studyEvents('min', 'val_loss'));
    const event: StudyEvent = { type: 'epoch', number: 7, execution: 2, epoch: 3, metrics: { loss: 0.1, accuracy: 0.2, val_loss: 0.3, val_accuracy: 0.4 } };
    assert.equal(reduce(s, event, T0).running.find((t) => t.number === 7)?.objectiveValue, 0.3);
  });

  it('ranks complete trials by score in the study direction', () => {
    const max = feed(studyEvents('max')).top;
    assert.deepEqual(
      max.map((t) => [t.rank, t.number, t.score]),
      [
        [1, 5, 0.9321],
        [2, 6, 0.9125],
        [3, 2, 0.9],
        [4, 3, 0.8812],
      ],
    );
    assert.deepEqual(max[0], {
      rank: 1,
      number: 5,
      values: { units: 512, dropout: 0.1, optimizer: 'adam', learning_rate: 0.0001, batch_norm: true },
      score: 0.9321,
      bestEpoch: 17,
      seconds: 40,
    });
    assert.deepEqual(
      feed(studyEvents('min')).top.map((t) => t.number),
      [3, 2, 6, 5],
    );
  });

  it('keeps failed trials with their errors, in the order they failed', () => {
    const s = feed(events);
    assert.deepEqual(s.failed, [{ number: 4, error: LONG_ERROR, status: 'failed' }]);
    const more = reduce(s, { type: 'trial-failed', number: 8, values: {}, error: 'NaN loss', status: 'failed' }, T0);
    assert.deepEqual(
      more.failed.map((f) => f.number),
      [4, 8],
    );
    assert.deepEqual(
      more.running.map((t) => t.number),
      [7],
    );
  });

  it('on study-finished records the reason, drops abandoned trials, and prefers its best', () => {
    const before = feed(events);
    assert.equal(bestTrial(before)?.number, 5);
    const best = { number: 1, values: { units: 8 }, score: 0.95 };
    const s = reduce(before, { type: 'study-finished', reason: 'interrupted', seconds: 130, best }, T0);
    assert.deepEqual(s.finished, { reason: 'interrupted', seconds: 130, best });
    assert.deepEqual(s.running, []);
    assert.deepEqual(bestTrial(s), best);
  });

  it('never changes the state it is given', () => {
    const s = upTo(5);
    const copy = structuredClone(s);
    for (const [event, now] of events.slice(5)) reduce(s, event, now);
    assert.deepEqual(s, copy);
  });
});

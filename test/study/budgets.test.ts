import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StudyEvent } from '../../src/domain/events.js';
import type { TrialRecord } from '../../src/domain/trial.js';
import { makeOracle } from '../../src/oracles/make-oracle.js';
import { parseSpace } from '../../src/space/parse-space.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { plateaued } from '../../src/study/plateau.js';
import { Scheduler, type SchedulerResult } from '../../src/study/scheduler.js';
import { enqueueTrials } from '../../src/study/warm-start.js';
import { FakeExecutor, type Script } from './fake-executor.js';

const spec = (tuner: Record<string, unknown>) =>
  parseSpace(
    {
      name: 'fake',
      data: { train: '/none/train.hdf5', valid: '/none/valid.hdf5', test: '/none/test.hdf5' },
      hyperparameters: [
        { name: 'first_dense', type: 'choice', values: [2, 4, 8] },
        { name: 'dropout_rate', type: 'float', min: 0.05, max: 0.5 },
      ],
      model: [{ dense: '$first_dense', activation: 'relu' }, { dropout: '$dropout_rate' }, { dense: 1, activation: 'sigmoid' }],
      compile: { loss: 'binary_crossentropy', optimizer: 'adam', metrics: ['accuracy'] },
      tuner: { oracle: 'random', objective: 'val_accuracy', max_trials: 100, epochs: 3, seed: 1, ...tuner },
    },
    'fake.json',
  );

/** Runs the study on a memory store and a fake executor; `before` may write to the study first. */
async function run(
  tuner: Record<string, unknown>,
  o: { slots: number; script: Script; deadlineMs?: number; before?: (storage: MemoryStorage, studyId: number) => Promise<void> },
): Promise<{ result: SchedulerResult; trials: TrialRecord[]; events: StudyEvent[] }> {
  const s = spec(tuner);
  const storage = new MemoryStorage();
  const study = await storage.openStudy('fake', s.source, s.tuner.objective, s.tuner.direction, false);
  await o.before?.(storage, study.id);
  const events: StudyEvent[] = [];
  const scheduler = new Scheduler({
    spec: s,
    tuner: s.tuner,
    study,
    storage,
    oracle: makeOracle(s.tuner, s.space, 1),
    executor: new FakeExecutor(o.slots, o.script),
    packSize: 1,
    inputDim: 16,
    signal: new AbortController().signal,
    listener: (e) => events.push(e),
    ...(o.deadlineMs !== undefined ? { deadline: performance.now() + o.deadlineMs } : {}),
  });
  const result = await scheduler.run();
  return { result, trials: await storage.trials(study.id), events };
}

describe('budgets and warm starts in the scheduler (fake executor)', () => {
  it('past the deadline it starts no trial, lets the running ones finish, and ends with timeout', async () => {
    const t0 = performance.now();
    // Each trial takes about 3 x 40 ms; the budget of 100 ms passes while the third pair trains.
    const r = await run({}, { slots: 2, script: () => ({ epochMs: 40 }), deadlineMs: 100 });
    assert.equal(r.result.reason, 'timeout');
    assert.ok(r.trials.length >= 2 && r.trials.length <= 6, `${r.trials.length} trials`);
    assert.deepEqual([...new Set(r.trials.map((t) => t.status))], ['complete']);
    assert.ok(performance.now() - t0 < 1000);
  });

  it('ends with plateau after patience_trials trials without a better score, counting only strict improvements', async () => {
    // Trial 3 is the best; 4 ties it, 5 and 6 are worse: patience 3 ends the study after trial 6.
    const scores = [0.5, 0.6, 0.8, 0.8, 0.7, 0.75, 0.99, 0.99];
    const r = await run({ stop_when: { patience_trials: 3 } }, { slots: 1, script: (n) => ({ score: scores[n - 1] }) });
    assert.equal(r.result.reason, 'plateau');
    assert.deepEqual(
      r.trials.map((t) => t.score),
      [0.5, 0.6, 0.8, 0.8, 0.7, 0.75],
    );
  });

  it('starts waiting trials first, in their order, as new trials (not resumed)', async () => {
    const s = spec({});
    const sets = [
      { first_dense: 8, dropout_rate: 0.4 },
      { first_dense: 2, dropout_rate: 0.1 },
    ];
    const r = await run(
      { max_trials: 4 },
      { slots: 1, script: () => ({}), before: async (storage, id) => void (await enqueueTrials(storage, id, s.space, sets)) },
    );
    const started = r.events.filter((e): e is Extract<StudyEvent, { type: 'trial-started' }> => e.type === 'trial-started');
    assert.deepEqual(
      started.slice(0, 2).map((e) => [e.number, { ...e.values }, e.resumed]),
      [
        [1, sets[0], false],
        [2, sets[1], false],
      ],
    );
    assert.equal(r.trials.length, 4, 'the waiting trials count toward max_trials');
  });
});

describe('plateaued', () => {
  const trial = (
    number: number,
    score: number | null,
    status: TrialRecord['status'] = 'complete',
    finishedAt = `2026-01-01T00:00:${String(number).padStart(2, '0')}Z`,
  ): TrialRecord => ({
    id: number,
    number,
    status,
    values: {},
    score,
    bestEpoch: 1,
    startedAt: finishedAt,
    finishedAt,
    seconds: 1,
    error: null,
    schedule: null,
    attempt: 1,
  });

  it('counts scored trials in the order they finished, ignoring failed ones', () => {
    const trials = [trial(1, 0.7), trial(2, 0.9), trial(3, 0.5), trial(4, null, 'failed'), trial(5, 0.6, 'pruned')];
    assert.equal(plateaued(trials, 'max', 2), true);
    assert.equal(plateaued(trials, 'max', 3), false);
    // Trial 1 finished last: the best (trial 2) is followed by 3, 5 and 1.
    const late = [trial(1, 0.7, 'complete', '2026-01-01T00:01:00Z'), ...trials.slice(1)];
    assert.equal(plateaued(late, 'max', 3), true);
  });

  it('reads a lower score as better when the study minimises', () => {
    assert.equal(plateaued([trial(1, 0.3), trial(2, 0.4), trial(3, 0.2)], 'min', 1), false);
    assert.equal(plateaued([trial(1, 0.3), trial(2, 0.2), trial(3, 0.25)], 'min', 1), true);
    assert.equal(plateaued([], 'min', 1), false);
  });
});

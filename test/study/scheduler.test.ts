import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StudyEvent } from '../../src/domain/events.js';
import { makeOracle } from '../../src/oracles/make-oracle.js';
import type { Oracle } from '../../src/oracles/oracle.js';
import { parseSpace } from '../../src/space/parse-space.js';
import type { StudySpec } from '../../src/space/study-spec.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import type { Storage } from '../../src/storage/storage.js';
import { Scheduler, type SchedulerResult } from '../../src/study/scheduler.js';
import { FakeExecutor, type Script } from './fake-executor.js';

/** The tiny study's space, on data that is never read (the fake executor trains nothing). */
function spec(tuner: Record<string, unknown>, hyperparameters?: unknown[]) {
  return parseSpace(
    {
      name: 'fake',
      data: { train: '/none/train.hdf5', valid: '/none/valid.hdf5', test: '/none/test.hdf5' },
      hyperparameters: hyperparameters ?? [
        { name: 'first_dense', type: 'choice', values: [2, 4, 8] },
        { name: 'dropout_rate', type: 'float', min: 0.05, max: 0.5 },
      ],
      model: [{ dense: '$first_dense', activation: 'relu' }, { dropout: '$dropout_rate' }, { dense: 1, activation: 'sigmoid' }],
      compile: { loss: 'binary_crossentropy', optimizer: 'adam', metrics: ['accuracy'] },
      tuner: { oracle: 'random', objective: 'val_accuracy', max_trials: 6, epochs: 3, seed: 1, ...tuner },
    },
    'fake.json',
  );
}

interface Run {
  result: SchedulerResult;
  storage: Storage;
  studyId: number;
  executor: FakeExecutor;
  events: StudyEvent[];
}

/** Runs one study to its end on a fresh memory store with a fake executor. */
async function run(
  tuner: Record<string, unknown>,
  o: {
    slots?: number;
    pack?: number;
    script?: Script;
    signal?: AbortSignal;
    storage?: Storage;
    hyperparameters?: unknown[];
    edit?: (s: StudySpec) => void;
    /** Sees (and may wrap) the oracle the study asks. */
    oracle?: (oracle: Oracle) => Oracle;
    /** The tuner's timeout, from now. */
    deadlineMs?: number;
  } = {},
): Promise<Run> {
  const s = spec(tuner, o.hyperparameters);
  o.edit?.(s);
  const storage = o.storage ?? new MemoryStorage();
  const study = await storage.openStudy('fake', s.source, s.tuner.objective, s.tuner.direction, false);
  const executor = new FakeExecutor(o.slots ?? 2, o.script);
  const events: StudyEvent[] = [];
  const scheduler = new Scheduler({
    spec: s,
    tuner: s.tuner,
    study,
    storage,
    oracle: (o.oracle ?? ((x) => x))(makeOracle(s.tuner, s.space, s.tuner.seed)),
    executor,
    packSize: o.pack ?? 1,
    inputDim: 16,
    signal: o.signal ?? new AbortController().signal,
    listener: (e) => events.push(e),
    ...(o.deadlineMs !== undefined ? { deadline: performance.now() + o.deadlineMs } : {}),
  });
  const result = await scheduler.run();
  return { result, storage, studyId: study.id, executor, events };
}

const statuses = async (r: Run) => (await r.storage.trials(r.studyId)).map((t) => t.status);

describe('the scheduler, driven with a fake executor', () => {
  it('fills packs up to the pack size, keeps every slot busy, and ends at max_trials', async () => {
    const r = await run({ max_trials: 12 }, { slots: 2, pack: 3, script: () => ({ epochMs: 5 }) });
    assert.equal(r.result.reason, 'max-trials');
    assert.deepEqual(await statuses(r), Array(12).fill('complete'));
    assert.ok(
      r.executor.packs.every((p) => p.length >= 1 && p.length <= 3),
      `packs of 1 to 3: ${r.executor.packs.map((p) => p.length)}`,
    );
    assert.equal(r.executor.packs[0]!.length, 3, 'the first pack is full');
    assert.equal(r.executor.maxUnderway, 2, 'two packs ran at once, never more');
    const numbers = r.executor.packs.flat().map((j) => j.number);
    assert.deepEqual(
      [...numbers].sort((a, b) => a - b),
      Array.from({ length: 12 }, (_, i) => i + 1),
      'each trial trained once',
    );
    for (const t of await r.storage.trials(r.studyId)) assert.equal((await r.storage.epochs(t.id)).length, 3, `trial ${t.number} has its 3 epochs`);
  });

  it("spreads a study's last trials over the slots instead of filling one pack and leaving a worker idle", async () => {
    // One width: every trial costs the same, so 6 trials on 2 slots split 3 and 3.
    const hyperparameters = [
      { name: 'first_dense', type: 'choice', values: [4] },
      { name: 'dropout_rate', type: 'float', min: 0.05, max: 0.5 },
    ];
    // Epochs slow enough that the first pack's progress does not shrink the second one's share
    // while it fills (a few event-loop turns): 2 of its 3 epochs in would make that one stop at 2.
    const two = await run({ max_trials: 6 }, { slots: 2, pack: 4, hyperparameters, script: () => ({ epochMs: 200 }) });
    assert.deepEqual(
      two.executor.packs.map((p) => p.length),
      [3, 3],
    );
    assert.equal(two.executor.maxUnderway, 2);
    assert.deepEqual(await statuses(two), Array(6).fill('complete'));
    // A worker alone has nobody to share with: its packs fill.
    const one = await run({ max_trials: 6 }, { slots: 1, pack: 4, hyperparameters, script: () => ({ epochMs: 5 }) });
    assert.deepEqual(
      one.executor.packs.map((p) => p.length),
      [4, 2],
    );
    // Under a timeout a trial held back might never start: packs fill.
    const timed = await run({ max_trials: 6 }, { slots: 2, pack: 4, hyperparameters, deadlineMs: 60_000, script: () => ({ epochMs: 5 }) });
    assert.deepEqual(
      timed.executor.packs.map((p) => p.length),
      [4, 2],
    );
    // Far from the end, packs fill as before.
    const long = await run({ max_trials: 24 }, { slots: 2, pack: 4, hyperparameters, script: () => ({ epochMs: 5 }) });
    assert.deepEqual(
      long.executor.packs.slice(0, 4).map((p) => p.length),
      [4, 4, 4, 4],
    );
    assert.equal(long.executor.packs.flat().length, 24);
  });

  it('counts max_trials across handles: trials another process made count, and it ends full', async () => {
    const storage = new MemoryStorage();
    const s = spec({});
    const study = await storage.openStudy('fake', s.source, s.tuner.objective, s.tuner.direction, false);
    const other = new MemoryStorage(storage.store);
    for (const lr of [0.1, 0.2]) await other.completeTrial((await other.createTrial(study.id, { first_dense: 2, dropout_rate: lr })).id, 0.5, 1, 1);
    const r = await run({ max_trials: 6 }, { storage });
    assert.equal(r.result.reason, 'max-trials');
    assert.equal(r.executor.packs.flat().length, 4, 'four trials of its own');
    assert.deepEqual(await statuses(r), Array(6).fill('complete'));
  });

  it("shows the oracle another process's running trials as pending, beside its own", async () => {
    const storage = new MemoryStorage();
    const s = spec({ max_trials: 4 });
    const study = await storage.openStudy('fake', s.source, s.tuner.objective, s.tuner.direction, false);
    const elsewhere = { first_dense: 8, dropout_rate: 0.123 };
    const other = new MemoryStorage(storage.store);
    const theirs = await other.createTrial(study.id, elsewhere);
    const seen: unknown[][] = [];
    const spy = (oracle: Oracle): Oracle =>
      Object.assign(Object.create(oracle) as Oracle, {
        propose: (context: Parameters<Oracle['propose']>[0]) => (seen.push([...context.pending]), oracle.propose(context)),
      });
    // The other process finishes its trial late, after this one has filled the study around it.
    const late = setTimeout(() => void other.completeTrial(theirs.id, 0.5, 1, 1), 300);
    const r = await run({ max_trials: 4 }, { storage, pack: 2, oracle: spy });
    clearTimeout(late);
    assert.equal(r.result.reason, 'max-trials');
    assert.ok(seen.length >= 3, `the oracle was asked ${seen.length} times`);
    for (const pending of seen)
      assert.ok(
        pending.some((v) => JSON.stringify(v) === JSON.stringify(elsewhere)),
        JSON.stringify(pending),
      );
    assert.ok(
      seen.some((pending) => pending.length >= 2),
      'its own running trial is pending too, within a pack',
    );
  });

  it('re-queues a failed attempt as a retry, alone in its own pack, and completes it', async () => {
    const script: Script = (number, attempt) => (number === 2 && attempt === 1 ? { epochs: 1, error: 'loss became NaN at epoch 1' } : {});
    const r = await run({ max_trials: 4, max_retries_per_trial: 1 }, { slots: 1, pack: 2, script });
    assert.equal(r.result.reason, 'max-trials');
    assert.deepEqual(await statuses(r), Array(4).fill('complete'));
    const two = (await r.storage.trial(r.studyId, 2))!;
    assert.equal(two.attempt, 2);
    assert.deepEqual(
      (await r.storage.attempts(two.id)).map((a) => [a.outcome, a.error]),
      [['retried', 'loss became NaN at epoch 1']],
    );
    assert.equal((await r.storage.epochs(two.id)).length, 3, "only the retry's epochs are kept");
    assert.deepEqual(
      r.executor.packs.map((p) => p.map((j) => j.number)),
      [[1, 2], [2], [3, 4]],
      'the retry ran alone, before new trials',
    );
    assert.ok(r.events.some((e) => e.type === 'trial-started' && e.number === 2 && e.resumed));
    assert.equal(r.result.lastError, 'loss became NaN at epoch 1');
  });

  it('fails a trial for good once its retries are spent, and goes on with the others', async () => {
    const r = await run({ max_trials: 5, max_retries_per_trial: 1 }, { script: (number) => (number === 3 ? { error: 'out of memory' } : {}) });
    assert.equal(r.result.reason, 'max-trials');
    const trials = await r.storage.trials(r.studyId);
    assert.deepEqual(
      trials.map((t) => [t.number, t.status]),
      [
        [1, 'complete'],
        [2, 'complete'],
        [3, 'failed'],
        [4, 'complete'],
        [5, 'complete'],
        [6, 'complete'],
      ],
      'a failed trial does not count toward max_trials',
    );
    assert.equal(trials[2]!.error, 'out of memory');
    assert.equal(r.executor.packs.flat().filter((j) => j.number === 3).length, 2, 'trial 3 ran twice: its attempt and its retry');
    assert.ok(r.events.some((e) => e.type === 'trial-failed' && e.number === 3 && e.status === 'failed'));
  });

  it('ends on max_consecutive_failed_trials, stopping the trials still running', async () => {
    const script: Script = (number) => (number <= 2 ? { epochs: 1, epochMs: 5, error: `boom ${number}` } : { epochs: 500, epochMs: 5 });
    const r = await run({ max_trials: 10, max_consecutive_failed_trials: 2 }, { slots: 3, script });
    assert.equal(r.result.reason, 'failures');
    assert.match(r.result.lastError!, /^boom [12]$/);
    const trials = await r.storage.trials(r.studyId);
    assert.deepEqual(
      trials.slice(0, 2).map((t) => t.status),
      ['failed', 'failed'],
    );
    // The slot trial 1 left was filled before trial 2 failed: every trial after the two is stopped.
    assert.ok(trials.length >= 3 && trials.slice(2).every((t) => t.status === 'stopped'), trials.map((t) => t.status).join(', '));
    assert.equal(trials[2]!.error, 'the run ended after 2 consecutive failed trials');
  });

  it('ends when the oracle has nothing left, with the oracle’s own reason', async () => {
    const hyperparameters = [
      { name: 'first_dense', type: 'choice', values: [2, 4, 8] },
      { name: 'dropout_rate', type: 'choice', values: [0.1] },
    ];
    const grid = await run({ oracle: 'grid', max_trials: 100 }, { hyperparameters });
    assert.equal(grid.result.reason, 'space-exhausted');
    assert.equal((await grid.storage.trials(grid.studyId)).length, 3);
  });

  it('runs Hyperband to its plan: checkpoints for trials that may be promoted, promotions resumed from them, then search-complete', async () => {
    const r = await run({ oracle: 'hyperband', max_epochs: 3, factor: 3, max_trials: 100 }, { slots: 1 });
    assert.equal(r.result.reason, 'search-complete');
    const trials = await r.storage.trials(r.studyId);
    assert.equal(trials.length, 6, "Hyperband's plan for max_epochs 3, factor 3");
    const jobs = r.executor.packs.flat();
    const promoted = jobs.filter((j) => j.resume !== undefined);
    assert.ok(promoted.length > 0, 'some trials were promoted');
    for (const job of jobs) {
      const schedule = trials.find((t) => t.number === job.number)!.schedule!;
      assert.equal(job.checkpoint, schedule.round < schedule.bracket, `trial ${job.number} keeps a checkpoint only if it may be promoted`);
      assert.equal(job.resume !== undefined, schedule.parent !== undefined);
    }
  });

  it('stops on the signal: its running trials are interrupted, with no epochs kept, to run again', async () => {
    const controller = new AbortController();
    const storage = new MemoryStorage();
    const script: Script = () => ({ epochs: 1000, epochMs: 2 });
    const running = run({ max_trials: 4 }, { slots: 2, script, signal: controller.signal, storage });
    setTimeout(() => controller.abort(), 50);
    const r = await running;
    assert.equal(r.result.reason, 'interrupted');
    const trials = await r.storage.trials(r.studyId);
    assert.deepEqual(
      trials.map((t) => t.status),
      ['interrupted', 'interrupted'],
    );
    for (const t of trials) assert.deepEqual(await r.storage.epochs(t.id), []);
    assert.equal(r.executor.packs.length, 2);
  });

  it('records each trial’s epochs in order and all of them before its end, on a storage slow to write', async () => {
    const memory = new MemoryStorage();
    // The real memory store, its epoch writes delayed at random as a network's would be.
    const slow: Storage = new Proxy(memory, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (key !== 'recordEpoch' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
        return async (...args: unknown[]) => {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 15));
          return (value as (...a: unknown[]) => Promise<void>).apply(target, args);
        };
      },
    });
    const r = await run({ max_trials: 6, epochs: 8, executions_per_trial: 2 }, { slots: 2, pack: 2, storage: slow });
    assert.equal(r.result.reason, 'max-trials');
    for (const t of await memory.trials(r.studyId)) {
      assert.equal(t.status, 'complete');
      assert.equal((await memory.epochs(t.id)).length, 16, `trial ${t.number}: 2 executions of 8 epochs`);
      const mine = r.events.filter((e) => (e.type === 'epoch' || e.type === 'trial-complete') && e.number === t.number);
      const heard = mine.flatMap((e) => (e.type === 'epoch' ? [`${e.epoch}:${e.execution}`] : ['end']));
      const expected = Array.from({ length: 8 }, (_, i) => [`${i + 1}:1`, `${i + 1}:2`]).flat();
      assert.deepEqual(heard, [...expected, 'end'], `trial ${t.number}: epochs in order, then its end`);
    }
  });

  it('records invalid values as invalid trials that take no slot, and ends after too many in a row', async () => {
    // As no space file can say (the space check refuses it): a width drawn from [0.1, 0.9], never whole.
    const edit = (s: StudySpec) => {
      const layer = s.model[0]!;
      if (layer.kind === 'dense') layer.units = { ref: 'dropout_rate' };
    };
    const r = await run({ max_trials: 5, max_consecutive_invalid_trials: 3 }, { edit });
    assert.equal(r.result.reason, 'invalid');
    assert.deepEqual(await statuses(r), ['invalid', 'invalid', 'invalid']);
    assert.equal(r.executor.packs.length, 0);
    assert.equal(r.result.invalid?.count, 3);
  });
});

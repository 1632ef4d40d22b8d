import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { tinySpace, writeSpace, writeTinyData } from '../helpers/tiny-study.js';
import { tempDir, trialsOf, tune } from '../helpers/tune.js';

function raw(path: string, fn: (db: Database.Database) => void): void {
  const db = new Database(path, { readonly: true });
  try {
    fn(db);
  } finally {
    db.close();
  }
}

describe('tune run end to end (tiny study, real HDF5 and SQLite files)', () => {
  it('runs max_trials distinct trials, records every epoch, and prints plain lines off a terminal', () => {
    const dir = tempDir();
    const space = writeSpace(dir, tinySpace(writeTinyData(dir)));
    const run = tune(['run', space, '--workers', '2'], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^study tiny started oracle=random backend=wasm workers=2 pack=\d trials=4/m);
    assert.equal((run.stdout.match(/^trial \d+ complete val_accuracy=/gm) ?? []).length, 4);
    assert.match(run.stdout, /Results summary/);
    const trials = trialsOf(dir);
    assert.deepEqual(
      trials.map((t) => [t.number, t.status]),
      [
        [1, 'complete'],
        [2, 'complete'],
        [3, 'complete'],
        [4, 'complete'],
      ],
    );
    assert.equal(new Set(trials.map((t) => JSON.stringify(t.values))).size, 4, 'no values set twice');
    for (const t of trials) {
      if (t.values['first_dense'] !== 8) assert.equal('extra_dense_layer' in t.values, false, 'inactive hyperparameters are absent');
    }
    const best = Math.max(...trials.map((t) => t.score!));
    assert.ok(best > 0.8, `the best trial learns the class: ${best}`);
    const shown = JSON.parse(tune(['show', '2', '--json'], dir).stdout) as {
      epochs: { execution: number; epoch: number; metrics: { val_accuracy: number } }[];
      score: number;
    };
    assert.deepEqual(
      shown.epochs.map((e) => [e.execution, e.epoch]),
      [
        [1, 1],
        [1, 2],
        [1, 3],
      ],
    );
    assert.equal(shown.score, Math.max(...shown.epochs.map((e) => e.metrics.val_accuracy)), 'one execution: the score is its best epoch');
  });

  it("scores a trial as the mean over executions of each one's best epoch", () => {
    const dir = tempDir();
    const space = writeSpace(dir, tinySpace(writeTinyData(dir), { max_trials: 1, executions_per_trial: 2, epochs: 4 }));
    assert.equal(tune(['run', space], dir).code, 0);
    const shown = JSON.parse(tune(['show', '1', '--json'], dir).stdout) as {
      epochs: { execution: number; metrics: { val_accuracy: number } }[];
      score: number;
    };
    const best = (k: number): number => Math.max(...shown.epochs.filter((e) => e.execution === k).map((e) => e.metrics.val_accuracy));
    assert.equal(shown.epochs.length, 8);
    assert.ok(Math.abs(shown.score - (best(1) + best(2)) / 2) < 1e-12);
  });

  it('repeats a sequential run exactly for a --seed: same values, same scores', () => {
    const runs = [1, 2].map(() => {
      const dir = tempDir();
      const space = writeSpace(dir, tinySpace(writeTinyData(dir), { oracle: 'bayesian', max_trials: 3 }));
      assert.equal(tune(['run', space, '--workers', '1', '--seed', '7'], dir).code, 0);
      return trialsOf(dir).map((t) => [t.values, t.score]);
    });
    assert.deepEqual(runs[1], runs[0]);
  });

  for (const oracle of ['random', 'grid', 'bayesian', 'tpe']) {
    it(`runs with --oracle ${oracle}`, () => {
      const dir = tempDir();
      const space = writeSpace(dir, tinySpace(writeTinyData(dir), { max_trials: 3, epochs: 1 }));
      const run = tune(['run', space, '--oracle', oracle], dir);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^study tiny started oracle=${oracle} `, 'm'));
      assert.equal(trialsOf(dir).filter((t) => t.status === 'complete').length, 3);
    });
  }

  it('resumes: a second run keeps the complete trials and adds up to max_trials', () => {
    const dir = tempDir();
    const space = writeSpace(dir, tinySpace(writeTinyData(dir), { oracle: 'bayesian' }));
    assert.equal(tune(['run', space, '--max-trials', '2'], dir).code, 0);
    const first = trialsOf(dir);
    const again = tune(['run', space, '--max-trials', '5'], dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /completed_before=2/);
    const all = trialsOf(dir);
    assert.equal(all.filter((t) => t.status === 'complete').length, 5);
    assert.deepEqual(all.slice(0, 2), first);
  });

  it('refuses a changed space for the same study unless --overwrite', () => {
    const dir = tempDir();
    const data = writeTinyData(dir);
    const space = writeSpace(dir, tinySpace(data, { max_trials: 1 }));
    assert.equal(tune(['run', space], dir).code, 0);
    const changed = tinySpace(data, { max_trials: 1 });
    // A space that only grows resumes (test/cli/run-grown-space.test.ts); one that loses a value does not.
    (changed['hyperparameters'] as { values?: number[] }[])[0]!.values = [2, 8];
    writeSpace(dir, changed);
    const refused = tune(['run', space], dir);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^tune: .*space\.json: hyperparameters\.first_dense: values lose 4, which narrows the choice; .*pass --overwrite/);
    assert.equal(trialsOf(dir).length, 1);
    const replaced = tune(['run', space, '--overwrite'], dir);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.equal(trialsOf(dir).length, 1);
    assert.equal(trialsOf(dir)[0]!.number, 1, 'the old trial is gone, numbering starts again');
  });

  it('runs --oracle hyperband: its brackets in order, promotions continuing their parents, all shown by list', () => {
    const dir = tempDir();
    // max_epochs 4, factor 2: brackets 2, 1, 0 of [4, 2, 1], [3, 2] and [3] trials; 15 value sets.
    const space = writeSpace(dir, tinySpace(writeTinyData(dir), { max_trials: 100, max_epochs: 4, factor: 2, executions_per_trial: 2 }));
    const run = tune(['run', space, '--oracle', 'hyperband', '--workers', '2'], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^study tiny started oracle=hyperband .*trials=15 /m);
    assert.match(run.stdout, /reason=search-complete/);
    const trials = trialsOf(dir);
    assert.equal(trials.length, 15);
    assert.ok(
      trials.every((t) => t.status === 'complete'),
      trials.map((t) => t.status).join(),
    );
    assert.deepEqual([...new Set(trials.map((t) => t.schedule!.bracket))], [2, 1, 0], 'brackets open most aggressive first');
    const count = (bracket: number, round: number) => trials.filter((t) => t.schedule!.bracket === bracket && t.schedule!.round === round).length;
    assert.deepEqual([count(2, 0), count(2, 1), count(2, 2), count(1, 0), count(1, 1), count(0, 0)], [4, 2, 1, 3, 2, 3]);
    const db = join(dir, 'trials.db');
    for (const child of trials.filter((t) => t.schedule!.parent !== undefined)) {
      const parent = trials[child.schedule!.parent! - 1]!;
      assert.deepEqual(child.values, parent.values);
      const epochs = JSON.parse(tune(['show', String(child.number), '--json', '--db', db], dir).stdout) as { epochs: { execution: number; epoch: number }[] };
      const first = child.schedule!.initialEpoch + 1;
      assert.deepEqual(
        epochs.epochs.filter((e) => e.execution === 1).map((e) => e.epoch),
        Array.from({ length: child.schedule!.epochs - first + 1 }, (_, i) => first + i),
      );
      assert.ok(child.bestEpoch! >= first, `trial ${child.number}'s best epoch ${child.bestEpoch} is one it trained`);
    }
    const list = tune(['list', '--db', db], dir);
    assert.match(list.stdout, /bracket\s+round\s+from\s+epochs/);
    assert.match(list.stdout, /^\s+\d+\s+complete\s+[\d.]+\s+\d+\s+[\d.]+s\s+2\s+1\s+#\d+\s+2-2 /m);
    raw(db, (d) => assert.equal(d.prepare('SELECT COUNT(*) FROM checkpoints').pluck().get(), 0, 'no checkpoint outlives the plan'));
  });

  it('refuses before any trial a range whose values past its minimum build no model', () => {
    const dir = tempDir();
    const space = tinySpace(writeTinyData(dir), { max_trials: 20, epochs: 1, oracle: 'grid' });
    // Rates past 1 used to slip through to the trials as invalid ones (issue 11.4): every
    // bound of a range is checked now, so no trial of this space can build no model.
    space['hyperparameters'] = [{ name: 'rate', type: 'float', min: 0.5, max: 1.5 }];
    space['model'] = [{ dense: 4, activation: 'relu' }, { dropout: '$rate' }, { dense: 1, activation: 'sigmoid' }];
    const run = tune(['run', writeSpace(dir, space)], dir);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^tune: .*space\.json: model\[1\]\.dropout \(max of "rate"\): must be a rate in \[0, 1\), got 1\.5\n$/);
    assert.ok(!existsSync(join(dir, 'trials.db')), 'no database is created for a space that is refused');
  });

  it('stops the trials still running when failures end the run, and runs them again next time', () => {
    const dir = tempDir();
    const space = tinySpace(writeTinyData(dir), { max_trials: 4, epochs: 20000, oracle: 'grid', max_consecutive_failed_trials: 1 });
    // Trial 1 would train for minutes in any engine; trial 2's learning rate blows its loss up
    // within an epoch, so the stop always finds trial 1 running.
    space['hyperparameters'] = [{ name: 'lr', type: 'choice', values: [0.001, 1e30] }];
    space['model'] = [
      { dense: 4, activation: 'relu' },
      { dense: 1, activation: 'sigmoid' },
    ];
    space['compile'] = { loss: 'binary_crossentropy', optimizer: 'adam', learning_rate: '$lr', metrics: ['accuracy'] };
    const file = writeSpace(dir, space);
    const first = tune(['run', file, '--workers', '2'], dir);
    assert.equal(first.code, 1, first.stderr);
    assert.match(first.stdout, /^trial 1 stopped: the run ended after 1 consecutive failed trials$/m);
    const stopped = trialsOf(dir);
    assert.deepEqual(
      stopped.map((t) => t.status),
      ['stopped', 'failed'],
    );
    assert.ok(stopped[0]!.seconds! > 0);
    const again = tune(['run', file, '--workers', '2', '--epochs', '3'], dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^trial 1 resumed/m);
    assert.deepEqual(
      trialsOf(dir).map((t) => t.status),
      ['complete', 'failed'],
    );
  });

  it('stops when the space has no untried values left', () => {
    const dir = tempDir();
    const space = tinySpace(writeTinyData(dir), { max_trials: 50, epochs: 1 });
    (space['hyperparameters'] as unknown[]).splice(2, 2);
    space['hyperparameters'] = [
      { name: 'first_dense', type: 'choice', values: [2, 4] },
      { name: 'dropout_rate', type: 'float', min: 0.1, max: 0.2, step: 0.1 },
    ];
    space['model'] = (space['model'] as { if?: string }[]).filter((l) => l.if === undefined);
    const run = tune(['run', writeSpace(dir, space)], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /reason=space-exhausted/);
    assert.equal(trialsOf(dir).length, 4);
  });

  it('retries a failing trial max_retries_per_trial times before it counts as failed', () => {
    const dir = tempDir();
    const space = writeSpace(
      dir,
      tinySpace(writeTinyData(dir, { scale: 5e37 }), { max_trials: 6, epochs: 2, max_retries_per_trial: 2, max_consecutive_failed_trials: 1 }),
    );
    // One trial at a time: --pack 1, or its pack mates would fail alongside it.
    const run = tune(['run', space, '--workers', '1', '--pack', '1'], dir);
    assert.equal(run.code, 1, run.stderr);
    assert.equal((run.stdout.match(/^trial 1 resumed/gm) ?? []).length, 2, run.stdout);
    assert.deepEqual(
      trialsOf(dir).map((t) => [t.number, t.status]),
      [[1, 'failed']],
    );
  });

  it('fails a trial whose loss turns NaN, and stops after 3 in a row with the last error', () => {
    const dir = tempDir();
    const space = writeSpace(dir, tinySpace(writeTinyData(dir, { scale: 5e37 }), { max_trials: 6, epochs: 2 }));
    const run = tune(['run', space, '--workers', '1', '--pack', '1'], dir);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^tune: the run stopped after 3 consecutive failed trials; last error: loss became (NaN|Infinity) at epoch 1\n$/);
    const trials = trialsOf(dir);
    assert.deepEqual(
      trials.map((t) => t.status),
      ['failed', 'failed', 'failed'],
    );
    assert.match(readFileSync(join(dir, 'trials.db')).subarray(0, 16).toString(), /^SQLite format 3/);
  });
});

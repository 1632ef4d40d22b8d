import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { join } from 'node:path';
import { tinySpace, writeSpace, writeTinyData } from '../helpers/tiny-study.js';
import { listing, tempDir, tune } from '../helpers/tune.js';

interface Case {
  name: string;
  /** Prepares the case in `d` (with tiny data in `d/data` and a finished study in `d/done`); returns the arguments. */
  args: (d: string) => string[];
  stderr: RegExp;
}

const space = (d: string, edit: (s: Record<string, unknown>) => void = () => undefined): string => {
  const s = tinySpace(join(d, 'data'), { max_trials: 1, epochs: 1 });
  edit(s);
  return writeSpace(d, s, 'bad-space.json');
};

describe('tune run, best, show and predict on bad input', () => {
  let done: string;
  before(() => {
    done = tempDir();
    const s = writeSpace(done, tinySpace(writeTinyData(done), { max_trials: 1, epochs: 1 }));
    assert.equal(tune(['run', s], done).code, 0);
  });

  const cases: Case[] = [
    { name: 'an unknown command', args: () => ['tuner'], stderr: /^tune: command line: unknown command 'tuner'/ },
    { name: 'an unknown flag', args: (d) => ['run', space(d), '--fast'], stderr: /^tune: command line: unknown option '--fast'/ },
    { name: 'a missing space file', args: (d) => ['run', join(d, 'nope.json')], stderr: /nope\.json: file: does not exist$/ },
    { name: 'an empty space file', args: (d) => (writeFileSync(join(d, 'e.json'), ''), ['run', join(d, 'e.json')]), stderr: /e\.json: file: is empty; expected a JSON space file$/ },
    { name: 'a space file that is not JSON', args: (d) => (writeFileSync(join(d, 'j.json'), '{"name": "x",'), ['run', join(d, 'j.json')]), stderr: /j\.json: file: is not JSON \(/ },
    {
      name: 'a condition on an unknown hyperparameter',
      args: (d) => ['run', space(d, (s) => ((s['hyperparameters'] as { when?: unknown }[])[2]!.when = { first_dens: [8] }))],
      stderr: /bad-space\.json: hyperparameters\[2\]\.when\.first_dens: unknown hyperparameter "first_dens"$/,
    },
    {
      name: 'a layer using a conditional value without "if"',
      args: (d) => ['run', space(d, (s) => delete (s['model'] as { if?: string }[])[2]!.if)],
      stderr: /bad-space\.json: model\[2\]: uses \$extra_dense, which is inactive when \{"first_dense":2,"dropout_rate":0\.1\}; add "if"/,
    },
    {
      name: 'a float without max',
      args: (d) => ['run', space(d, (s) => delete (s['hyperparameters'] as { max?: number }[])[1]!.max)],
      stderr: /bad-space\.json: hyperparameters\[1\]\.max: must be a number, got undefined$/,
    },
    { name: 'a data path that does not exist', args: (d) => ['run', space(d), '--data', join(d, 'nowhere')], stderr: /nowhere\/train\.hdf5: file: does not exist$/ },
    {
      name: 'splits of different widths',
      args: (d) => (writeTinyData(join(d, 'data'), { validDim: 17 }), ['run', space(d)]),
      stderr: /data\/valid\.hdf5: \/data: has 17 features per row, but .*train\.hdf5 has 16$/,
    },
    {
      name: 'labels outside the classes',
      args: (d) => (writeTinyData(join(d, 'data'), { maxLabel: 2 }), ['run', space(d)]),
      stderr: /train\.hdf5: \/labels\[2\]: label must be 0\.\.1 \(2 classes\), got 2$/,
    },
    {
      name: 'an output layer that does not fit the classes',
      args: (d) => ['run', space(d, (s) => ((s['model'] as { dense?: number }[])[3]!.dense = 2))],
      stderr: /bad-space\.json: model\[3\]: with binary_crossentropy the output must be \{"dense": 1, "activation": "sigmoid"\}/,
    },
    { name: 'best on a database that does not exist', args: (d) => ['best', '--db', join(d, 'none.db')], stderr: /none\.db: file: does not exist; run `tune run SPACE\.json` first/ },
    { name: 'best on a file that is not a database', args: (d) => (writeFileSync(join(d, 'x.db'), 'hello'), ['best', '--db', join(d, 'x.db')]), stderr: /x\.db: file: is not an SQLite database/ },
    { name: 'an unknown study', args: () => ['list', '--db', join(done, 'trials.db'), '--study', 'gender'], stderr: /trials\.db: study "gender": does not exist \(studies: tiny\)$/ },
    { name: 'an unknown trial number', args: () => ['show', '7', '--db', join(done, 'trials.db')], stderr: /trials\.db: trial 7: does not exist in study "tiny" \(it has 1 trials\)$/ },
    { name: 'a trial number that is not a number', args: () => ['show', 'x', '--db', join(done, 'trials.db')], stderr: /^tune: command line: trial number: must be a whole number 1 or more, got "x"$/ },
    {
      name: '--export to a place that cannot be written',
      args: (d) => (writeFileSync(join(d, 'file'), 'x'), ['best', '--db', join(done, 'trials.db'), '--export', join(d, 'file', 'model.json')]),
      stderr: /file\/model\.json: file: cannot be written/,
    },
    { name: 'predict with a model that does not exist', args: (d) => ['predict', join(d, 'a.png'), '--model', join(d, 'm.json')], stderr: /m\.json: file: does not exist$/ },
  ];

  for (const c of cases) {
    it(`${c.name}: one line, exit 2, nothing written`, () => {
      const d = tempDir();
      mkdirSync(join(d, 'data'));
      writeTinyData(join(d, 'data'));
      const args = c.args(d);
      const before = listing(d);
      const doneBefore = listing(done);
      const run = tune(args, d);
      assert.equal(run.code, 2, `exit ${run.code}: ${run.stderr}`);
      const lines = run.stderr.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, /^tune: /);
      assert.match(lines[0]!, c.stderr);
      assert.deepEqual(listing(d), before, 'no file written (no trials.db either)');
      assert.deepEqual(listing(done), doneBefore);
    });
  }
});

/**
 * Issue 11's space-file cases (failures 4 and 5, and the name and JSON items of 7): a careless
 * or hostile user hands `tune` a space file, or a study name, that cannot build a model or
 * that used to be read wrong. Every case writes its own real file and runs the built CLI.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { ROOT } from '../helpers/tune.js';
import { runCases, type Outcome } from './harness.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- space files are JSON of any shape, edited freely by the cases
type SpaceJson = Record<string, any>;

/** The seed's space (search-spaces/gender.json), as a fresh object to edit. */
function seed(): SpaceJson {
  return JSON.parse(readFileSync(join(ROOT, 'search-spaces', 'gender.json'), 'utf8')) as SpaceJson;
}

function write(dir: string, space: SpaceJson | string, file = 's.json'): void {
  writeFileSync(join(dir, file), typeof space === 'string' ? space : JSON.stringify(space, null, 2));
}

/** The seed's space with `n` more choices of five values each, none of them used by the model. */
function seedPlusChoices(n: number): SpaceJson {
  const s = seed();
  for (let i = 0; i < n; i++) s['hyperparameters'].push({ name: `extra_${i}`, type: 'choice', values: [1, 2, 3, 4, 5] });
  return s;
}

/** 10,000 independent three-value choices; the model reads the first and the last. */
function wide(n: number): SpaceJson {
  const hps = Array.from({ length: n }, (_, i) => ({ name: `h${i}`, type: 'choice', values: [4, 8, 16] }));
  return {
    name: 'wide',
    data: { train: 'none/train.hdf5', valid: 'none/valid.hdf5', test: 'none/test.hdf5' },
    hyperparameters: hps,
    model: [
      { dense: '$h0', activation: 'relu' },
      { dense: `$h${n - 1}`, activation: 'relu' },
      { dense: 1, activation: 'sigmoid' },
    ],
    compile: { loss: 'binary_crossentropy' },
    tuner: { oracle: 'random', max_trials: 1, epochs: 1 },
  };
}

/** b0, b1 when b0, ..., b(n-1) when b(n-2): a chain of n `when`s, and a layer at its end. */
function chain(n: number): SpaceJson {
  const hps: Record<string, unknown>[] = [{ name: 'b0', type: 'boolean' }];
  for (let i = 1; i < n; i++) hps.push({ name: `b${i}`, type: 'boolean', when: { [`b${i - 1}`]: [true] } });
  hps.push({ name: 'u', type: 'choice', values: [4, 8, 16], when: { [`b${n - 1}`]: [true] } });
  return {
    name: 'chain',
    data: { train: 'none/train.hdf5', valid: 'none/valid.hdf5', test: 'none/test.hdf5' },
    hyperparameters: hps,
    model: [
      { dense: '$u', activation: 'relu', if: `b${n - 1}` },
      { dense: 1, activation: 'sigmoid' },
    ],
    compile: { loss: 'binary_crossentropy' },
  };
}

/** One check for the speed cases: the result, with the time as information only. */
function okWith(pattern: RegExp) {
  return (_dir: string, outcome: Outcome): void => {
    assert.match(outcome.stdout, pattern, `stdout: ${outcome.stdout} (took ${Math.round(outcome.ms)} ms)`);
    process.stderr.write(`adversarial: space check took ${Math.round(outcome.ms)} ms\n`);
  };
}

const SPEED_TIMEOUT_MS = 20_000;

runCases('space files', [
  {
    name: 'a dropout range whose maximum is no rate is refused by space check, naming the bound',
    from: '11.4',
    quick: true,
    setup: (dir) => {
      const s = seed();
      s['hyperparameters'][1] = { name: 'dropout_rate', type: 'float', min: 0.9, max: 1000 };
      write(dir, s);
    },
    args: ['space', 'check', 's.json'],
    exit: 2,
    stderr: /^tune: s\.json: model\[1\]\.dropout \(max of "dropout_rate"\): must be a rate in \[0, 1\), got 1000$/,
  },
  {
    name: 'tune run refuses the same dropout range before it reads any data',
    from: '11.4',
    quick: true,
    setup: (dir) => {
      const s = seed();
      s['hyperparameters'][1] = { name: 'dropout_rate', type: 'float', min: 0.9, max: 1000 };
      s['data'] = { train: 'none/train.hdf5', valid: 'none/valid.hdf5', test: 'none/test.hdf5' };
      write(dir, s);
    },
    args: ['run', 's.json', '--no-tui'],
    exit: 2,
    stderr: /^tune: s\.json: model\[1\]\.dropout \(max of "dropout_rate"\): must be a rate in \[0, 1\), got 1000$/,
  },
  {
    name: 'a momentum range that reaches 1.5 is refused at its maximum',
    from: '11.4',
    setup: (dir) => {
      const s = seed();
      s['hyperparameters'].push({ name: 'mu', type: 'float', min: 0, max: 1.5 });
      s['compile'] = { ...s['compile'], optimizer: 'sgd', momentum: '$mu' };
      write(dir, s);
    },
    args: ['space', 'check', 's.json'],
    exit: 2,
    stderr: /^tune: s\.json: compile\.momentum \(max of "mu"\): must be in \[0, 1\), got 1\.5$/,
  },
  {
    name: 'dense units from a continuous float are refused: most of its values are not whole numbers',
    from: '11.4',
    setup: (dir) => {
      const s = seed();
      s['hyperparameters'][0] = { name: 'first_dense', type: 'float', min: 4, max: 64 };
      s['hyperparameters'][2]['when'] = { dropout_rate: [0.5] };
      write(dir, s);
    },
    args: ['space', 'check', 's.json'],
    exit: 2,
    stderr: /^tune: s\.json: model\[0\]\.dense \(value 4\.5 of "first_dense"\): must be a whole number >= 1, got 4\.5$/,
  },
  {
    name: 'a dropout grid too large to list (500,001 steps) is still checked at its maximum',
    from: '11.4',
    setup: (dir) => {
      const s = seed();
      s['hyperparameters'][1] = { name: 'dropout_rate', type: 'float', min: 0, max: 5000, step: 0.01 };
      write(dir, s);
    },
    args: ['space', 'check', 's.json'],
    exit: 2,
    stderr: /^tune: s\.json: model\[1\]\.dropout \(max of "dropout_rate"\): must be a rate in \[0, 1\), got 5000$/,
  },
  {
    name: 'a repeated layer\'s "$units_{i}" from a continuous float is refused at its repetition, like a plain $name',
    from: '11.4',
    quick: true,
    setup: (dir) => {
      const s = seed();
      s['hyperparameters'].push({ name: 'units_0', type: 'float', min: 1, max: 8 });
      s['model'].splice(0, 0, { dense: '$units_{i}', activation: 'relu', repeat: 1 });
      write(dir, s);
    },
    args: ['space', 'check', 's.json'],
    exit: 2,
    stderr: /^tune: s\.json: model\[0\]\.dense \(value 1\.5 of "units_0"\): must be a whole number >= 1, got 1\.5$/,
  },
  {
    name: 'tune run refuses the same "$units_{i}" before it reads any data',
    from: '11.4',
    quick: true,
    setup: (dir) => {
      const s = seed();
      s['hyperparameters'].push({ name: 'units_0', type: 'float', min: 1, max: 8 });
      s['model'].splice(0, 0, { dense: '$units_{i}', activation: 'relu', repeat: 1 });
      s['data'] = { train: 'none/train.hdf5', valid: 'none/valid.hdf5', test: 'none/test.hdf5' };
      write(dir, s);
    },
    args: ['run', 's.json', '--no-tui'],
    exit: 2,
    stderr: /^tune: s\.json: model\[0\]\.dense \(value 1\.5 of "units_0"\): must be a whole number >= 1, got 1\.5$/,
  },
  {
    name: 'a "$rate_{i}" dropout whose second repetition reaches 5 is refused at that maximum',
    from: '11.4',
    setup: (dir) => {
      const s = seed();
      s['hyperparameters'].push(
        { name: 'drops', type: 'int', min: 1, max: 2 },
        { name: 'rate_0', type: 'float', min: 0.1, max: 0.5 },
        { name: 'rate_1', type: 'float', min: 0.5, max: 5 },
      );
      s['model'][1] = { dropout: '$rate_{i}', repeat: '$drops' };
      write(dir, s);
    },
    args: ['space', 'check', 's.json'],
    exit: 2,
    stderr: /^tune: s\.json: model\[1\]\.dropout \(max of "rate_1"\): must be a rate in \[0, 1\), got 5$/,
  },
  {
    name: 'an int from 1 to 200,000 (too many points to list) samples whole numbers only',
    from: '11.4',
    quick: true,
    setup: (dir) => {
      const s = seed();
      s['hyperparameters'][0] = { name: 'first_dense', type: 'int', min: 1, max: 200_000 };
      s['hyperparameters'][2]['when'] = { dropout_rate: [0.5] };
      s['hyperparameters'].push({ name: 'fine', type: 'float', min: 0, max: 0.9, step: 0.000001 });
      write(dir, s);
    },
    args: ['space', 'sample', 's.json', '--n', '200', '--seed', '3'],
    exit: 0,
    check: (_dir, outcome) => {
      const rows = outcome.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, number>);
      assert.equal(rows.length, 200);
      for (const row of rows) {
        assert.ok(Number.isInteger(row['first_dense']) && row['first_dense']! >= 1 && row['first_dense']! <= 200_000, `first_dense ${row['first_dense']}`);
        const k = row['fine']! / 0.000001;
        assert.ok(Math.abs(k - Math.round(k)) < 1e-6 && row['fine']! <= 0.9, `fine ${row['fine']} is not on its step`);
      }
    },
  },
  {
    name: 'a default of 2.5 for an int too large to list is refused: it is no value of the int',
    from: '11.4',
    setup: (dir) => {
      const s = seed();
      s['hyperparameters'].push({ name: 'wide', type: 'int', min: 1, max: 200_000, default: 2.5 });
      write(dir, s);
    },
    args: ['space', 'check', 's.json'],
    exit: 2,
    stderr: /^tune: s\.json: hyperparameters\[4\]\.default: must be one of the hyperparameter's values, got 2\.5$/,
  },
  {
    name: "the seed's space plus 12 five-value choices is checked and counted at once",
    from: '11.5',
    timeoutMs: SPEED_TIMEOUT_MS,
    setup: (dir) => write(dir, seedPlusChoices(12)),
    args: ['space', 'check', 's.json'],
    exit: 0,
    check: okWith(new RegExp(`: ok: study gender, 16 hyperparameters, ${66 * 5 ** 12} distinct value sets,`)),
  },
  {
    name: 'a space of 10,000 hyperparameters is checked without overflowing the stack, its count given as a bound',
    from: '11.5',
    timeoutMs: SPEED_TIMEOUT_MS,
    setup: (dir) => write(dir, wide(10_000)),
    args: ['space', 'check', 's.json'],
    exit: 0,
    check: okWith(/: ok: study wide, 10000 hyperparameters, more than \d+ distinct value sets,/),
  },
  {
    name: 'a chain of 10,000 whens is checked and counted exactly',
    from: '11.5',
    timeoutMs: SPEED_TIMEOUT_MS,
    setup: (dir) => write(dir, chain(10_000)),
    args: ['space', 'check', 's.json'],
    exit: 0,
    check: okWith(/: ok: study chain, 10001 hyperparameters, 10003 distinct value sets,/),
  },
  {
    name: 'a layer at the end of a chain of 10,000 whens that its if does not cover is refused, naming a witness',
    from: '11.5',
    timeoutMs: SPEED_TIMEOUT_MS,
    setup: (dir) => {
      const s = chain(10_000);
      s['model'][0]['if'] = 'b9998';
      write(dir, s);
    },
    args: ['space', 'check', 's.json'],
    exit: 2,
    stderr: /^tune: s\.json: model\[0\]: uses \$u, which is inactive when .*"b9998":true.*"b9999":false.*; its "if" \(b9998\) does not imply it$/,
  },
  {
    name: 'tune run validates a 10,000-hyperparameter space without a RangeError, then stops on the missing data',
    from: '11.5',
    quick: true,
    timeoutMs: SPEED_TIMEOUT_MS,
    setup: (dir) => write(dir, wide(10_000)),
    args: ['run', 's.json', '--no-tui'],
    exit: 2,
    stderr: /^tune: .*train\.hdf5: /,
  },
  {
    name: 'a hyperparameter named __proto__ is refused by the name rule',
    from: '11.7',
    quick: true,
    setup: (dir) => {
      const s = seed();
      s['hyperparameters'].push({ name: '__proto__', type: 'boolean' });
      write(dir, s);
    },
    args: ['space', 'check', 's.json'],
    exit: 2,
    stderr: /^tune: s\.json: hyperparameters\[4\]\.name: must not be "__proto__", a name every JavaScript object already has$/,
  },
  {
    name: 'a hyperparameter named constructor is refused too',
    from: '11.7',
    setup: (dir) => {
      const s = seed();
      s['hyperparameters'].push({ name: 'constructor', type: 'choice', values: [1, 2] });
      write(dir, s);
    },
    args: ['space', 'check', 's.json'],
    exit: 2,
    stderr: /^tune: s\.json: hyperparameters\[4\]\.name: must not be "constructor", a name every JavaScript object already has$/,
  },
  {
    name: 'tune list --study "" is refused by the name rule before the database is read',
    from: '11.7',
    quick: true,
    setup: async (dir) => {
      const storage = await SqliteStorage.open(join(dir, 'trials.db'));
      await storage.openStudy('gender', seed(), 'val_accuracy', 'max', false);
      await storage.close();
    },
    args: ['list', '--study', ''],
    exit: 2,
    stderr: /^tune: command line: --study: must be 1 to 128 letters, digits, _ \. or - \(not starting with \. or -\), got ""$/,
    databases: ['trials.db'],
  },
  {
    name: 'tune run --study with a newline in the name creates no study',
    from: '11.7',
    setup: (dir) => write(dir, seed()),
    args: ['run', 's.json', '--study', 'a\nb', '--no-tui'],
    exit: 2,
    stderr: /^tune: command line: --study: must be 1 to 128 letters, digits, _ \. or - \(not starting with \. or -\), got "a\\nb"$/,
  },
  {
    name: 'tune best --study __proto__ is refused by the same rule',
    from: '11.7',
    setup: async (dir) => {
      const storage = await SqliteStorage.open(join(dir, 'trials.db'));
      await storage.openStudy('gender', seed(), 'val_accuracy', 'max', false);
      await storage.close();
    },
    args: ['best', '--study', '__proto__'],
    exit: 2,
    stderr: /^tune: command line: --study: must not be "__proto__", a name every JavaScript object already has$/,
    databases: ['trials.db'],
  },
  {
    name: 'a number literal 1e400 is reported as out of range with its text, not as null',
    from: '11.7',
    quick: true,
    setup: (dir) => write(dir, JSON.stringify(seed(), null, 2).replace('"max": 0.8', '"max": 1e400')),
    args: ['space', 'check', 's.json'],
    exit: 2,
    stderr: /^tune: s\.json: hyperparameters\[1\]\.max \(line \d+, column \d+\): is a number out of range, got 1e400$/,
  },
  {
    name: 'a duplicate JSON key is refused, naming the key and its place',
    from: '11.7',
    quick: true,
    setup: (dir) => write(dir, JSON.stringify(seed(), null, 2).replace('"max": 0.8', '"max": 0.8, "max": 1000')),
    args: ['space', 'check', 's.json'],
    exit: 2,
    stderr: /^tune: s\.json: hyperparameters\[1\]\.max \(line \d+, column \d+\): repeats the key "max" of this object; each key may appear once$/,
  },
  {
    name: 'a description nested 100,000 arrays deep is refused in one line instead of overflowing later',
    from: '11.new',
    setup: (dir) => {
      const s = seed();
      s['description'] = 'DEEP';
      write(dir, JSON.stringify(s).replace('"DEEP"', '['.repeat(100_000) + ']'.repeat(100_000)));
    },
    args: ['run', 's.json', '--no-tui'],
    exit: 2,
    stderr: /^tune: s\.json: description(\[0\])+ \(line 1, column \d+\): nests deeper than 64 arrays and objects$/,
  },
]);

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { Rng } from '../../src/random/rng.js';
import { parseSpace, readSpaceFile } from '../../src/space/parse-space.js';
import { ROOT, tune } from '../helpers/tune.js';

const GENDER = join(ROOT, 'search-spaces', 'gender.json');

describe("the seed's space (search-spaces/gender.json)", () => {
  const spec = readSpaceFile(GENDER);

  it("reads as the seed's study: bayesian, val_accuracy, 160 trials, 2 executions, 50 epochs, batch 32", () => {
    assert.deepEqual(
      [
        spec.tuner.oracle,
        spec.tuner.objective,
        spec.tuner.direction,
        spec.tuner.maxTrials,
        spec.tuner.executionsPerTrial,
        spec.tuner.epochs,
        spec.tuner.batchSize,
      ],
      ['bayesian', 'val_accuracy', 'max', 160, 2, 50, 32],
    );
    assert.equal(spec.space.cardinality(), 5 * 6 - 2 * 6 + 2 * 6 * 4);
  });

  it('samples honestly: conditions hold and every choice gets its share', () => {
    const rng = new Rng(3);
    const counts = new Map<unknown, number>();
    const n = 10_000;
    for (let i = 0; i < n; i++) {
      const v = spec.space.sample(rng);
      counts.set(v['first_dense'], (counts.get(v['first_dense']) ?? 0) + 1);
      assert.equal('extra_dense_layer' in v, v['first_dense'] === 32 || v['first_dense'] === 64);
      assert.equal('extra_dense' in v, v['extra_dense_layer'] === true);
      assert.ok([0.3, 0.4, 0.5, 0.6, 0.7, 0.8].includes(v['dropout_rate'] as number), String(v['dropout_rate']));
    }
    for (const value of [4, 8, 16, 32, 64]) {
      const share = counts.get(value)! / n;
      assert.ok(Math.abs(share - 0.2) < 0.02, `first_dense=${value}: ${share}`);
    }
  });

  it('encodes and decodes every value set back to itself', () => {
    for (const values of spec.space.enumerate(1000)!) assert.deepEqual(spec.space.decode(spec.space.encode(values)), values);
  });
});

describe('space file validation', () => {
  const base = (): Record<string, unknown> => JSON.parse(JSON.stringify(readSpaceFile(GENDER).source)) as Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each rule edits the JSON in its own way
  const rules: { name: string; edit: (s: Record<string, any>) => void; where: string; what: RegExp }[] = [
    { name: 'an unknown top-level key', edit: (s) => (s['tuners'] = {}), where: 'top level', what: /unknown key "tuners"/ },
    { name: 'an empty choice', edit: (s) => (s['hyperparameters'][0].values = []), where: 'hyperparameters[0].values', what: /at least one value/ },
    { name: 'a mixed choice', edit: (s) => (s['hyperparameters'][0].values = [4, 'eight']), where: 'hyperparameters[0].values', what: /one type/ },
    { name: 'min > max', edit: (s) => (s['hyperparameters'][1].max = 0.1), where: 'hyperparameters[1].max', what: /must be >= min \(0\.3\), got 0\.1/ },
    {
      name: 'log sampling from 0',
      edit: (s) => Object.assign(s['hyperparameters'][1], { min: 0, sampling: 'log' }),
      where: 'hyperparameters[1].min',
      what: /> 0 with log sampling/,
    },
    { name: 'a duplicate name', edit: (s) => (s['hyperparameters'][1].name = 'first_dense'), where: 'hyperparameters[1].name', what: /repeats "first_dense"/ },
    {
      name: 'a parent declared later',
      edit: (s) => s['hyperparameters'].reverse(),
      where: 'hyperparameters[0].when.extra_dense_layer',
      what: /must be declared before/,
    },
    {
      name: 'a when value the parent never takes',
      edit: (s) => (s['hyperparameters'][2].when = { first_dense: [128] }),
      where: 'hyperparameters[2].when.first_dense[0]',
      what: /is not a value of "first_dense"/,
    },
    { name: 'an unknown $name', edit: (s) => (s['model'][0].dense = '$first'), where: 'model[0].dense', what: /unknown hyperparameter, got "\$first"/ },
    { name: 'an unknown activation', edit: (s) => (s['model'][0].activation = 'rleu'), where: 'model[0].activation', what: /must be one of relu/ },
    {
      name: 'an unknown optimizer',
      edit: (s) => (s['compile'].optimizer = 'lion'),
      where: 'compile.optimizer',
      what: /must be one of rmsprop, adam, sgd, got "lion"/,
    },
    {
      name: 'momentum for an optimizer other than sgd',
      edit: (s) => (s['compile'].momentum = 0.9),
      where: 'compile.momentum',
      what: /applies to the sgd optimizer only, got optimizer rmsprop/,
    },
    {
      name: 'a momentum of 1',
      edit: (s) => Object.assign(s['compile'], { optimizer: 'sgd', momentum: 1 }),
      where: 'compile.momentum',
      what: /must be in \[0, 1\), got 1/,
    },
    { name: 'an unknown loss', edit: (s) => (s['compile'].loss = 'hinge'), where: 'compile.loss', what: /must be one of binary_crossentropy/ },
    { name: 'a dropout rate of 1', edit: (s) => (s['model'][1].dropout = 1), where: 'model[1].dropout', what: /rate in \[0, 1\), got 1/ },
    {
      name: 'a repeated "$units_{i}" from a continuous float',
      edit: (s) => {
        s['hyperparameters'].push({ name: 'units_0', type: 'float', min: 1, max: 8 });
        s['model'].splice(0, 0, { dense: '$units_{i}', repeat: 1 });
      },
      where: 'model[0].dense (value 1.5 of "units_0")',
      what: /^must be a whole number >= 1, got 1\.5$/,
    },
    {
      name: 'a "$units_{i}" below 1 at its third repetition',
      edit: (s) => {
        for (const [i, min] of [2, 2, 0].entries()) s['hyperparameters'].push({ name: `units_${i}`, type: 'int', min, max: 8 });
        s['model'].splice(0, 0, { dense: '$units_{i}', activation: 'relu', repeat: 3 });
      },
      where: 'model[0].dense (value 0 of "units_2")',
      what: /^must be a whole number >= 1, got 0$/,
    },
    {
      name: 'a "$act_{i}" choice with an unknown activation',
      edit: (s) => {
        s['hyperparameters'].push({ name: 'act_0', type: 'choice', values: ['relu', 'rleu'] });
        s['model'].splice(0, 0, { dense: 4, activation: '$act_{i}', repeat: 1 });
      },
      where: 'model[0].activation (value "rleu" of "act_0")',
      what: /^must be one of relu, .*, got "rleu"$/,
    },
    {
      name: 'a "$rate_{i}" dropout reaching 5 at a repetition a count hyperparameter allows',
      edit: (s) => {
        s['hyperparameters'].push(
          { name: 'drops', type: 'choice', values: [1, 2] },
          { name: 'rate_0', type: 'float', min: 0.1, max: 0.5 },
          { name: 'rate_1', type: 'float', min: 0.5, max: 5 },
        );
        s['model'][1] = { dropout: '$rate_{i}', repeat: '$drops' };
      },
      where: 'model[1].dropout (max of "rate_1")',
      what: /^must be a rate in \[0, 1\), got 5$/,
    },
    { name: 'zero max_trials', edit: (s) => (s['tuner'].max_trials = 0), where: 'tuner.max_trials', what: /whole number >= 1, got 0/ },
    {
      name: 'an unknown oracle',
      edit: (s) => (s['tuner'].oracle = 'genetic'),
      where: 'tuner.oracle',
      what: /must be one of random, grid, bayesian, tpe, hyperband, got "genetic"/,
    },
    { name: 'a Hyperband factor below 2', edit: (s) => (s['tuner'].factor = 1), where: 'tuner.factor', what: /whole number >= 2, got 1/ },
    { name: 'a fractional max_epochs', edit: (s) => (s['tuner'].max_epochs = 2.5), where: 'tuner.max_epochs', what: /whole number >= 1, got 2.5/ },
    {
      name: 'zero hyperband_iterations',
      edit: (s) => (s['tuner'].hyperband_iterations = 0),
      where: 'tuner.hyperband_iterations',
      what: /whole number >= 1, got 0/,
    },
  ];
  for (const rule of rules) {
    it(`refuses ${rule.name}, naming the place and the value`, () => {
      const s = base();
      rule.edit(s);
      assert.throws(
        () => parseSpace(s, 'x.json'),
        (err: unknown) => {
          assert.ok(err instanceof InputError, String(err));
          assert.equal(err.where, rule.where);
          assert.match(err.what, rule.what);
          return true;
        },
      );
    });
  }

  it("reads a study's stored space whose values the layers would refuse, every other rule still checked", () => {
    // A width of 0 builds no model: the trials that draw it are a study's invalid trials.
    const s = base();
    (s['hyperparameters'] as { values?: unknown[] }[])[0]!.values = [0, 4, 8, 16, 32, 64];
    assert.throws(() => parseSpace(s, 'x.json'), /model\[0\]\.dense \(value 0 of "first_dense"\): must be a whole number >= 1, got 0/);
    const stored = parseSpace(s, 'x.json', { stored: true });
    assert.deepEqual(stored.model[0], { kind: 'dense', units: { ref: 'first_dense' }, activation: 'relu' });
    s['model'] = [{ dense: 0 }, { dense: 1, activation: 'sigmoid' }];
    assert.throws(() => parseSpace(s, 'x.json', { stored: true }), /model\[0\]\.dense: must be a whole number >= 1, got 0/);
  });
});

describe('tune space check / sample', () => {
  it('check prints a summary of a valid space', () => {
    const run = tune(['space', 'check', GENDER]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /ok: study gender, 4 hyperparameters, 66 distinct value sets/);
  });

  it('sample prints N value sets as JSON lines, the same for the same seed', () => {
    const a = tune(['space', 'sample', GENDER, '--n', '5', '--seed', '4']).stdout.trim().split('\n');
    const b = tune(['space', 'sample', GENDER, '--n', '5', '--seed', '4']).stdout.trim().split('\n');
    assert.equal(a.length, 5);
    assert.deepEqual(a, b);
    for (const line of a) assert.ok(typeof (JSON.parse(line) as Record<string, unknown>)['first_dense'] === 'number');
  });
});

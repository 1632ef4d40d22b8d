import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromUnit, toUnit } from '../../src/space/encoding.js';
import { discreteValues, type Hyperparameter, type RangeHp } from '../../src/space/hyperparameter.js';
import { InputError } from '../../src/errors.js';
import { parseSpace } from '../../src/space/parse-space.js';
import { Rng } from '../../src/random/rng.js';

const range = (r: Partial<RangeHp> & Pick<RangeHp, 'type' | 'min' | 'max'>): RangeHp => ({ name: 'x', sampling: 'linear', ...r });
const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

describe("KerasTuner's value <-> [0, 1) maps", () => {
  it('linear, log and reverse_log follow their formulas and invert', () => {
    const lin = range({ type: 'float', min: 2, max: 10 });
    const log = range({ type: 'float', min: 1e-4, max: 1e-1, sampling: 'log' });
    const rev = range({ type: 'float', min: 0.9, max: 0.999, sampling: 'reverse_log' });
    for (const p of [0, 0.1, 0.37, 0.5, 0.9]) {
      close(fromUnit(lin, p) as number, 2 + p * 8);
      close(fromUnit(log, p) as number, 1e-4 * Math.pow(1000, p));
      close(fromUnit(rev, p) as number, 0.999 + 0.9 - 0.9 * Math.pow(0.999 / 0.9, 1 - p));
      for (const hp of [lin, log, rev]) close(toUnit(hp, fromUnit(hp, p)), p);
    }
  });

  it('puts grid values at the centre of their bucket', () => {
    const choice: Hyperparameter = { name: 'c', type: 'choice', values: ['a', 'b', 'c', 'd'] };
    assert.deepEqual(
      ['a', 'b', 'c', 'd'].map((v) => toUnit(choice, v)),
      [0.125, 0.375, 0.625, 0.875],
    );
    assert.deepEqual(
      [0, 0.24, 0.25, 0.99].map((p) => fromUnit(choice, p)),
      ['a', 'a', 'b', 'd'],
    );
    const stepped = range({ type: 'float', min: 0.3, max: 0.8, step: 0.1 });
    assert.deepEqual(discreteValues(stepped), [0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
    close(toUnit(stepped, 0.5), 2.5 / 6);
    assert.equal(fromUnit(stepped, 2.5 / 6), 0.5);
  });

  it('booleans sit at 0.25 and 0.75, fixed at 0.5', () => {
    const b: Hyperparameter = { name: 'b', type: 'boolean' };
    assert.deepEqual([toUnit(b, false), toUnit(b, true), fromUnit(b, 0.49), fromUnit(b, 0.5)], [0.25, 0.75, false, true]);
    assert.equal(toUnit({ name: 'f', type: 'fixed', value: 'adam' }, 'adam'), 0.5);
  });

  it('makes a log step multiply, and mirrors it for reverse_log', () => {
    assert.deepEqual(discreteValues(range({ type: 'int', min: 32, max: 512, step: 2, sampling: 'log' })), [32, 64, 128, 256, 512]);
    assert.deepEqual(discreteValues(range({ type: 'float', min: 1e-4, max: 1e-1, step: 10, sampling: 'log' })), [1e-4, 1e-3, 1e-2, 1e-1]);
    assert.deepEqual(discreteValues(range({ type: 'int', min: 1, max: 9, step: 2, sampling: 'reverse_log' })), [2, 6, 8, 9]);
  });

  it('samples log ranges uniformly in log space, ints without step included', () => {
    const rng = new Rng(1);
    const hp = range({ type: 'int', min: 1, max: 10_000, sampling: 'log' });
    const decades = [0, 0, 0, 0];
    for (let i = 0; i < 10_000; i++) {
      const v = fromUnit(hp, rng.next()) as number;
      assert.ok(Number.isInteger(v) && v >= 1 && v <= 10_000);
      decades[Math.min(3, Math.floor(Math.log10(v)))]!++;
    }
    for (const d of decades) assert.ok(Math.abs(d / 10_000 - 0.25) < 0.03, `decades ${decades}`);
  });
});

describe('range validation', () => {
  const space = (hp: Record<string, unknown>): unknown => ({
    name: 's',
    data: { train: 'a', valid: 'b', test: 'c' },
    hyperparameters: [{ name: 'x', ...hp }],
    model: [{ dense: 1, activation: 'sigmoid' }],
    compile: { loss: 'binary_crossentropy' },
  });
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ type: 'float', min: 0, max: 1, sampling: 'reverse_log' }, 'hyperparameters[0].min', /> 0 with reverse_log sampling, got 0/],
    [{ type: 'float', min: 0, max: 1, step: 2 }, 'hyperparameters[0].step', /does not fit the range 0\.\.1, got 2/],
    [{ type: 'int', min: 1, max: 100, step: 1, sampling: 'log' }, 'hyperparameters[0].step', /must be > 1 with log sampling \(it multiplies\), got 1/],
    [{ type: 'int', min: 10, max: 15, step: 2, sampling: 'log' }, 'hyperparameters[0].step', /does not fit the range 10\.\.15 \(10 x 2 > 15\)/],
    [{ type: 'float', min: 0, max: 1, sampling: 'square' }, 'hyperparameters[0].sampling', /must be one of linear, log, reverse_log, got "square"/],
    [{ type: 'fixed' }, 'hyperparameters[0].value', /must be a number, string or boolean, got undefined/],
    [{ type: 'choice', values: ['a', 'b'], ordered: true }, 'hyperparameters[0].ordered', /numbers only/],
    [{ type: 'float', min: 0, max: 1, default: 2 }, 'hyperparameters[0].default', /got 2/],
  ];
  for (const [hp, where, what] of cases) {
    it(`refuses ${JSON.stringify(hp)}`, () => {
      assert.throws(
        () => parseSpace(space(hp), 's.json'),
        (err: unknown) => err instanceof InputError && err.where === where && what.test(err.what),
      );
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromUnit, isValueOf, toUnit } from '../../src/space/encoding.js';
import { discreteValues, gridPoint, gridSize, rangeGrid, type Hyperparameter, type RangeHp } from '../../src/space/hyperparameter.js';
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
    assert.deepEqual(discreteValues(range({ type: 'int', min: 1, max: 9, step: 2, sampling: 'reverse_log' })), [9, 8, 6, 2]);
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

describe('grids too large to list (more than 100,000 points)', () => {
  it('computes the same points as the listed grid, so the arithmetic can stand in for the list', () => {
    const hps = [
      range({ type: 'int', min: -3, max: 99_990 }),
      range({ type: 'float', min: 0.3, max: 999.8, step: 0.01 }),
      range({ type: 'int', min: 5, max: 99_999, step: 7 }),
      range({ type: 'float', min: 1e-4, max: 1e-1, step: 1.0001, sampling: 'log' }),
      range({ type: 'float', min: 0.9, max: 0.999, step: 1.00001, sampling: 'reverse_log' }),
      range({ type: 'int', min: 1, max: 9, step: 2, sampling: 'reverse_log' }),
    ];
    for (const hp of hps) {
      const grid = rangeGrid(hp)!;
      assert.ok(grid, `${JSON.stringify(hp)} is listed`);
      const n = gridSize(hp)!;
      assert.equal(n, grid.length, JSON.stringify(hp));
      // A linear grid is the same arithmetic exactly; a log one lists by repeated products.
      const tolerance = hp.step === undefined || hp.sampling === 'linear' ? 0 : 1e-9;
      const off = grid.findIndex((v, k) => Math.abs(gridPoint(hp, k) - v) > tolerance * Math.abs(v));
      assert.equal(off, -1, `${JSON.stringify(hp)}: point ${off} is ${gridPoint(hp, off)}, listed ${grid[off]}`);
    }
  });

  it('samples an int from 1 to 200,000 as whole numbers across the whole range, and inverts', () => {
    const hp = range({ type: 'int', min: 1, max: 200_000 });
    assert.equal(rangeGrid(hp), undefined, 'too large to list');
    const rng = new Rng(7);
    let low = Infinity;
    let high = -Infinity;
    for (let i = 0; i < 5000; i++) {
      const v = fromUnit(hp, rng.next()) as number;
      assert.ok(Number.isInteger(v) && v >= 1 && v <= 200_000, `got ${v}`);
      [low, high] = [Math.min(low, v), Math.max(high, v)];
      assert.equal(fromUnit(hp, toUnit(hp, v)), v);
    }
    assert.ok(low < 1000 && high > 199_000, `${low}..${high}`);
    assert.deepEqual([fromUnit(hp, 0), fromUnit(hp, 1)], [1, 200_000]);
    // KerasTuner's prob_to_index: 0.25 / (1 / 200000) is 49999.99999999999 in floats, floored.
    assert.equal(fromUnit(hp, 0.25), 50_000);
  });

  it('lands a stepped float with a million points on min + k step, within the range', () => {
    const hp = range({ type: 'float', min: 0.5, max: 10_000.5, step: 0.01 });
    assert.equal(rangeGrid(hp), undefined, 'too large to list');
    const rng = new Rng(8);
    for (let i = 0; i < 5000; i++) {
      const v = fromUnit(hp, rng.next()) as number;
      const k = (v - 0.5) / 0.01;
      assert.ok(Math.abs(k - Math.round(k)) < 1e-6 && v >= 0.5 && v <= 10_000.5, `got ${v}`);
      assert.equal(fromUnit(hp, toUnit(hp, v)), v);
    }
    assert.equal(fromUnit(hp, 1), 10_000.5);
    const steps = range({ type: 'float', min: 0, max: 1_000_000, step: 1 });
    for (const p of [0, 0.123456789, 0.5, 0.999]) assert.ok(Number.isInteger(fromUnit(steps, p)), `p ${p}`);
  });

  it('keeps a log step multiplying past the listing limit', () => {
    const hp = range({ type: 'float', min: 1, max: 1e6, step: 1.0001, sampling: 'log' });
    assert.equal(rangeGrid(hp), undefined, 'too large to list');
    for (const p of [0, 0.25, 0.5, 0.75, 0.999999]) {
      const v = fromUnit(hp, p) as number;
      const k = Math.log(v) / Math.log(1.0001);
      assert.ok(Math.abs(k - Math.round(k)) < 1e-6 && v >= 1 && v <= 1e6, `p ${p}: got ${v}`);
    }
  });

  it('takes as values only the grid points: whole numbers for an int', () => {
    const int = range({ type: 'int', min: 1, max: 200_000 });
    assert.deepEqual([isValueOf(int, 53286), isValueOf(int, 53286.575), isValueOf(int, 0), isValueOf(int, 200_001)], [true, false, false, false]);
    const stepped = range({ type: 'float', min: 0, max: 5000, step: 0.01 });
    assert.deepEqual([isValueOf(stepped, 0.35), isValueOf(stepped, 4999.99), isValueOf(stepped, 0.355)], [true, true, false]);
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
    [{ type: 'int', min: 1, max: 200_000, default: 2.5 }, 'hyperparameters[0].default', /got 2\.5/],
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

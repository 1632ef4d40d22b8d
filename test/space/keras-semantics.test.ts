/*
 * KerasTuner's own expectations, test by test (keras_tuner/engine/hyperparameters/hp_types/*_test.py,
 * keras_tuner/tuners/gridsearch_test.py). The expected numbers are KerasTuner's; where its test
 * asserts only a count, the values were computed with its formulas in Python 3.11.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GridOracle, gridValues } from '../../src/oracles/grid.js';
import { fromUnit, isValueOf, toUnit } from '../../src/space/encoding.js';
import { discreteValues, type Hyperparameter, type RangeHp, type Values } from '../../src/space/hyperparameter.js';
import { Space } from '../../src/space/space.js';

function range(hp: Partial<RangeHp> & Pick<RangeHp, 'type' | 'min' | 'max'>): RangeHp {
  return { name: 'x', sampling: 'linear', ...hp };
}

/** Every point a grid oracle proposes, each recorded as tried at once. */
function walkGrid(space: Space): Values[] {
  const grid = new GridOracle(space);
  const tried = new Set<string>();
  const seen: Values[] = [];
  for (;;) {
    const p = grid.propose({ completed: [], pending: [], tried, trials: [] });
    if (p === undefined) return seen;
    tried.add(space.key(p.values));
    seen.push(p.values);
  }
}

const near = (a: number, b: number, tolerance = 1e-4): boolean => Math.abs(a - b) < tolerance;

describe("KerasTuner's Int without a step", () => {
  it('floors over [min, max + 1]: p = 0.1 on 1..10 gives 2 (Int.prob_to_value)', () => {
    assert.equal(fromUnit(range({ type: 'int', min: 1, max: 10 }), 0.1), 2);
    // With log sampling too: int(1 * 11^0.1) = 1, int(1 * 101^p) for p = 0.3, 0.5, 0.9, 0.999.
    const log = range({ type: 'int', min: 1, max: 100, sampling: 'log' });
    assert.deepEqual(
      [0.1, 0.3, 0.5, 0.9, 0.999].map((p) => fromUnit(log, p)),
      [1, 3, 10, 63, 100],
    );
  });

  it('round-trips a log int through its bucket centre (test_int_log_without_step, test_int)', () => {
    const log = range({ type: 'int', min: 2, max: 32, sampling: 'log' });
    assert.ok(near(toUnit(log, 4), 0.28927077008703916, 1e-12), `value_to_prob(4) = ${toUnit(log, 4)}`);
    assert.equal(fromUnit(log, toUnit(log, 4)), 4);
    assert.ok(near(toUnit(range({ type: 'int', min: 5, max: 9, step: 1 }), 6), 0.3));
  });

  it('lists 10 evenly spaced samples for a log int in the grid (test_int_values_property_without_step)', () => {
    const log = range({ type: 'int', min: 2, max: 1024, sampling: 'log' });
    assert.deepEqual(gridValues(log), [2, 5, 9, 17, 33, 61, 115, 215, 402, 750]);
    assert.deepEqual(gridValues(range({ type: 'int', min: 2, max: 4 })), [2, 3, 4]);
    assert.equal(gridValues(range({ type: 'int', min: 2, max: 20 })).length, 19);
    // Still any whole number of the range as a value (a trial may hold 3).
    assert.ok(isValueOf(log, 3));
  });
});

describe("KerasTuner's reverse_log with a step", () => {
  const hp = range({ type: 'float', min: 0.01, max: 100, step: 10, sampling: 'reverse_log' });

  it('puts max at index 0: prob_to_value(0.3) is 99.91 for 0.01..100 (test_float_reverse_log_with_step)', () => {
    const values = discreteValues(hp) as number[];
    assert.deepEqual(
      values.map((v) => Math.round(v * 100) / 100),
      [100, 99.91, 99.01, 90.01, 0.01],
    );
    assert.ok(near(fromUnit(hp, 0.3) as number, 99.91), `prob_to_value(0.3) = ${fromUnit(hp, 0.3)}`);
    assert.ok(near(toUnit(hp, 99.91), 0.3));
  });

  it('walks the grid in the same order, max first', () => {
    const order = walkGrid(new Space([{ ...hp, default: 100 }])).map((v) => Math.round((v['x'] as number) * 100) / 100);
    assert.deepEqual(order, [100, 99.91, 99.01, 90.01, 0.01]);
  });
});

describe("KerasTuner's grid of a float without step", () => {
  it('takes prob_to_value(i * 0.1 + 0.05) for i < 10, plus the default: 55 trials (test_int_and_float)', () => {
    const hps: Hyperparameter[] = [
      { name: 'int', type: 'int', min: 1, max: 5, sampling: 'linear' },
      { name: 'float', type: 'float', min: 1, max: 2, sampling: 'linear' },
    ];
    const points = walkGrid(new Space(hps));
    assert.equal(points.length, 55);
    // The defaults first, then the float's ten bucket centres turn fastest.
    assert.deepEqual(points[0], { int: 1, float: 1 });
    assert.deepEqual(
      points.slice(1, 11).map((v) => Math.round((v['float'] as number) * 100) / 100),
      [1.05, 1.15, 1.25, 1.35, 1.45, 1.55, 1.65, 1.75, 1.85, 1.95],
    );
    assert.deepEqual(points[11], { int: 2, float: 1 });
  });
});

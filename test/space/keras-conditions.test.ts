/*
 * KerasTuner's conditions (keras_tuner/engine/hyperparameters/hyperparameters_test.py): a layer
 * gated by a condition on any discrete hyperparameter (test_conditional_scope), and one name
 * under conditions that cannot both hold (test_parent_name).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concreteModel } from '../../src/engine/model-spec.js';
import { InputError } from '../../src/errors.js';
import { GridOracle } from '../../src/oracles/grid.js';
import { parseSpace } from '../../src/space/parse-space.js';
import { tinySpace } from '../helpers/tiny-study.js';

function study(hyperparameters: unknown[], model: unknown[]): Record<string, unknown> {
  return { ...tinySpace('/data'), hyperparameters, model };
}

function refusal(json: unknown): InputError {
  try {
    parseSpace(json, 'space.json');
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  assert.fail('the space was accepted');
}

describe('a layer gated by a condition object (test_conditional_scope)', () => {
  const hps = [
    { name: 'units2', type: 'int', min: 1, max: 10 },
    { name: 'rate', type: 'float', min: 0.1, max: 0.5, step: 0.1, when: { units2: [4, 5, 6, 7, 8] } },
  ];
  const gated = (cond: unknown) => [
    { dense: '$units2', activation: 'relu' },
    { dropout: '$rate', if: cond },
    { dense: 1, activation: 'sigmoid' },
  ];

  it("accepts KerasTuner's conditional_scope('units2', [4..8]) and builds the dropout only there", () => {
    const spec = parseSpace(study(hps, gated({ units2: [4, 5, 6, 7, 8] })), 'space.json');
    const kinds = (values: Record<string, number>) => concreteModel(spec.model, spec.compile, values, 3).layers.map((l) => l.kind);
    assert.deepEqual(kinds({ units2: 5, rate: 0.2 }), ['dense', 'dropout', 'dense']);
    assert.deepEqual(kinds({ units2: 9 }), ['dense', 'dense']);
  });

  it('accepts a narrower condition, which implies the rate is active', () => {
    parseSpace(study(hps, gated({ units2: [5, 6] })), 'space.json');
  });

  it('refuses a condition that lets the layer be built while its rate is inactive, with a witness', () => {
    const err = refusal(study(hps, gated({ units2: [3, 4] })));
    assert.equal(err.where, 'model[1]');
    assert.match(err.message, /uses \$rate, which is inactive when \{"units2":3\}; its "if" \(\{"units2":\[3,4\]\}\) does not imply it/);
  });

  it('refuses an unknown name, a continuous float and a value the hyperparameter does not have', () => {
    assert.match(refusal(study(hps, gated({ nope: [1] }))).message, /model\[1\]\.if\.nope: refers to an unknown hyperparameter/);
    const withFloat = [...hps, { name: 'f', type: 'float', min: 0, max: 1 }];
    assert.match(refusal(study(withFloat, gated({ f: [0.5] }))).message, /model\[1\]\.if\.f: "f" is a continuous float/);
    assert.match(refusal(study(hps, gated({ units2: [4, 11] }))).message, /model\[1\]\.if\.units2\[1\]: is not a value of "units2".*got 11/);
  });

  it('still takes a boolean name, and refuses a name that is not a boolean', () => {
    const withFlag = [...hps, { name: 'flag', type: 'boolean' }];
    const layers = [
      { dense: 4, activation: 'relu', if: 'flag' },
      { dense: 1, activation: 'sigmoid' },
    ];
    parseSpace(study(withFlag, layers), 'space.json');
    assert.match(refusal(study(hps, gated('units2'))).message, /must name a boolean hyperparameter, got "units2" \(int\)/);
  });
});

describe('one name under conditions that cannot both hold (test_parent_name)', () => {
  const hps = (bWhen: unknown) => [
    { name: 'a', type: 'choice', values: [1, 2, 3], default: 2 },
    { name: 'b', type: 'int', min: 0, max: 10, default: 5, when: { a: [1] } },
    { name: 'b', type: 'int', min: 0, max: 100, default: 4, when: bWhen },
  ];
  const layers = [
    { dense: 4, activation: 'relu' },
    { dense: 1, activation: 'sigmoid' },
  ];

  it("accepts b under a = 1 and again under a = 2; the defaults are KerasTuner's {a: 2, b: 4}", () => {
    const { space } = parseSpace(study(hps({ a: [2] }), layers), 'space.json');
    const grid = new GridOracle(space);
    const tried = new Set<string>();
    const seen: Record<string, unknown>[] = [];
    for (let p = grid.propose({ completed: [], pending: [], tried, trials: [] }); p; p = grid.propose({ completed: [], pending: [], tried, trials: [] })) {
      tried.add(space.key(p.values));
      seen.push(p.values);
    }
    assert.deepEqual(seen[0], { a: 2, b: 4 });
    // a = 1: b in 0..10 (11), a = 2: b in 0..100 (101), a = 3: no b.
    assert.equal(seen.length, 11 + 101 + 1);
    assert.equal(space.cardinality(), 113);
    assert.ok(seen.every((v) => (v['a'] === 3 ? !('b' in v) : (v['b'] as number) <= (v['a'] === 1 ? 10 : 100))));
    // Each declaration's dimension reads b only where it is the active one.
    assert.deepEqual(space.encode({ a: 1, b: 10 }).slice(1), [(10 + 0.5) / 11, (4 + 0.5) / 101]);
  });

  it('refuses it where both can be active, and where the name is read by a layer or a condition', () => {
    const both = refusal(study(hps({ a: [1, 2] }), layers));
    assert.equal(both.where, 'hyperparameters[2].name');
    assert.match(both.message, /repeats "b" \(hyperparameters\[1\]\) under conditions that can both hold/);
    assert.match(refusal(study(hps(undefined), layers)).message, /repeats "b"/);
    const reads = [
      { dense: '$b', activation: 'relu', if: { a: [1] } },
      { dense: 1, activation: 'sigmoid' },
    ];
    assert.match(refusal(study(hps({ a: [2] }), reads)).message, /model\[0\]\.dense: refers to "b", which is declared more than once/);
    const child = [...hps({ a: [2] }), { name: 'c', type: 'boolean', when: { b: [4] } }];
    assert.match(refusal(study(child, layers)).message, /hyperparameters\[3\]\.when\.b: parent "b" is declared more than once/);
  });

  it('proves exclusion through a chain: children of the two branches of a boolean', () => {
    const chain = [
      { name: 'deep', type: 'boolean' },
      { name: 'wide', type: 'boolean', when: { deep: [true] } },
      { name: 'narrow', type: 'boolean', when: { deep: [false] } },
      { name: 'units', type: 'choice', values: [8, 16], when: { wide: [true, false] } },
      { name: 'units', type: 'choice', values: [2, 4], when: { narrow: [true, false] } },
    ];
    parseSpace(study(chain, layers), 'space.json');
  });
});

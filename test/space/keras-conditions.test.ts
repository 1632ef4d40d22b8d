/*
 * KerasTuner's conditions (keras_tuner/engine/hyperparameters/hyperparameters_test.py): a layer
 * gated by a condition on any discrete hyperparameter (test_conditional_scope), and one name
 * under conditions that cannot both hold (test_parent_name).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concreteModel } from '../../src/engine/model-spec.js';
import { InputError } from '../../src/errors.js';
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

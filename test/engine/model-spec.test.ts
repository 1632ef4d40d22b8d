import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concreteModel, weightShapes } from '../../src/engine/model-spec.js';
import { InputError } from '../../src/errors.js';
import { parseSpace } from '../../src/space/parse-space.js';

const spaceWith = (compile: Record<string, unknown>, extra: Record<string, unknown>[] = []): unknown => ({
  name: 's',
  data: { train: 'a', valid: 'b', test: 'c' },
  hyperparameters: [
    { name: 'units', type: 'choice', values: [8, 16] },
    { name: 'opt', type: 'choice', values: ['adam', 'sgd'] },
    { name: 'lr', type: 'float', min: 1e-4, max: 1e-1, sampling: 'log' },
    ...extra,
  ],
  model: [{ dense: '$units', activation: 'relu' }, { dropout: 0.2 }, { dense: 1, activation: 'sigmoid' }],
  compile: { loss: 'binary_crossentropy', ...compile },
});

describe('a trial\'s concrete model', () => {
  it('resolves $names in layers and in compile: optimizer and learning rate', () => {
    const spec = parseSpace(spaceWith({ optimizer: '$opt', learning_rate: '$lr' }), 's.json');
    const m = concreteModel(spec.model, spec.compile, { units: 16, opt: 'sgd', lr: 0.003 }, 12);
    assert.deepEqual(m.optimizer, { name: 'sgd', learningRate: 0.003 });
    assert.deepEqual(m.layers, [{ kind: 'dense', units: 16, activation: 'relu' }, { kind: 'dropout', rate: 0.2 }, { kind: 'dense', units: 1, activation: 'sigmoid' }]);
    assert.deepEqual(weightShapes(m), [[12, 16], [16], [16, 1], [1]]);
  });

  it('takes Keras\' default learning rate of the chosen optimizer when none is given', () => {
    const spec = parseSpace(spaceWith({ optimizer: '$opt' }), 's.json');
    assert.equal(concreteModel(spec.model, spec.compile, { units: 8, opt: 'sgd', lr: 1 }, 4).optimizer.learningRate, 0.01);
    assert.equal(concreteModel(spec.model, spec.compile, { units: 8, opt: 'adam', lr: 1 }, 4).optimizer.learningRate, 0.001);
  });

  it('refuses an optimizer choice with a value that is no optimizer', () => {
    const space = spaceWith({ optimizer: '$bad' }, [{ name: 'bad', type: 'choice', values: ['adam', 'lion'] }]);
    assert.throws(() => parseSpace(space, 's.json'), (err: unknown) => err instanceof InputError && err.where === 'compile.optimizer (value "lion" of "bad")');
  });

  it('refuses an optimizer hyperparameter that can be inactive', () => {
    const space = spaceWith({ optimizer: '$cond' }, [{ name: 'cond', type: 'choice', values: ['adam'], when: { units: [8] } }]);
    assert.throws(() => parseSpace(space, 's.json'), (err: unknown) => err instanceof InputError && err.where === 'compile.optimizer' && /can be inactive/.test(err.what));
  });
});

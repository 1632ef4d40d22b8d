import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidValues, concreteModel, weightShapes } from '../../src/engine/model-spec.js';
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

describe("a trial's concrete model", () => {
  it('resolves $names in layers and in compile: optimizer and learning rate', () => {
    const spec = parseSpace(spaceWith({ optimizer: '$opt', learning_rate: '$lr' }), 's.json');
    const m = concreteModel(spec.model, spec.compile, { units: 16, opt: 'sgd', lr: 0.003 }, 12);
    assert.deepEqual(m.optimizer, { name: 'sgd', learningRate: 0.003, momentum: 0 });
    assert.deepEqual(m.layers, [
      { kind: 'dense', units: 16, activation: 'relu' },
      { kind: 'dropout', rate: 0.2 },
      { kind: 'dense', units: 1, activation: 'sigmoid' },
    ]);
    assert.deepEqual(weightShapes(m), [[12, 16], [16], [16, 1], [1]]);
  });

  it('gives sgd its momentum, fixed or a hyperparameter, and the other optimizers none', () => {
    const spec = parseSpace(spaceWith({ optimizer: '$opt', momentum: '$mu' }, [{ name: 'mu', type: 'float', min: 0, max: 0.99 }]), 's.json');
    assert.equal(concreteModel(spec.model, spec.compile, { units: 8, opt: 'sgd', lr: 1, mu: 0.9 }, 4).optimizer.momentum, 0.9);
    assert.equal(concreteModel(spec.model, spec.compile, { units: 8, opt: 'adam', lr: 1, mu: 0.9 }, 4).optimizer.momentum, 0);
    const fixed = parseSpace(spaceWith({ optimizer: 'sgd', momentum: 0.5 }), 's.json');
    assert.equal(concreteModel(fixed.model, fixed.compile, { units: 8, opt: 'sgd', lr: 1 }, 4).optimizer.momentum, 0.5);
  });

  it("takes Keras' default learning rate of the chosen optimizer when none is given", () => {
    const spec = parseSpace(spaceWith({ optimizer: '$opt' }), 's.json');
    assert.equal(concreteModel(spec.model, spec.compile, { units: 8, opt: 'sgd', lr: 1 }, 4).optimizer.learningRate, 0.01);
    assert.equal(concreteModel(spec.model, spec.compile, { units: 8, opt: 'adam', lr: 1 }, 4).optimizer.learningRate, 0.001);
  });

  it('throws InvalidValues for values that build no model (which space checks now refuse ahead)', () => {
    const spec = parseSpace(spaceWith({ optimizer: '$opt', learning_rate: '$lr' }), 's.json');
    const model = [
      { kind: 'dense' as const, units: { ref: 'units' }, activation: 'relu' as const },
      { kind: 'dropout' as const, rate: { ref: 'rate' } },
      ...spec.model.slice(2),
    ];
    const bad: [Record<string, number | string>, RegExp][] = [
      [{ units: 2.5, rate: 0.1, opt: 'adam', lr: 0.1 }, /whole number of units >= 1, got 2\.5/],
      [{ units: 8, rate: 1.05, opt: 'adam', lr: 0.1 }, /dropout rate must be in \[0, 1\), got 1\.05/],
      [{ units: 8, rate: 0.1, opt: 'adam', lr: 0 }, /learning rate must be > 0, got 0/],
    ];
    for (const [values, what] of bad)
      assert.throws(
        () => concreteModel(model, spec.compile, values, 4),
        (err: unknown) => err instanceof InvalidValues && what.test(err.message),
      );
  });

  it('refuses an optimizer choice with a value that is no optimizer', () => {
    const space = spaceWith({ optimizer: '$bad' }, [{ name: 'bad', type: 'choice', values: ['adam', 'lion'] }]);
    assert.throws(
      () => parseSpace(space, 's.json'),
      (err: unknown) => err instanceof InputError && err.where === 'compile.optimizer (value "lion" of "bad")',
    );
  });

  it('refuses an optimizer hyperparameter that can be inactive', () => {
    const space = spaceWith({ optimizer: '$cond' }, [{ name: 'cond', type: 'choice', values: ['adam'], when: { units: [8] } }]);
    assert.throws(
      () => parseSpace(space, 's.json'),
      (err: unknown) => err instanceof InputError && err.where === 'compile.optimizer' && /can be inactive/.test(err.what),
    );
  });
});

describe('repeated layers ("repeat": "$num_layers", "$units_{i}")', () => {
  const space = (units: Record<string, unknown>[]): unknown => ({
    name: 's',
    data: { train: 'a', valid: 'b', test: 'c' },
    hyperparameters: [{ name: 'num_layers', type: 'int', min: 1, max: 3 }, ...units],
    model: [
      { dense: '$units_{i}', activation: 'relu', repeat: '$num_layers' },
      { dense: 1, activation: 'sigmoid' },
    ],
    compile: { loss: 'binary_crossentropy' },
  });
  const units = [
    { name: 'units_0', type: 'choice', values: [4, 8] },
    { name: 'units_1', type: 'choice', values: [4, 8], when: { num_layers: [2, 3] } },
    { name: 'units_2', type: 'choice', values: [4, 8], when: { num_layers: [3] } },
  ];

  it("builds one layer per repetition with that repetition's hyperparameter", () => {
    const spec = parseSpace(space(units), 's.json');
    const m = concreteModel(spec.model, spec.compile, { num_layers: 3, units_0: 8, units_1: 4, units_2: 8 }, 5);
    assert.deepEqual(
      m.layers.map((l) => (l.kind === 'dense' ? l.units : -1)),
      [8, 4, 8, 1],
    );
    const two = concreteModel(spec.model, spec.compile, { num_layers: 2, units_0: 4, units_1: 8 }, 5);
    assert.deepEqual(
      two.layers.map((l) => (l.kind === 'dense' ? l.units : -1)),
      [4, 8, 1],
    );
    assert.equal(spec.space.cardinality(), 2 + 4 + 8);
  });

  it('refuses a repetition whose hyperparameter does not exist', () => {
    assert.throws(
      () => parseSpace(space(units.slice(0, 2)), 's.json'),
      (err: unknown) =>
        err instanceof InputError && err.where === 'model[0]' && /uses \$units_2 \(repetition 3 of 3\), which is not a hyperparameter/.test(err.what),
    );
  });

  it('refuses a repetition whose hyperparameter can be inactive then', () => {
    const wrong = units.map((u) => (u.name === 'units_2' ? { ...u, when: { num_layers: [2] } } : u));
    assert.throws(
      () => parseSpace(space(wrong), 's.json'),
      (err: unknown) => err instanceof InputError && err.where === 'model[0]' && /uses \$units_2, which is inactive when .*"num_layers":3/.test(err.what),
    );
  });

  it('refuses {i} outside a repeated layer', () => {
    const s = space(units) as { model: Record<string, unknown>[] };
    delete s.model[0]!['repeat'];
    assert.throws(
      () => parseSpace(s, 's.json'),
      (err: unknown) => err instanceof InputError && /only a layer with "repeat"/.test(err.what),
    );
  });
});

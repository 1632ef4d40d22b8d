import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.js';
import { kerasLayers } from '../../src/export/keras-config.js';

describe('Keras layer configs', () => {
  it("names layers as Keras' automatic names run (dense, dense_1, dropout, dropout_1) and lists their weights", () => {
    const layers = kerasLayers(
      {
        inputDim: 5,
        layers: [
          { kind: 'dense', units: 4, activation: 'relu' },
          { kind: 'dropout', rate: 0.25 },
          { kind: 'dense', units: 3, activation: 'swish' },
          { kind: 'dropout', rate: 0.5 },
          { kind: 'dense', units: 2, activation: 'softmax' },
        ],
      } as never,
      'm.h5',
    );
    assert.deepEqual(
      layers.map((l) => [l.name, l.config.class_name, l.weights]),
      [
        ['dense', 'Dense', ['kernel', 'bias']],
        ['dropout', 'Dropout', []],
        ['dense_1', 'Dense', ['kernel', 'bias']],
        ['dropout_1', 'Dropout', []],
        ['dense_2', 'Dense', ['kernel', 'bias']],
      ],
    );
    assert.equal(layers[1]!.config.config['rate'], 0.25);
    assert.equal(layers[2]!.config.config['activation'], 'swish');
    assert.equal(layers[4]!.config.config['units'], 2);
  });

  it("refuses gelu, which Keras' config would compute in its exact form while tune trains the tanh form", () => {
    assert.throws(
      () => kerasLayers({ inputDim: 5, layers: [{ kind: 'dense', units: 4, activation: 'gelu' }] } as never, 'm.h5'),
      (err: unknown) =>
        err instanceof InputError && err.message === 'm.h5: layer 1: has activation gelu, which Keras computes otherwise than tune; export it as model.json',
    );
  });
});

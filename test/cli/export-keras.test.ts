import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { readFeatures } from '../../src/data/read-features.js';
import { extractImageFeatures } from '../helpers/image-features.js';
import { python } from '../helpers/python.js';
import { tinySpace, writeSpace } from '../helpers/tiny-study.js';
import { listing, tempDir, tune } from '../helpers/tune.js';

/*
 * The layout Keras 2.x writes with `model.save("m.h5")` (tf-keras 2.15,
 * keras/saving/legacy/hdf5_format.py: save_model_to_hdf5 and save_weights_to_hdf5_group; the
 * same layout is documented as the "legacy H5 format" in keras.io's serialization guide):
 * - root attributes keras_version and backend (bytes), model_config (bytes of JSON:
 *   {"class_name": "Sequential", "config": {"name", "layers": [InputLayer, Dense, Dropout...]}});
 * - a group model_weights with attributes layer_names, backend, keras_version; per layer a
 *   group <name> with attribute weight_names (b"<name>/kernel:0", b"<name>/bias:0"; empty for
 *   Dropout) and datasets <name>/<name>/kernel:0 (in x units) and bias:0 (units).
 * Keras is not installable here, so the check below reads the file with h5py as Keras'
 * load_model does (load_attributes_from_hdf5_group decodes the byte strings), and then
 * computes the model's predictions in numpy from those datasets alone.
 */
const KERAS_LAYOUT_CHECK = `
f = h5py.File(sys.argv[1], 'r')
out = {}
for key in ('keras_version', 'backend', 'model_config'):
    v = f.attrs[key]
    assert isinstance(v, bytes), (key, type(v))
out['keras_version'] = f.attrs['keras_version'].decode('utf8')
out['backend'] = f.attrs['backend'].decode('utf8')
config = json.loads(f.attrs['model_config'].decode('utf8'))
out['config'] = config
g = f['model_weights']
names = [n.decode('utf8') for n in g.attrs['layer_names']]
out['layer_names'] = names
out['weights_backend'] = g.attrs['backend'].decode('utf8')
layers = config['config']['layers']
assert layers[0]['class_name'] == 'InputLayer'
assert [l['config']['name'] for l in layers[1:]] == names
x = h5py.File(sys.argv[2], 'r')['data'][()].astype(np.float64)
shapes = {}
for layer in layers[1:]:
    name = layer['config']['name']
    wn = [w.decode('utf8') for w in g[name].attrs['weight_names']]
    shapes[name] = [list(g[name][w].shape) for w in wn]
    if layer['class_name'] == 'Dense':
        assert wn == [name + '/kernel:0', name + '/bias:0'], wn
        kernel = g[name][wn[0]][()].astype(np.float64)
        bias = g[name][wn[1]][()].astype(np.float64)
        assert g[name][wn[0]].dtype == np.float32
        x = x @ kernel + bias
        act = layer['config']['activation']
        if act == 'relu': x = np.maximum(x, 0)
        elif act == 'sigmoid': x = 1 / (1 + np.exp(-x))
        elif act != 'linear': raise SystemExit('activation not in this check: ' + act)
    else:
        assert layer['class_name'] == 'Dropout' and wn == [], (layer['class_name'], wn)
out['shapes'] = shapes
out['predictions'] = x[:, 0].tolist()
print(json.dumps(out))
`;

interface Layout {
  keras_version: string;
  backend: string;
  config: { class_name: string; config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
  layer_names: string[];
  weights_backend: string;
  shapes: Record<string, number[][]>;
  predictions: number[];
}

describe('tune best --export model.h5 (Keras HDF5)', () => {
  let dir: string;

  before(async () => {
    dir = tempDir();
    await extractImageFeatures(dir);
    const space = tinySpace(dir, { max_trials: 2, epochs: 4 });
    space['hyperparameters'] = [
      { name: 'first_dense', type: 'choice', values: [4, 8] },
      { name: 'dropout_rate', type: 'float', min: 0.1, max: 0.3, step: 0.1 },
    ];
    space['model'] = [
      { dense: '$first_dense', activation: 'relu' },
      { dropout: '$dropout_rate' },
      { dense: 3, activation: 'relu' },
      { dense: 1, activation: 'sigmoid' },
    ];
    const run = tune(['run', writeSpace(dir, space), '--no-tui'], dir);
    assert.equal(run.code, 0, run.stderr);
  });

  it("writes Keras' layout, whose datasets alone predict what `tune predict` does", async () => {
    const h5 = join(dir, 'out', 'model.h5');
    const best = tune(['best', '--export', h5, '--json'], dir);
    assert.equal(best.code, 0, best.stderr);
    const result = JSON.parse(best.stdout) as { trial: number; values: { first_dense: number } };
    assert.deepEqual(listing(join(dir, 'out')), ['model.h5'], 'one file, and no temporary one left');
    const layout = JSON.parse(python(KERAS_LAYOUT_CHECK, [h5, join(dir, 'test.hdf5')])) as Layout;
    assert.match(layout.keras_version, /^2\.\d+\.\d+$/);
    assert.equal(layout.backend, 'tensorflow');
    assert.equal(layout.weights_backend, 'tensorflow');
    assert.equal(layout.config.class_name, 'Sequential');
    assert.deepEqual(layout.layer_names, ['dense', 'dropout', 'dense_1', 'dense_2']);
    const test = await readFeatures(join(dir, 'test.hdf5'));
    assert.deepEqual(layout.config.config.layers[0]!.config['batch_input_shape'], [null, test.dim]);
    const units = result.values.first_dense;
    assert.deepEqual(layout.shapes, {
      dense: [[test.dim, units], [units]],
      dropout: [],
      dense_1: [[units, 3], [3]],
      dense_2: [[3, 1], [1]],
    });
    // tune predict through the recorded base, from the test images themselves.
    const json = join(dir, 'out-json', 'model.json');
    assert.equal(tune(['best', '--export', json], dir).code, 0);
    const predict = tune(['predict', ...test.paths!, '--model', json, '--json']);
    assert.equal(predict.code, 0, predict.stderr);
    const probabilities = predict.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { probabilities: number[] }).probabilities[1]!);
    assert.equal(probabilities.length, test.rows);
    // The features of an image made again by predict equal its row within float rounding.
    probabilities.forEach((p, r) => assert.ok(Math.abs(p - layout.predictions[r]!) < 1e-4, `row ${r}: tune predict ${p}, numpy ${layout.predictions[r]}`));
  });

  it('refuses to replace an HDF5 file that tune did not export, and leaves it as it was', () => {
    const theirs = join(dir, 'theirs.h5');
    python(`f = h5py.File(sys.argv[1], 'w'); f.create_dataset('x', data=np.arange(3))`, [theirs]);
    const bytes = readFileSync(theirs);
    const run = tune(['best', '--export', theirs], dir);
    assert.equal(run.code, 2);
    assert.equal(
      run.stderr.trim(),
      `tune: ${theirs}: file: already exists and is not a model that tune exported (no \`tune\` attribute); remove it yourself or export elsewhere`,
    );
    assert.deepEqual(readFileSync(theirs), bytes);
    const text = join(dir, 'notes.h5');
    writeFileSync(text, 'not hdf5');
    assert.equal(tune(['best', '--export', text], dir).code, 2);
    assert.equal(readFileSync(text, 'utf8'), 'not hdf5');
  });

  it('replaces its own earlier export', () => {
    const h5 = join(dir, 'again.h5');
    assert.equal(tune(['best', '--export', h5], dir).code, 0);
    const run = tune(['best', '--export', h5], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      listing(dir).filter((f) => f.startsWith('again') || f.startsWith('.again')),
      ['again.h5'],
    );
  });
});

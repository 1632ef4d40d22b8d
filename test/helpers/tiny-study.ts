import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { python } from './python.js';

export interface TinyDataOptions {
  dim?: number;
  rows?: { train: number; valid: number; test: number };
  /** Feature values are multiplied by this (5e37 makes every loss overflow). */
  scale?: number;
  /** Width of the valid split, when it must differ. */
  validDim?: number;
  /** Highest label written (1 for two classes). */
  maxLabel?: number;
  classNames?: string[];
}

/**
 * Writes train/valid/test.hdf5 with h5py: seeded Gaussian features whose first four columns
 * carry the class, so that a small classifier learns it in a few epochs.
 */
export function writeTinyData(dir: string, options: TinyDataOptions = {}): string {
  const dim = options.dim ?? 16;
  const rows = options.rows ?? { train: 96, valid: 34, test: 34 };
  const args = JSON.stringify({
    dir,
    dim,
    rows,
    scale: options.scale ?? 1,
    validDim: options.validDim ?? dim,
    maxLabel: options.maxLabel ?? 1,
    classNames: options.classNames ?? ['cat', 'dog'],
  });
  python(
    `a = json.loads(sys.argv[1])
rng = np.random.default_rng(4)
for split, n in a['rows'].items():
    d = a['validDim'] if split == 'valid' else a['dim']
    y = np.arange(n) % (a['maxLabel'] + 1)
    x = rng.standard_normal((n, d)).astype(np.float32)
    x[:, :4] += 3.0 * (2.0 * (y == 1) - 1.0)[:, None]
    with h5py.File(a['dir'] + '/' + split + '.hdf5', 'w') as f:
        f.create_dataset('data', data=(x * a['scale']).astype(np.float32))
        f.create_dataset('labels', data=y.astype(np.int64))
        f.attrs['class_names'] = a['classNames']`,
    [args],
  );
  return dir;
}

/** A small space in the seed's shape (a choice, a stepped float, a conditional boolean and choice). */
export function tinySpace(dataDir: string, tuner: Record<string, unknown> = {}, name = 'tiny'): Record<string, unknown> {
  return {
    name,
    data: { train: join(dataDir, 'train.hdf5'), valid: join(dataDir, 'valid.hdf5'), test: join(dataDir, 'test.hdf5') },
    hyperparameters: [
      { name: 'first_dense', type: 'choice', values: [2, 4, 8] },
      { name: 'dropout_rate', type: 'float', min: 0.1, max: 0.3, step: 0.1 },
      { name: 'extra_dense_layer', type: 'boolean', when: { first_dense: [8] } },
      { name: 'extra_dense', type: 'choice', values: [2, 4], when: { extra_dense_layer: [true] } },
    ],
    model: [
      { dense: '$first_dense', activation: 'relu' },
      { dropout: '$dropout_rate' },
      { dense: '$extra_dense', activation: 'relu', if: 'extra_dense_layer' },
      { dense: 1, activation: 'sigmoid' },
    ],
    // A high learning rate, so that a few epochs on 96 rows learn the class.
    compile: { loss: 'binary_crossentropy', optimizer: 'adam', learning_rate: 0.05, metrics: ['accuracy'] },
    tuner: { oracle: 'random', objective: 'val_accuracy', max_trials: 4, executions_per_trial: 1, epochs: 3, batch_size: 32, seed: 1, ...tuner },
  };
}

/** Writes a space object as a file; returns its path. */
export function writeSpace(dir: string, space: unknown, file = 'space.json'): string {
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify(space, null, 2));
  return path;
}

/** The tiny study with a continuous dropout rate, so that it never runs out of values. */
export function wideSpace(dir: string, tuner: Record<string, unknown>): Record<string, unknown> {
  const space = tinySpace(writeTinyData(dir, { rows: { train: 3000, valid: 34, test: 34 } }), tuner);
  space['hyperparameters'] = [
    { name: 'first_dense', type: 'choice', values: [2, 4, 8] },
    { name: 'dropout_rate', type: 'float', min: 0.05, max: 0.5 },
  ];
  space['model'] = [{ dense: '$first_dense', activation: 'relu' }, { dropout: '$dropout_rate' }, { dense: 1, activation: 'sigmoid' }];
  return space;
}

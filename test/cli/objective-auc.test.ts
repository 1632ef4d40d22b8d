import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { PYTHON } from '../helpers/python.js';
import { writeSpace } from '../helpers/tiny-study.js';
import { ROOT, tempDir, tune } from '../helpers/tune.js';

/*
 * A study of the demo features whose objective is val_auc: its trials are scored by AUC, and
 * `tune best` reports the test AUC that sklearn computes from what the exported model predicts
 * (`tune predict` on the demo's test images).
 */

const IMAGES = join(ROOT, '.cache', 'demo', 'images', 'test');

/** The demo's test images, `npm run demo-data`'s (made here when that has not run). */
function testImages(): string[] {
  if (!existsSync(IMAGES)) {
    const run = spawnSync(process.execPath, [join(ROOT, 'dist', 'scripts', 'demo-data.js'), '--out', tempDir()], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
  }
  return readdirSync(IMAGES)
    .sort()
    .flatMap((cls) =>
      readdirSync(join(IMAGES, cls))
        .sort()
        .map((f) => join(IMAGES, cls, f)),
    );
}

function space(objective: string, metrics: string[]): Record<string, unknown> {
  const data = (split: string) => join(ROOT, 'hdf5_data', `${split}.hdf5`);
  return {
    name: 'demo_auc',
    data: { train: data('train'), valid: data('valid'), test: data('test') },
    hyperparameters: [
      { name: 'first_dense', type: 'choice', values: [8, 16, 32] },
      { name: 'dropout_rate', type: 'float', min: 0.3, max: 0.6, step: 0.1 },
    ],
    model: [{ dense: '$first_dense', activation: 'relu' }, { dropout: '$dropout_rate' }, { dense: 1, activation: 'sigmoid' }],
    compile: { loss: 'binary_crossentropy', optimizer: 'rmsprop', metrics },
    tuner: {
      oracle: 'tpe',
      objective,
      max_trials: 4,
      executions_per_trial: 1,
      epochs: 6,
      batch_size: 32,
      seed: 2,
      pruner: { kind: 'median' },
      early_stopping: { monitor: objective, patience: 3 },
    },
  };
}

describe('objective val_auc on the demo features', () => {
  let dir: string;
  before(() => {
    dir = tempDir();
  });

  it("scores trials by AUC, and tune best's test AUC equals sklearn's on the exported model's predictions", () => {
    const file = writeSpace(dir, space('val_auc', ['accuracy', 'auc', 'precision', 'recall', 'f1']));
    const run = tune(['run', file, '--no-tui'], dir);
    assert.equal(run.code, 0, run.stderr);
    const trials = tune(['list', '--json'], dir)
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number; number: number; status: string; score: number; bestEpoch: number });
    assert.equal(trials.length, 4);
    for (const t of trials.filter((x) => x.status === 'complete')) {
      const shown = JSON.parse(tune(['show', String(t.number), '--json'], dir).stdout) as { epochs: { metrics: Record<string, number> }[] };
      const aucs = shown.epochs.map((e) => e.metrics['val_auc']!);
      assert.ok(
        shown.epochs.every((e) => ['val_precision', 'val_recall', 'val_f1'].every((k) => e.metrics[k]! >= 0 && e.metrics[k]! <= 1)),
        'every epoch records the metrics asked for',
      );
      assert.equal(t.score, Math.max(...aucs), `trial ${t.number}: the score is its best val_auc`);
    }
    const model = join(dir, 'model.json');
    const best = tune(['best', '--export', model, '--json'], dir);
    assert.equal(best.code, 0, best.stderr);
    const test = (JSON.parse(best.stdout) as { test: { auc: number; precision: number; recall: number; f1: number; rows: number } }).test;
    const images = testImages();
    assert.equal(images.length, test.rows);
    // From the repository root, where the export's recorded base (.cache/demo/mobilenet_v2) lies.
    const predicted = tune(['predict', ...images, '--model', model, '--json']);
    assert.equal(predicted.code, 0, predicted.stderr);
    const rows = predicted.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { image: string; probabilities: number[] });
    // The label is the image's folder, as tune extract labels it (shirt 0, t-shirt 1).
    const y = rows.map((r) => (r.image.includes(`${join('test', 't-shirt')}/`) ? 1 : 0));
    const sk = spawnSync(
      PYTHON,
      [
        '-c',
        `import sys, json
from sklearn.metrics import roc_auc_score, precision_score, recall_score, f1_score
d = json.load(sys.stdin)
pred = [1 if p >= 0.5 else 0 for p in d['p']]
y = d['y']
print(json.dumps({'auc': roc_auc_score(y, d['p']), 'precision': precision_score(y, pred), 'recall': recall_score(y, pred), 'f1': f1_score(y, pred)}))`,
      ],
      { input: JSON.stringify({ y, p: rows.map((r) => r.probabilities[1]) }), encoding: 'utf8' },
    );
    assert.equal(sk.status, 0, sk.stderr);
    const expected = JSON.parse(sk.stdout) as Record<string, number>;
    console.log(`test AUC: tune best ${test.auc}, sklearn on tune predict ${expected['auc']}`);
    for (const k of ['auc', 'precision', 'recall', 'f1'] as const)
      assert.ok(Math.abs(test[k] - expected[k]!) <= 1e-6, `${k}: ${test[k]} vs sklearn ${expected[k]}`);
  });

  it('refuses an objective that compile.metrics does not record, in one line', () => {
    const file = writeSpace(dir, space('val_auc', ['accuracy']), 'unrecorded.json');
    const run = tune(['run', file, '--no-tui'], dir);
    assert.equal(run.code, 2);
    assert.equal(
      run.stderr.trim(),
      `tune: ${file}: tuner.objective: val_auc is not recorded: add "auc" to compile.metrics (recorded: loss, accuracy, val_loss, val_accuracy)`,
    );
    const multi = writeSpace(dir, { ...space('val_loss', ['accuracy', 'macro_f1']) }, 'multi.json');
    const ok = tune(['space', 'check', multi], dir);
    assert.equal(ok.code, 0, ok.stderr);
    const binaryOnly = space('val_loss', ['f1']);
    (binaryOnly['compile'] as Record<string, unknown>)['loss'] = 'sparse_categorical_crossentropy';
    const bad = tune(['space', 'check', writeSpace(dir, binaryOnly, 'f1.json')], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr.trim(), /compile\.metrics\[0\]: f1 is a metric of two classes \(binary_crossentropy\), got loss sparse_categorical_crossentropy$/);
  });
});

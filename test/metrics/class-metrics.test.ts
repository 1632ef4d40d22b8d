import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { BINARY_METRICS, CLASS_METRICS, MULTICLASS_METRICS } from '../../src/domain/metrics.js';
import { classMetrics, probabilitiesFromLogits, rocAuc } from '../../src/metrics/class-metrics.js';
import { Rng } from '../../src/random/rng.js';
import { PYTHON } from '../helpers/python.js';

/** sklearn's metrics (Debian's python3-sklearn) of the same rows, for comparison. */
function sklearn(cases: { p: number[][]; y: number[]; k: number }[]): Record<string, number>[] {
  const code = `
import sys, json, warnings
import numpy as np
from sklearn.metrics import roc_auc_score, precision_score, recall_score, f1_score, top_k_accuracy_score
warnings.simplefilter('ignore')
out = []
for c in json.load(sys.stdin):
    p, y = np.array(c['p']), np.array(c['y'])
    if p.shape[1] == 2:
        pred = (p[:, 1] >= 0.5).astype(int)
        out.append({'val_auc': roc_auc_score(y, p[:, 1]), 'val_precision': precision_score(y, pred, zero_division=0),
                    'val_recall': recall_score(y, pred, zero_division=0), 'val_f1': f1_score(y, pred, zero_division=0)})
    else:
        pred = p.argmax(1)
        out.append({'val_macro_f1': f1_score(y, pred, average='macro', zero_division=0),
                    'val_top_k_accuracy': top_k_accuracy_score(y, p, k=c['k'], labels=list(range(p.shape[1])))})
print(json.dumps(out))
`;
  const run = spawnSync(PYTHON, ['-c', code], { input: JSON.stringify(cases), encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as Record<string, number>[];
}

/** Rows of probabilities rounded to one decimal (many ties), float32 as the engines hand them. */
function randomCase(seed: number, rows: number, classes: number) {
  const rng = new Rng(seed);
  const y = Array.from({ length: rows }, () => Math.floor(rng.next() * classes));
  const p = y.map((label) => {
    const raw = Array.from({ length: classes }, (_, k) => Math.round((rng.next() + (k === label ? 0.4 : 0)) * 10) / 10 + 0.01);
    const total = raw.reduce((a, b) => a + b, 0);
    return raw.map((v) => Math.fround(v / total));
  });
  return { p, y, k: Math.min(3, classes - 1) };
}

describe('class metrics (src/metrics/class-metrics.ts)', () => {
  it('computes AUC by the rank rule, ties counted half, as worked out by hand', () => {
    // 2 positives {0.8, 0.5} x 4 negatives {0.4, 0.5, 0.3, 0.9}: 0.8 beats 3, 0.5 beats 2 and ties 1: (3 + 2.5) / 8.
    assert.equal(rocAuc([0.8, 0.5, 0.4, 0.5, 0.3, 0.9], [1, 1, 0, 0, 0, 0]), 5.5 / 8);
    assert.equal(rocAuc([0.1, 0.9], [0, 1]), 1);
    assert.equal(rocAuc([0.5, 0.5, 0.5], [0, 1, 1]), 0.5);
    assert.ok(Number.isNaN(rocAuc([0.2, 0.7], [1, 1])), 'one class only: no AUC');
  });

  it('equals sklearn on binary and 5-class rows with many ties', () => {
    const cases = [randomCase(1, 200, 2), randomCase(2, 57, 2), randomCase(3, 300, 5), randomCase(4, 41, 5)];
    const expected = sklearn(cases);
    cases.forEach((c, i) => {
      const probabilities = { values: Float32Array.from(c.p.flat()), rows: c.y.length, classes: c.p[0]!.length };
      const got = classMetrics(probabilities, c.y, { names: probabilities.classes === 2 ? BINARY_METRICS : MULTICLASS_METRICS, topK: c.k });
      assert.deepEqual(Object.keys(got).sort(), Object.keys(expected[i]!).sort(), `case ${i}: the metrics of its kind`);
      for (const [name, value] of Object.entries(expected[i]!)) {
        assert.ok(Math.abs(got[name as keyof typeof got]! - value) <= 1e-12, `case ${i} ${name}: ${got[name as keyof typeof got]} vs sklearn ${value}`);
      }
    });
  });

  it('computes only what is asked for, and turns logits into the probabilities an exported model gives', () => {
    const p = probabilitiesFromLogits(Float32Array.from([0, 2, -1]), 3, 1);
    assert.deepEqual(Array.from(p.values.filter((_, i) => i % 2 === 1)), [0.5, 1 / (1 + Math.exp(-2)), 1 / (1 + Math.exp(1))].map(Math.fround));
    assert.deepEqual(Object.keys(classMetrics(p, [0, 1, 0], { names: ['val_recall'], topK: 1 })), ['val_recall']);
    assert.deepEqual(Object.keys(classMetrics(p, [0, 1, 0], { names: CLASS_METRICS, topK: 1 })).length, 6, 'two classes: every metric');
    const three = probabilitiesFromLogits(Float32Array.from([1, 2, 3, 0, 0, 0]), 2, 3);
    assert.deepEqual(
      Object.keys(classMetrics(three, [2, 0], { names: CLASS_METRICS, topK: 1 })).sort(),
      [...MULTICLASS_METRICS].sort(),
      'more: no binary metric',
    );
    const soft = probabilitiesFromLogits(Float32Array.from([1, 2, 3, 0, 0, 0]), 2, 3);
    assert.ok(Math.abs(soft.values[2]! - Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3))) < 1e-7);
    assert.ok(Math.abs(soft.values[3]! - 1 / 3) < 1e-7);
  });
});

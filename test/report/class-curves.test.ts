import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classCurve, reportCurves } from '../../src/report/class-curves.js';
import type { Probabilities } from '../../src/metrics/classes.js';
import { Rng } from '../../src/random/rng.js';

/** Binary probabilities (1 - p, p) of the given positive-class scores. */
const binary = (ps: number[]): Probabilities => ({ values: Float32Array.from(ps.flatMap((p) => [1 - p, p])), rows: ps.length, classes: 2 });

describe('ROC and PR curves from probabilities', () => {
  it('gives AUC 1 and AP 1 to a model that ranks every positive first, 0 AUC to the reverse', () => {
    const labels = [1, 1, 0, 0];
    assert.equal(classCurve(binary([0.9, 0.8, 0.2, 0.1]), labels, 1)!.auc, 1);
    assert.equal(classCurve(binary([0.9, 0.8, 0.2, 0.1]), labels, 1)!.ap, 1);
    assert.equal(classCurve(binary([0.1, 0.2, 0.8, 0.9]), labels, 1)!.auc, 0);
  });

  it('takes tied probabilities together: one score for all rows is AUC 0.5, two points on the curve', () => {
    const c = classCurve(binary([0.5, 0.5, 0.5, 0.5]), [1, 0, 1, 0], 1)!;
    assert.equal(c.auc, 0.5);
    assert.deepEqual(c.roc, [
      { fpr: 0, tpr: 0 },
      { fpr: 1, tpr: 1 },
    ]);
  });

  it('equals the Mann-Whitney statistic (the chance that a positive outranks a negative, ties half) on random scores', () => {
    const rng = new Rng(7);
    const n = 300;
    const scores = Array.from({ length: n }, () => Math.round(rng.next() * 20) / 20);
    const labels = scores.map((s) => (rng.next() < s ? 1 : 0));
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        if (labels[i] === 1 && labels[j] === 0) {
          pairs++;
          wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
        }
    assert.ok(Math.abs(classCurve(binary(scores), labels, 1)!.auc - wins / pairs) < 1e-12);
  });

  it('draws class 1 for a binary model and every class one-vs-rest for more; none for a split of one class', () => {
    assert.deepEqual(
      reportCurves(binary([0.9, 0.1]), [1, 0]).map((c) => c.positive),
      [1],
    );
    const three: Probabilities = { values: Float32Array.from([0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8]), rows: 3, classes: 3 };
    assert.deepEqual(
      reportCurves(three, [0, 1, 2]).map((c) => [c.positive, c.auc]),
      [
        [0, 1],
        [1, 1],
        [2, 1],
      ],
    );
    assert.equal(classCurve(binary([0.9, 0.8]), [1, 1], 1), undefined);
  });
});

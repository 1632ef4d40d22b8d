import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GaussianProcess } from '../../src/oracles/gp.js';
import { python } from '../helpers/python.js';

describe('GaussianProcess', () => {
  it('matches an independent numpy computation of the posterior mean and deviation', () => {
    const x = [
      [0.1, 0.2],
      [0.4, 0.9],
      [0.75, 0.3],
      [0.5, 0.5],
      [0.95, 0.05],
      [0.2, 0.7],
    ];
    const y = [0.61, 0.83, 0.7, 0.91, 0.52, 0.77];
    const queries = [
      [0.3, 0.3],
      [0.5, 0.52],
      [0.9, 0.9],
      [0.1, 0.2],
    ];
    const gp = new GaussianProcess(1e-4);
    gp.fit(x, y);
    const ours = queries.map((q) => gp.predict(q));
    const expected = JSON.parse(
      python(
        `a = json.loads(sys.argv[1])
X, y, Q = np.array(a['x']), np.array(a['y']), np.array(a['q'])
def matern(A, B):
    d = np.sqrt(5.0) * np.sqrt(((A[:, None, :] - B[None, :, :]) ** 2).sum(-1))
    return (1 + d + d ** 2 / 3) * np.exp(-d)
mu, sd = y.mean(), y.std()
K = matern(X, X) + 1e-4 * np.eye(len(X))
Ks = matern(Q, X)
mean = Ks @ np.linalg.solve(K, (y - mu) / sd) * sd + mu
var = 1 - np.einsum('ij,ji->i', Ks, np.linalg.solve(K, Ks.T))
print(json.dumps({'mean': mean.tolist(), 'std': (np.sqrt(np.maximum(var, 0)) * sd).tolist()}))`,
        [JSON.stringify({ x, y, q: queries })],
      ),
    ) as { mean: number[]; std: number[] };
    ours.forEach((p, i) => {
      assert.ok(Math.abs(p.mean - expected.mean[i]!) < 1e-9, `mean ${i}: ${p.mean} vs ${expected.mean[i]}`);
      assert.ok(Math.abs(p.std - expected.std[i]!) < 1e-6, `std ${i}: ${p.std} vs ${expected.std[i]}`);
    });
    assert.ok(ours[3]!.std < 0.01 && Math.abs(ours[3]!.mean - 0.61) < 0.01, 'at a training point the posterior is nearly certain');
  });
});

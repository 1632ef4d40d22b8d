/**
 * A Gaussian process regressor for the Bayesian oracle: Matern 5/2 kernel of length scale 1
 * on the unit cube, `alpha` added to the diagonal, targets normalised to mean 0 and std 1.
 * Plain Cholesky in float64: the oracle fits it on a bounded subset of the trials
 * (subset.ts), so n stays in the low hundreds. Matrices are flat row-major arrays, which
 * V8 reads several times faster than arrays of rows in the triangular solves that every
 * prediction runs.
 */
export class GaussianProcess {
  private x: Float64Array = new Float64Array(0);
  private n = 0;
  private d = 0;
  private chol: Float64Array = new Float64Array(0);
  private weights: Float64Array = new Float64Array(0);
  private mean = 0;
  private std = 1;
  /** Scratch for predict: the kernel vector, then the solve in place. */
  private scratch: Float64Array = new Float64Array(0);

  constructor(private readonly alpha: number) {}

  /**
   * Fits to points `x` with targets `y`. `normalisation` gives the targets' mean and std when
   * `y` is a subset of the observations, so that the prior mean stays the whole study's.
   */
  fit(x: readonly (readonly number[])[], y: readonly number[], normalisation?: { mean: number; std: number }): void {
    const n = x.length;
    const d = n > 0 ? x[0]!.length : 0;
    this.n = n;
    this.d = d;
    this.x = new Float64Array(n * d);
    x.forEach((p, i) => this.x.set(p, i * d));
    const stats = normalisation ?? meanStd(y);
    this.mean = stats.mean;
    this.std = stats.std > 0 ? stats.std : 1;
    const k = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const v = matern52(this.x, i * d, this.x, j * d, d);
        k[i * n + j] = v;
        k[j * n + i] = v;
      }
      k[i * n + i] = k[i * n + i]! + this.alpha;
    }
    this.chol = cholesky(k, n);
    const z = Float64Array.from(y, (v) => (v - this.mean) / this.std);
    solveLower(this.chol, n, z);
    solveUpper(this.chol, n, z);
    this.weights = z;
    this.scratch = new Float64Array(n);
  }

  /** Predicted mean and standard deviation at `point`, in the targets' units. */
  predict(point: readonly number[]): { mean: number; std: number } {
    const { n, d, x, weights, chol } = this;
    const v = this.scratch;
    let mu = 0;
    for (let i = 0; i < n; i++) {
      let sq = 0;
      for (let j = 0; j < d; j++) sq += (point[j]! - x[i * d + j]!) ** 2;
      const r = Math.sqrt(5 * sq);
      const kv = (1 + r + (r * r) / 3) * Math.exp(-r);
      v[i] = kv;
      mu += kv * weights[i]!;
    }
    // The forward solve L v = k, each row's dot product on four running sums: one sum would
    // wait on the latency of every addition before it, and this loop is most of the
    // acquisition search's time.
    let reduction = 0;
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let p = 0;
      for (; p + 3 < i; p += 4) {
        s0 += chol[ri + p]! * v[p]!;
        s1 += chol[ri + p + 1]! * v[p + 1]!;
        s2 += chol[ri + p + 2]! * v[p + 2]!;
        s3 += chol[ri + p + 3]! * v[p + 3]!;
      }
      for (; p < i; p++) s0 += chol[ri + p]! * v[p]!;
      const vi = (v[i]! - (s0 + s1 + (s2 + s3))) / chol[ri + i]!;
      v[i] = vi;
      reduction += vi * vi;
    }
    const variance = Math.max(0, 1 - reduction);
    return { mean: mu * this.std + this.mean, std: Math.sqrt(variance) * this.std };
  }
}

function meanStd(y: readonly number[]): { mean: number; std: number } {
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  const variance = y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length;
  return { mean, std: Math.sqrt(variance) };
}

/** Matern kernel with nu = 5/2 and length scale 1, between a[ao..ao+d) and b[bo..bo+d). */
export function matern52(a: Float64Array, ao: number, b: Float64Array, bo: number, d: number): number {
  let sq = 0;
  for (let i = 0; i < d; i++) sq += (a[ao + i]! - b[bo + i]!) ** 2;
  const r = Math.sqrt(5 * sq);
  return (1 + r + (r * r) / 3) * Math.exp(-r);
}

/** Lower-triangular L (n x n, row-major) with L L^T = k; adds jitter if rounding makes k look indefinite. */
export function cholesky(k: Float64Array, n: number): Float64Array {
  for (let jitter = 0; ; jitter = jitter === 0 ? 1e-10 : jitter * 10) {
    const l = new Float64Array(n * n);
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      const ri = i * n;
      for (let j = 0; j <= i; j++) {
        const rj = j * n;
        let sum = k[ri + j]! + (i === j ? jitter : 0);
        for (let p = 0; p < j; p++) sum -= l[ri + p]! * l[rj + p]!;
        if (i === j) {
          if (sum <= 0) {
            ok = false;
            break;
          }
          l[ri + i] = Math.sqrt(sum);
        } else {
          l[ri + j] = sum / l[rj + j]!;
        }
      }
    }
    if (ok) return l;
    if (jitter > 1) throw new Error('kernel matrix is not positive definite');
  }
}

/** Solves L z = b in place for lower-triangular L. */
export function solveLower(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let sum = b[i]!;
    for (let p = 0; p < i; p++) sum -= l[ri + p]! * b[p]!;
    b[i] = sum / l[ri + i]!;
  }
}

/** Solves L^T x = z in place for lower-triangular L. */
export function solveUpper(l: Float64Array, n: number, z: Float64Array): void {
  for (let i = n - 1; i >= 0; i--) {
    let sum = z[i]!;
    for (let p = i + 1; p < n; p++) sum -= l[p * n + i]! * z[p]!;
    z[i] = sum / l[i * n + i]!;
  }
}

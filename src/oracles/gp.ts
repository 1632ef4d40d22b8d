/**
 * A Gaussian process regressor for the Bayesian oracle: Matern 5/2 kernel of length scale 1
 * on the unit cube, `alpha` added to the diagonal, targets normalised to mean 0 and std 1.
 * Sizes are small (a few hundred trials), so plain Cholesky in float64 is enough.
 */
export class GaussianProcess {
  private x: number[][] = [];
  private chol: Float64Array[] = [];
  private weights: Float64Array = new Float64Array(0);
  private mean = 0;
  private std = 1;

  constructor(private readonly alpha: number) {}

  /** Fits to points `x` with targets `y`. */
  fit(x: number[][], y: number[]): void {
    this.x = x.map((p) => p.slice());
    this.mean = y.reduce((a, b) => a + b, 0) / y.length;
    const variance = y.reduce((a, b) => a + (b - this.mean) ** 2, 0) / y.length;
    this.std = variance > 0 ? Math.sqrt(variance) : 1;
    const k = x.map((a, i) => Float64Array.from(x, (b, j) => matern52(a, b) + (i === j ? this.alpha : 0)));
    this.chol = cholesky(k);
    const z = y.map((v) => (v - this.mean) / this.std);
    this.weights = solveUpper(this.chol, solveLower(this.chol, Float64Array.from(z)));
  }

  /** Predicted mean and standard deviation at `point`, in the targets' units. */
  predict(point: number[]): { mean: number; std: number } {
    const ks = Float64Array.from(this.x, (b) => matern52(point, b));
    let mu = 0;
    for (let i = 0; i < ks.length; i++) mu += ks[i]! * this.weights[i]!;
    const v = solveLower(this.chol, ks);
    let reduction = 0;
    for (let i = 0; i < v.length; i++) reduction += v[i]! * v[i]!;
    const variance = Math.max(0, 1 - reduction);
    return { mean: mu * this.std + this.mean, std: Math.sqrt(variance) * this.std };
  }
}

/** Matern kernel with nu = 5/2 and length scale 1. */
export function matern52(a: number[], b: number[]): number {
  let sq = 0;
  for (let i = 0; i < a.length; i++) sq += (a[i]! - b[i]!) ** 2;
  const d = Math.sqrt(5 * sq);
  return (1 + d + (d * d) / 3) * Math.exp(-d);
}

/** Lower-triangular L with L L^T = k; adds jitter if rounding makes k look indefinite. */
export function cholesky(k: Float64Array[]): Float64Array[] {
  const n = k.length;
  for (let jitter = 0; ; jitter = jitter === 0 ? 1e-10 : jitter * 10) {
    const l = Array.from({ length: n }, () => new Float64Array(n));
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      for (let j = 0; j <= i; j++) {
        let sum = k[i]![j]! + (i === j ? jitter : 0);
        for (let p = 0; p < j; p++) sum -= l[i]![p]! * l[j]![p]!;
        if (i === j) {
          if (sum <= 0) {
            ok = false;
            break;
          }
          l[i]![i] = Math.sqrt(sum);
        } else {
          l[i]![j] = sum / l[j]![j]!;
        }
      }
    }
    if (ok) return l;
    if (jitter > 1) throw new Error('kernel matrix is not positive definite');
  }
}

/** Solves L z = b for lower-triangular L. */
export function solveLower(l: Float64Array[], b: Float64Array): Float64Array {
  const z = new Float64Array(b.length);
  for (let i = 0; i < b.length; i++) {
    let sum = b[i]!;
    for (let p = 0; p < i; p++) sum -= l[i]![p]! * z[p]!;
    z[i] = sum / l[i]![i]!;
  }
  return z;
}

/** Solves L^T x = z for lower-triangular L. */
export function solveUpper(l: Float64Array[], z: Float64Array): Float64Array {
  const n = z.length;
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = z[i]!;
    for (let p = i + 1; p < n; p++) sum -= l[p]![i]! * x[p]!;
    x[i] = sum / l[i]![i]!;
  }
  return x;
}

import type { Rng } from '../random/rng.js';

/** Optuna's clip: no kernel narrower than range / min(100, 1 + n). */
const MAGIC_CLIP_LIMIT = 100;
/** Draws of a truncated normal before falling back to clamping. */
const MAX_REJECTIONS = 100;

/**
 * A Parzen estimator on [0, 1] (a hyperparameter's encoded position): a Gaussian kernel at
 * each observation plus a wide prior kernel at the centre, each truncated to [0, 1], with
 * bandwidths from the gaps between neighbours (Optuna's rule, endpoints not considered).
 */
export class NumericParzen {
  private readonly mus: Float64Array;
  private readonly sigmas: Float64Array;
  private readonly weights: number[];
  /** Each kernel's weight over its normaliser (sigma, sqrt(2 pi), its mass inside [0, 1]), computed once. */
  private readonly scales: Float64Array;

  constructor(observations: number[], priorWeight: number) {
    const points = [...observations.map((mu) => ({ mu, prior: false })), { mu: 0.5, prior: true }].sort((a, b) => a.mu - b.mu);
    const n = observations.length;
    const minSigma = 1 / Math.min(MAGIC_CLIP_LIMIT, 1 + n);
    this.mus = Float64Array.from(points, (p) => p.mu);
    this.sigmas = Float64Array.from(points, (p, i) => {
      if (p.prior) return 1;
      const left = i > 0 ? p.mu - points[i - 1]!.mu : undefined;
      const right = i < points.length - 1 ? points[i + 1]!.mu - p.mu : undefined;
      const gap = Math.max(left ?? 0, right ?? 0);
      return Math.min(1, Math.max(minSigma, gap));
    });
    const total = n + priorWeight;
    this.weights = points.map((p) => (p.prior ? priorWeight : 1) / total);
    this.scales = Float64Array.from(points, (_, k) => {
      const mu = this.mus[k]!;
      const s = this.sigmas[k]!;
      const mass = phi((1 - mu) / s) - phi((0 - mu) / s);
      return this.weights[k]! / (s * Math.sqrt(2 * Math.PI) * Math.max(mass, 1e-12));
    });
  }

  /** A draw from the mixture. */
  sample(rng: Rng): number {
    let u = rng.next();
    let k = 0;
    while (k < this.weights.length - 1 && u >= this.weights[k]!) u -= this.weights[k++]!;
    for (let tries = 0; tries < MAX_REJECTIONS; tries++) {
      const x = this.mus[k]! + this.sigmas[k]! * normal(rng);
      if (x >= 0 && x < 1) return x;
    }
    return Math.min(1 - 1e-12, Math.max(0, this.mus[k]!));
  }

  /** log density at x. */
  logPdf(x: number): number {
    let p = 0;
    for (let k = 0; k < this.mus.length; k++) {
      const z = (x - this.mus[k]!) / this.sigmas[k]!;
      p += this.scales[k]! * Math.exp(-0.5 * z * z);
    }
    return Math.log(Math.max(p, 1e-300));
  }
}

/** A categorical estimator: each category's share of observations, plus a uniform prior. */
export class CategoricalParzen {
  private readonly probs: number[];

  constructor(observations: number[], categories: number, priorWeight: number) {
    const counts = Array.from({ length: categories }, () => priorWeight / categories);
    for (const c of observations) counts[c]! += 1;
    const total = counts.reduce((a, b) => a + b, 0);
    this.probs = counts.map((c) => c / total);
  }

  sample(rng: Rng): number {
    let u = rng.next();
    for (let k = 0; k < this.probs.length; k++) {
      if (u < this.probs[k]!) return k;
      u -= this.probs[k]!;
    }
    return this.probs.length - 1;
  }

  logPdf(category: number): number {
    return Math.log(this.probs[category]!);
  }
}

/** A standard normal draw (Box-Muller). */
export function normal(rng: Rng): number {
  const u = Math.max(rng.next(), 1e-300);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 through erf). */
function phi(z: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(z / Math.SQRT2));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-((z / Math.SQRT2) ** 2));
  return 0.5 * (1 + (z >= 0 ? y : -y));
}

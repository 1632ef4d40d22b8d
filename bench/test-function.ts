/**
 * Hartmann's 3-dimensional function, a standard test of global optimisers: four Gaussian-like
 * wells on the unit cube, maximum 3.86278 near (0.1146, 0.5556, 0.8525). The oracle benchmark
 * scores its synthetic trials with it, so no model is trained.
 */
const WEIGHTS = [1.0, 1.2, 3.0, 3.2];
const SHAPE = [
  [3.0, 10, 30],
  [0.1, 10, 35],
  [3.0, 10, 30],
  [0.1, 10, 35],
];
const CENTRES = [
  [0.3689, 0.117, 0.2673],
  [0.4699, 0.4387, 0.747],
  [0.1091, 0.8732, 0.5547],
  [0.03815, 0.5743, 0.8828],
];

/** The function's maximum, to report how far the best trial is from it. */
export const HARTMANN3_MAX = 3.86278;

export function hartmann3(point: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < 4; i++) {
    let exponent = 0;
    for (let j = 0; j < 3; j++) exponent -= SHAPE[i]![j]! * (point[j]! - CENTRES[i]![j]!) ** 2;
    sum += WEIGHTS[i]! * Math.exp(exponent);
  }
  return sum;
}

import { AshaPruner } from './asha.js';
import { NonePruner } from './none.js';
import { PercentilePruner } from './percentile.js';
import type { Pruner, PrunerSpec } from './pruner.js';

/** Median is Optuna's percentile pruner at 50. */
const MEDIAN = 50;

/** The pruner a study's tuner section names. */
export function makePruner(spec: PrunerSpec): Pruner {
  switch (spec.kind) {
    case 'none':
      return new NonePruner();
    case 'median':
      return new PercentilePruner('median', { ...spec, percentile: MEDIAN });
    case 'percentile':
      return new PercentilePruner('percentile', spec);
    case 'asha':
      return new AshaPruner(spec);
  }
}

import type { Pruner } from './pruner.js';

/** Never prunes: every trial trains all its epochs (Optuna's NopPruner). */
export class NonePruner implements Pruner {
  readonly kind = 'none';

  prune(): boolean {
    return false;
  }
}

import type { Values } from '../space/hyperparameter.js';
import type { Space } from '../space/space.js';

/**
 * Past trials' points in the unit cube, kept by their key for the oracle's lifetime: every
 * proposal reads every past trial, and encoding a stepped range lists its grid each time, which
 * costs more than the key. A key's point never changes, so the cache is never stale.
 */
export class EncodingCache {
  private readonly points = new Map<string, number[]>();

  constructor(private readonly space: Space) {}

  point(values: Values): number[] {
    const key = this.space.key(values);
    let point = this.points.get(key);
    if (point === undefined) this.points.set(key, (point = this.space.encode(values)));
    return point;
  }
}

/** Which way a study's objective improves: up (accuracy) or down (loss). */
export type Direction = 'max' | 'min';

/** The one place that says what "better in the study's direction" means. */
export const Direction = {
  /** Whether score `a` is strictly better than `b`: a tie is not better, so the earlier one stays best. */
  better(direction: Direction, a: number, b: number): boolean {
    return direction === 'max' ? a > b : a < b;
  },

  /** The first best of `items` by `score` (ties keep the earlier), or undefined when there are none. */
  best<T>(direction: Direction, items: readonly T[], score: (item: T) => number): T | undefined {
    return items.reduce<T | undefined>((best, item) => (best === undefined || Direction.better(direction, score(item), score(best)) ? item : best), undefined);
  },

  /** +1 where higher scores are better, -1 where lower ones are. */
  sign(direction: Direction): 1 | -1 {
    return direction === 'max' ? 1 : -1;
  },

  /** A sort comparator putting the better scores first (ties as they come, sort being stable). */
  order(direction: Direction): (a: number, b: number) => number {
    return direction === 'max' ? (a, b) => b - a : (a, b) => a - b;
  },
};

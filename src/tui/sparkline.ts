/** Eight heights, lowest first: one column per point. */
const BLOCKS = '▁▂▃▄▅▆▇█';

/**
 * The last `width` points of `points` as block characters, scaled from their own lowest to
 * highest so that a curve moving within a few hundredths still shows its shape; a flat curve
 * draws at mid height. Used for the running trials' val_accuracy on the leaderboard.
 */
export function sparkline(points: readonly number[], width: number): string {
  const shown = points.slice(-Math.max(0, width));
  if (shown.length === 0) return '';
  const low = Math.min(...shown);
  const high = Math.max(...shown);
  const top = BLOCKS.length - 1;
  return shown.map((p) => BLOCKS[high > low ? Math.round(((p - low) / (high - low)) * top) : 3]).join('');
}

/**
 * A confusion matrix as text: one row per true class, one column per predicted class, headed
 * by the class names. Printed by `tune best` and `tune show`. Returns the block with no trailing newline.
 */
export function formatConfusion(matrix: number[][], classNames: readonly string[]): string {
  const names = matrix.map((_, k) => classNames[k] ?? String(k));
  const width = Math.max(5, ...names.map((n) => n.length), ...matrix.flat().map((c) => String(c).length));
  const cell = (text: string) => text.padStart(width);
  const lines = ['Confusion matrix on the test split (rows: true class, columns: predicted class):', `${cell('')}  ${names.map(cell).join('  ')}`];
  matrix.forEach((row, k) => lines.push(`${cell(names[k]!)}  ${row.map((c) => cell(String(c))).join('  ')}`));
  return lines.join('\n');
}

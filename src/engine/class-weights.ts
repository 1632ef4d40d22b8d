import type { ClassWeight } from '../space/class-weight.js';

/**
 * Each training row's loss weight under `classWeight`, times its weight in `base` (a
 * cross-validation fold's rows) where given. "balanced" is n / (k * count of the class) over
 * the rows that `base` keeps (all without it), k the number of classes among them, as
 * sklearn's compute_class_weight gives Keras; a class missing from an object weighs 1.
 */
export function classRowWeights(classWeight: ClassWeight, labels: Int32Array, base?: Float32Array): Float32Array {
  const counts = new Map<number, number>();
  let kept = 0;
  labels.forEach((label, r) => {
    if (base && !(base[r]! > 0)) return;
    counts.set(label, (counts.get(label) ?? 0) + 1);
    kept++;
  });
  const weightOf = (label: number): number =>
    classWeight === 'balanced' ? kept / (counts.size * (counts.get(label) ?? kept)) : (classWeight[String(label)] ?? 1);
  return Float32Array.from(labels, (label, r) => (base ? base[r]! : 1) * weightOf(label));
}

/*
 * `compile.class_weight`, Keras' class_weight: "balanced" (each class weighs n / (k * its
 * count) on the training rows) or weights by class index ({"0": 1, "1": 3}; a class left out
 * weighs 1). A hyperparameter can choose it: its values are "balanced", "none" (no weights) or
 * such an object written as JSON text.
 */

export type ClassWeight = 'balanced' | Readonly<Record<string, number>>;

/** What is wrong with `v` as a class_weight written in the file, or undefined. */
export function classWeightProblem(v: unknown): string | undefined {
  if (v === 'balanced') return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return `must be "balanced" or an object of class index to weight, got ${JSON.stringify(v)}`;
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return 'must give at least one class a weight, got {}';
  for (const [k, w] of entries) {
    if (!/^(0|[1-9][0-9]*)$/.test(k)) return `keys are class indices (0, 1, ...), got ${JSON.stringify(k)}`;
    if (typeof w !== 'number' || !(w > 0) || !Number.isFinite(w)) return `the weight of class ${k} must be a number > 0, got ${JSON.stringify(w)}`;
  }
  return undefined;
}

/** What is wrong with a hyperparameter's value as a class_weight, or undefined. */
export function classWeightValueProblem(v: unknown): string | undefined {
  if (v === 'none' || v === 'balanced') return undefined;
  if (typeof v !== 'string') return `must be "balanced", "none" or a JSON object of class weights, got ${JSON.stringify(v)}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    return `must be "balanced", "none" or a JSON object of class weights, got ${JSON.stringify(v)}`;
  }
  return classWeightProblem(parsed);
}

/** A checked hyperparameter value as a class_weight; "none" is no weights. */
export function classWeightOfValue(v: string): ClassWeight | undefined {
  if (v === 'none') return undefined;
  if (v === 'balanced') return v;
  return JSON.parse(v) as Record<string, number>;
}

/** A class index of `weight` that the data has no class for (`classes` of them), or undefined. */
export function unknownClass(weight: ClassWeight | undefined, classes: number): string | undefined {
  if (weight === undefined || weight === 'balanced') return undefined;
  return Object.keys(weight).find((k) => Number(k) >= classes);
}

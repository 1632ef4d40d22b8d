import type { StudySpec } from '../space/study-spec.js';

/** The most trials a pack holds: more gains little speed and leaves the oracle too many pending. */
export const MAX_PACK = 4;
/** Share of the machine's memory the packs of all workers may take. */
const MEMORY_SHARE = 0.25;

/**
 * How many trials a worker trains together on the native engine: up to MAX_PACK, fewer when
 * the packed first layers (weights and two optimizer slots, float32, at the widest first layer
 * the space allows) of every worker's pack would take more than a quarter of the memory.
 */
export function packSize(spec: StudySpec, executions: number, dim: number, workers: number, memory: number): number {
  const trialBytes = executions * dim * firstWidthBound(spec) * 4 * 3;
  const fits = Math.floor((memory * MEMORY_SHARE) / workers / trialBytes);
  return Math.max(1, Math.min(MAX_PACK, fits));
}

/** The widest first layer the space allows: a literal width, or the largest value of its hyperparameter. */
function firstWidthBound(spec: StudySpec): number {
  const first = spec.model.find((l) => l.kind === 'dense');
  const units = first?.kind === 'dense' ? first.units : undefined;
  if (typeof units === 'number') return units;
  const numbers = spec.space.hyperparameters.flatMap((hp) => {
    if (units !== undefined && !units.ref.includes('{i}') && hp.name !== units.ref) return [];
    if (hp.type === 'choice') return hp.values.filter((v): v is number => typeof v === 'number');
    if (hp.type === 'int' || hp.type === 'float') return [hp.max];
    if (hp.type === 'fixed' && typeof hp.value === 'number') return [hp.value];
    return [];
  });
  return Math.max(1, ...numbers);
}

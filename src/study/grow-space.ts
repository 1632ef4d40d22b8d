/**
 * Resuming a study whose space file grew (issue 13, part 3): the stored space is replaced by
 * the grown one and the old trials stay; any other change is refused, naming the first
 * difference, unless --overwrite starts the study over.
 */
import { concreteModel } from '../engine/model-spec.js';
import { InputError } from '../errors.js';
import { compareSpaces, fillGrown, type SpaceComparison } from '../space/growth.js';
import { parseSpace } from '../space/parse-space.js';
import type { StudySpec } from '../space/study-spec.js';
import type { StudyRecord } from '../domain/study.js';
import type { Storage } from '../storage/storage.js';

/** compareSpaces, where a stored space that no longer parses differs instead of throwing. */
export function compareStored(stored: unknown, next: unknown): SpaceComparison {
  try {
    return compareSpaces(stored, next);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { kind: 'differs', difference: `top level: the stored space is no longer valid (${err.where}: ${err.what})` };
  }
}

/**
 * Before openStudy: when the study `name` exists with a space that `spec` only grows, stores
 * the grown space (updateSpace) so that openStudy resumes it. A space that differs otherwise
 * is refused here with its first difference (openStudy would name none), unless `overwrite`.
 * A grown space whose model or compile section changed must build every old trial's
 * classifier as before, its new hyperparameters at their defaults. Called by openRunStudy.
 * Throws InputError naming `specPath`.
 */
export async function growStoredSpace(storage: Storage, spec: StudySpec, specPath: string, overwrite: boolean): Promise<StudyRecord | undefined> {
  const study = await storage.findStudy(spec.name);
  if (study === undefined || overwrite) return undefined;
  const c = compareStored(study.space, spec.source);
  if (c.kind === 'same') return undefined;
  if (c.kind === 'differs') throw refused(specPath, spec.name, c.difference);
  if (c.build !== undefined) {
    const old = parseSpace(study.space, 'stored space');
    for (const trial of await storage.trials(study.id)) {
      const values = trial.values as Record<string, string | number | boolean>;
      if (built(old, values) !== built(spec, fillGrown(spec.space, values))) {
        throw refused(specPath, spec.name, `${c.build}, which builds another classifier for trial ${trial.number}`);
      }
    }
  }
  return storage.updateSpace(study.id, spec.source);
}

/** The classifier a trial's values build, as text to compare (a values set that builds none: its reason). */
function built(spec: StudySpec, values: Record<string, string | number | boolean>): string {
  try {
    return JSON.stringify(concreteModel(spec.model, spec.compile, values, 1));
  } catch (err) {
    return `none: ${(err as Error).message}`;
  }
}

function refused(specPath: string, name: string, difference: string): InputError {
  const cut = difference.indexOf(': ');
  const [where, what] = cut < 0 ? ['top level', difference] : [difference.slice(0, cut), difference.slice(cut + 2)];
  return new InputError(specPath, where, `${what}; study "${name}" has a space this does not only grow (pass --overwrite to start it over)`);
}

import type { TrialRecord } from '../domain/trial.js';
import type { Checkpoint } from '../domain/weights.js';
import { concreteModel, InvalidValues } from '../engine/model-spec.js';
import type { Oracle } from '../oracles/oracle.js';
import type { TrialJob } from '../pool/executor.js';
import type { ExecutionRows } from '../pool/messages.js';
import type { FoldHooks } from '../folds/fold-data.js';
import type { Values } from '../space/hyperparameter.js';
import type { StudySpec } from '../space/study-spec.js';
import type { Storage } from '../storage/storage.js';

/**
 * What the executor needs to train `trial`: its values, epochs and seed, for a trial that
 * continues another's training (its schedule names a parent) the parent's checkpoints, and in
 * a cross-validated study each member's fold (`tuner.executionsPerTrial` counts executions x
 * folds there). Rejects with Error when such a parent has none: that trial fails, the study goes on.
 */
export async function trialJob(
  storage: Storage,
  studyId: number,
  trial: TrialRecord,
  tuner: StudySpec['tuner'],
  oracle: Oracle,
  folds?: FoldHooks,
): Promise<TrialJob> {
  const schedule = trial.schedule;
  const resume = schedule?.parent !== undefined ? await parentCheckpoints(storage, studyId, schedule.parent, tuner.executionsPerTrial) : undefined;
  return {
    values: trial.values as Values,
    number: trial.number,
    executions: tuner.executionsPerTrial,
    initialEpoch: schedule?.initialEpoch ?? 0,
    epochs: schedule?.epochs ?? tuner.epochs,
    ...(resume ? { resume } : {}),
    // Only a trial that a later one may continue from pays for copying out its optimizer state.
    checkpoint: oracle.wantsCheckpoint?.(schedule) ?? false,
    seed: trialSeed(tuner.seed, trial.number),
    // Shared memory: posting them to the worker copies nothing.
    ...(folds ? { rows: Array.from({ length: tuner.executionsPerTrial }, (_, m) => foldRows(folds, m)) } : {}),
  };
}

/** Member m trains on every fold but fold m % k and is judged on that one (see memberPlace). */
function foldRows(folds: FoldHooks, member: number): ExecutionRows {
  const f = member % folds.k;
  return { trainWeights: folds.trainWeights[f]!, validRows: folds.validRows[f]! };
}

/** Every execution's checkpoint of the trial a promoted trial continues from. */
async function parentCheckpoints(storage: Storage, studyId: number, parent: number, executions: number): Promise<Checkpoint[]> {
  const record = await storage.trial(studyId, parent);
  const checkpoints: Checkpoint[] = [];
  for (let i = 0; i < executions; i++) {
    const checkpoint = record && (await storage.loadCheckpoint(record.id, i + 1));
    if (!checkpoint) throw new Error(`trial ${parent}, whose training this trial continues, has no checkpoint for execution ${i + 1}`);
    checkpoints.push(checkpoint);
  }
  return checkpoints;
}

/** Seeds of different trials differ, and a trial keeps its seed when it runs again. */
export function trialSeed(studySeed: number, number: number): number {
  return (Math.imul(studySeed + 1, 0x9e3779b1) ^ Math.imul(number, 0x85ebca6b)) >>> 0;
}

/** Why a trial's values build no model, or undefined when they build one. */
export function whyInvalid(spec: StudySpec, values: Values, inputDim: number): string | undefined {
  try {
    concreteModel(spec.model, spec.compile, values, inputDim);
    return undefined;
  } catch (err) {
    if (err instanceof InvalidValues) return err.message;
    throw err;
  }
}

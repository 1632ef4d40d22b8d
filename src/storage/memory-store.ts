/**
 * The tables of an in-memory store, shared by every MemoryStorage handle on it as one SQLite
 * file is shared by processes. Rows are plain mutable objects here; handles hand out frozen
 * copies, so that nothing a caller holds changes under it.
 */
import type { Values } from '../space/hyperparameter.js';
import type { AttemptRecord, EpochMetrics, Schedule, TrialRecord, TrialStatus } from '../domain/trial.js';
import type { DataRecord, StudyRecord } from '../domain/study.js';
import type { FoldScore, StudyFolds } from '../domain/folds.js';

export interface StudyRow {
  id: number;
  name: string;
  /** The space as JSON, parsed again on every read, so that no caller shares another's object. */
  spaceJson: string;
  objective: string;
  direction: 'max' | 'min';
  createdAt: string;
  data?: DataRecord;
  folds?: StudyFolds;
}

export interface TrialRow {
  id: number;
  studyId: number;
  number: number;
  status: TrialStatus;
  /** JSON of the values, which is also what "the same values" means for createTrialWithin. */
  valuesJson: string;
  scheduleJson: string | null;
  score: number | null;
  bestEpoch: number | null;
  startedAt: string;
  finishedAt: string | null;
  seconds: number | null;
  error: string | null;
  attempt: number;
  owner: string | null;
  heartbeatAt: number | null;
}

/** One execution's stored checkpoint: the encoded tensors, and how many of them are weights. */
export interface CheckpointRow {
  iterations: number;
  weightCount: number;
  data: Buffer;
}

export class MemoryStore {
  readonly studies = new Map<number, StudyRow>();
  readonly trials = new Map<number, TrialRow>();
  /** By trial id, then `execution:epoch`. */
  readonly epochs = new Map<number, Map<string, { execution: number; epoch: number; metrics: EpochMetrics }>>();
  readonly weights = new Map<number, Buffer>();
  /** By trial id, then execution. */
  readonly checkpoints = new Map<number, Map<number, CheckpointRow>>();
  readonly attempts = new Map<number, AttemptRecord[]>();
  /** By trial id. */
  readonly foldScores = new Map<number, FoldScore[]>();
  // Ids are never reused, as SQLite's AUTOINCREMENT never reuses them.
  private lastStudyId = 0;
  private lastTrialId = 0;

  constructor(
    /** What InputErrors name as the file. */
    readonly name: string,
  ) {}

  nextStudyId(): number {
    return ++this.lastStudyId;
  }

  nextTrialId(): number {
    return ++this.lastTrialId;
  }

  /** The trials of a study, by number. */
  trialsOf(studyId: number): TrialRow[] {
    return [...this.trials.values()].filter((t) => t.studyId === studyId).sort((a, b) => a.number - b.number);
  }

  /** Drops a trial's epochs, weights, checkpoints and fold scores (a restart trains it from scratch). */
  dropResults(trialId: number): void {
    this.epochs.delete(trialId);
    this.weights.delete(trialId);
    this.checkpoints.delete(trialId);
    this.foldScores.delete(trialId);
  }

  /** Deletes a trial and everything of it. */
  deleteTrial(trialId: number): void {
    this.dropResults(trialId);
    this.attempts.delete(trialId);
    this.trials.delete(trialId);
  }
}

export function toStudy(row: StudyRow): StudyRecord {
  return Object.freeze({
    id: row.id,
    name: row.name,
    space: JSON.parse(row.spaceJson) as unknown,
    objective: row.objective,
    direction: row.direction,
    createdAt: row.createdAt,
  });
}

export function toTrial(row: TrialRow): TrialRecord {
  return Object.freeze({
    id: row.id,
    number: row.number,
    status: row.status,
    values: Object.freeze(JSON.parse(row.valuesJson) as Values),
    score: row.score,
    bestEpoch: row.bestEpoch,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    seconds: row.seconds,
    error: row.error,
    schedule: row.scheduleJson === null ? null : Object.freeze(JSON.parse(row.scheduleJson) as Schedule),
    attempt: row.attempt,
  });
}

/** A frozen copy of a data record, so that what the caller gave may change without harm. */
export function copyData(data: DataRecord): DataRecord {
  const split = (f: DataRecord['train']) => Object.freeze({ path: f.path, size: f.size, sha256: f.sha256 });
  return Object.freeze({ train: split(data.train), valid: split(data.valid), test: split(data.test) });
}

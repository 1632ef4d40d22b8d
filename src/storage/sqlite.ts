import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import { InputError, reason } from '../errors.js';
import type { Values } from '../space/hyperparameter.js';
import type { AttemptRecord, EpochMetrics, Schedule, TrialRecord } from '../domain/trial.js';
import type { DataRecord, StudyRecord } from '../domain/study.js';
import { MIGRATIONS, SCHEMA } from './sqlite-schema.js';
import { SqliteTables } from './sqlite-tables.js';
import { SqliteFolds } from './sqlite-folds.js';
import type { FoldScore, StudyFolds } from '../domain/folds.js';
import type { Checkpoint, Storage, StoredWeights, TrialAppend, TrialImport } from './storage.js';
import { BUSY_TIMEOUT_MS, openReadOnly, openWritable, sqliteCode, type WritableOptions } from './sqlite-open.js';

/** The schema this tune writes; a database with a higher version came from a newer tune. */
export const SCHEMA_VERSION = 6;

/** The oldest schema that the read commands read as it is, where it cannot be migrated (a read-only mount). */
const READ_AS_IS_VERSION = 2;
/** The last schema without the fold tables, which the read commands also read as it is (no study of it is cross-validated). */
const BEFORE_FOLDS_VERSION = 5;

/** How long in all a busy database is tried again (with jittered, growing waits) beyond busy_timeout. */
export const BUSY_PATIENCE_MS = 60_000;
/** The longest and the first of the waits between two tries (each drawn from 0 to its bound). */
const BUSY_WAIT_MAX_MS = 500;
const BUSY_WAIT_FIRST_MS = 10;

/**
 * Storage in one SQLite file, in WAL mode so that `tune show` can read while `tune run` writes,
 * and so that several `tune run` processes can share a study: each handle has an owner name,
 * written on the trials it runs, and a heartbeat on them that tells a live run from a dead one.
 */
export class SqliteStorage implements Storage {
  /** host:pid:tag of this handle; the tag tells apart two handles of one process. */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly tables: SqliteTables;
  private readonly folds: SqliteFolds;
  /** Calls not yet settled, which close() waits for (a retry must not meet a closed database). */
  private readonly underway = new Set<Promise<void>>();
  private closing = false;

  private constructor(
    /** The database file, as given to open (InputErrors name it). */
    readonly path: string,
    private readonly db: Database.Database,
    /** False for a version-2 file read as it is: it has no study_data table, so no study has a record. */
    dataRecorded = true,
    /** False for a file older than the fold tables, read as it is. */
    foldsRecorded = true,
  ) {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    this.tables = new SqliteTables(path, db, this.owner, dataRecorded);
    this.folds = new SqliteFolds(db, foldsRecorded);
  }

  /**
   * Opens the database at `path` for `tune run`, creating it and its schema when missing, and
   * puts it in WAL mode (waiting for other processes' locks; `options.note` is told when it
   * cannot). Rejects with InputError for a file that is not SQLite, fails quick_check, is not
   * tune's, has a newer schema, or may not be written (nor its folder).
   */
  static async open(path: string, options: WritableOptions = {}): Promise<SqliteStorage> {
    let db: Database.Database;
    try {
      db = openWritable(path, options);
      // better-sqlite3 turns foreign keys on; they stay off until a migration has run (below).
      db.pragma('foreign_keys = OFF');
    } catch (err) {
      if (err instanceof InputError) throw err;
      const code = sqliteCode(err);
      if (code.startsWith('SQLITE_CORRUPT')) throw new InputError(path, 'file', `is corrupt (${reason(err)})`);
      if (code.startsWith('SQLITE_READONLY')) throw new InputError(path, 'file', `is read-only (${reason(err)}); tune run needs to write it`);
      throw new InputError(path, 'file', `${code === 'SQLITE_NOTADB' ? 'is not an SQLite database' : 'cannot be opened'} (${reason(err)})`);
    }
    try {
      // Immediate, so that two tunes opening a new file at once cannot both create the schema.
      // Foreign keys go on only after a migration, whose table rebuilds must not cascade. A
      // database that needs nothing is only read, so that readers never queue behind writers.
      if (SqliteStorage.checkSchema(path, db, false)) await patiently(() => db.transaction(() => SqliteStorage.checkSchema(path, db, true)).immediate());
      db.pragma('foreign_keys = ON');
    } catch (err) {
      db.close();
      const code = sqliteCode(err);
      if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') throw new InputError(path, 'file', `is corrupt (${reason(err)})`);
      if (code.startsWith('SQLITE_READONLY')) throw new InputError(path, 'file', `is read-only (${reason(err)}); tune run needs to write it`);
      throw err;
    }
    return new SqliteStorage(path, db);
  }

  /**
   * Opens a database this process may not write (a read-only file, folder or mount), for the
   * read commands; `note` is told when it reads a copy that a writer could outdate. Migrating
   * needs write access, so its schema must be current, version 5, which lacks only the fold
   * tables (nothing in it is cross-validated), or version 2, which also lacks the data records
   * (its studies then read as having none). Rejects with InputError
   * as `open` does.
   */
  static async openReadOnly(path: string, note?: (line: string) => void): Promise<SqliteStorage> {
    let db: Database.Database | undefined;
    try {
      db = openReadOnly(path, note);
      const version = SqliteStorage.storedVersion(path, db);
      if (version === SCHEMA_VERSION) return new SqliteStorage(path, db);
      if (version === BEFORE_FOLDS_VERSION) return new SqliteStorage(path, db, true, false);
      if (version !== READ_AS_IS_VERSION)
        throw new InputError(path, 'schema', `is older than this tune's (version ${SCHEMA_VERSION}) and read-only, so it cannot be migrated`);
      return new SqliteStorage(path, db, false, false);
    } catch (err) {
      db?.close();
      if (err instanceof InputError) throw err;
      const code = sqliteCode(err);
      if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')
        throw new InputError(path, 'file', `${code === 'SQLITE_NOTADB' ? 'is not an SQLite database' : 'is corrupt'} (${reason(err)})`);
      throw new InputError(path, 'file', `cannot be opened (${reason(err)})`);
    }
  }

  /**
   * The schema version the file records, or undefined for a database with no tables yet.
   * Throws InputError for a database that is not ours, one with no valid version, and one
   * from a newer tune.
   */
  private static storedVersion(path: string, db: Database.Database): number | undefined {
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`).pluck().all() as string[];
    if (!tables.includes('tune_meta')) {
      if (tables.length > 0) throw new InputError(path, 'file', "is an SQLite database but not one of tune's");
      return undefined;
    }
    const stored = db.prepare(`SELECT value FROM tune_meta WHERE key = 'schema_version'`).pluck().get() as string | undefined;
    const version = Number(stored);
    if (stored === undefined || !Number.isInteger(version) || version < 1) {
      throw new InputError(path, 'schema', `has no valid schema version (got ${JSON.stringify(stored ?? null)})`);
    }
    if (version > SCHEMA_VERSION) {
      throw new InputError(path, 'schema', `was written by a newer tune (schema version ${version}, this one reads up to ${SCHEMA_VERSION})`);
    }
    return version;
  }

  /**
   * Checks the schema; returns true when it must be created or migrated, which `apply` (inside
   * an immediate transaction) then does. Throws InputError as storedVersion does.
   */
  private static checkSchema(path: string, db: Database.Database, apply: boolean): boolean {
    const version = SqliteStorage.storedVersion(path, db);
    if (version === SCHEMA_VERSION) return false;
    if (!apply) return true;
    if (version === undefined) {
      db.exec(SCHEMA);
      db.prepare(`INSERT INTO tune_meta (key, value) VALUES ('schema_version', ?)`).run(String(SCHEMA_VERSION));
      return true;
    }
    for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    const broken = db.pragma('foreign_key_check') as unknown[];
    if (broken.length > 0) throw new InputError(path, 'schema', `cannot be migrated from version ${version}: ${broken.length} rows point at missing rows`);
    db.prepare(`UPDATE tune_meta SET value = ? WHERE key = 'schema_version'`).run(String(SCHEMA_VERSION));
    return true;
  }

  /**
   * Runs one statement or transaction of `tables`, again while another process holds the lock
   * (see patiently); close() waits for the calls still under way.
   */
  private call<T>(fn: () => T): Promise<T> {
    if (this.closing) return Promise.reject(new Error(`${this.path}: the storage is closed`));
    const done = patiently(fn);
    const tracked = done.then(
      () => undefined,
      () => undefined,
    );
    this.underway.add(tracked);
    void tracked.finally(() => this.underway.delete(tracked));
    return done;
  }

  openStudy(name: string, space: unknown, objective: string, direction: 'max' | 'min', overwrite: boolean): Promise<StudyRecord> {
    return this.call(() => this.tables.openStudy(name, space, objective, direction, overwrite));
  }

  findStudy(name: string): Promise<StudyRecord | undefined> {
    return this.call(() => this.tables.findStudy(name));
  }

  deleteStudy(studyId: number): Promise<void> {
    return this.call(() => this.tables.deleteStudy(studyId));
  }

  recordData(studyId: number, data: DataRecord, replace: boolean): Promise<DataRecord> {
    return this.call(() => this.tables.recordData(studyId, data, replace));
  }

  studyData(studyId: number): Promise<DataRecord | undefined> {
    return this.call(() => this.tables.studyData(studyId));
  }

  recordFolds(studyId: number, folds: StudyFolds): Promise<StudyFolds> {
    return this.call(() => this.folds.recordFolds(studyId, folds));
  }

  studyFolds(studyId: number): Promise<StudyFolds | undefined> {
    return this.call(() => this.folds.studyFolds(studyId));
  }

  saveFoldScores(trialId: number, scores: readonly FoldScore[]): Promise<void> {
    return this.call(() => this.folds.saveFoldScores(trialId, scores));
  }

  foldScores(trialId: number): Promise<FoldScore[]> {
    return this.call(() => this.folds.foldScores(trialId));
  }

  listStudies(): Promise<StudyRecord[]> {
    return this.call(() => this.tables.listStudies());
  }

  trials(studyId: number): Promise<TrialRecord[]> {
    return this.call(() => this.tables.trials(studyId));
  }

  trial(studyId: number, number: number): Promise<TrialRecord | undefined> {
    return this.call(() => this.tables.trial(studyId, number));
  }

  createTrial(studyId: number, values: Values, schedule?: Schedule): Promise<TrialRecord> {
    return this.call(() => this.tables.createTrial(studyId, values, schedule));
  }

  createTrialWithin(studyId: number, values: Values, limit: number, schedule?: Schedule): Promise<TrialRecord | 'limit' | 'taken'> {
    return this.call(() => this.tables.createTrialWithin(studyId, values, limit, schedule));
  }

  restartTrial(trialId: number): Promise<TrialRecord> {
    return this.call(() => this.tables.restartTrial(trialId));
  }

  claimInterrupted(studyId: number): Promise<TrialRecord | undefined> {
    return this.call(() => this.tables.claimInterrupted(studyId));
  }

  retryTrial(trialId: number, error?: string): Promise<TrialRecord> {
    return this.call(() => this.tables.retryTrial(trialId, error));
  }

  attempts(trialId: number): Promise<AttemptRecord[]> {
    return this.call(() => this.tables.attempts(trialId));
  }

  heartbeat(): Promise<void> {
    return this.call(() => this.tables.heartbeat());
  }

  recoverStale(studyId: number, staleMs: number): Promise<number> {
    return this.call(() => this.tables.recoverStale(studyId, staleMs));
  }

  recordEpoch(trialId: number, execution: number, epoch: number, metrics: EpochMetrics): Promise<void> {
    return this.call(() => this.tables.recordEpoch(trialId, execution, epoch, metrics));
  }

  epochs(trialId: number): Promise<{ execution: number; epoch: number; metrics: EpochMetrics }[]> {
    return this.call(() => this.tables.epochs(trialId));
  }

  completeTrial(trialId: number, score: number, bestEpoch: number, seconds: number): Promise<TrialRecord> {
    return this.call(() => this.tables.completeTrial(trialId, score, bestEpoch, seconds));
  }

  failTrial(trialId: number, error: string, seconds: number): Promise<TrialRecord> {
    return this.call(() => this.tables.failTrial(trialId, error, seconds));
  }

  invalidTrial(trialId: number, error: string): Promise<TrialRecord> {
    return this.call(() => this.tables.invalidTrial(trialId, error));
  }

  interruptRunning(studyId: number): Promise<number> {
    return this.call(() => this.tables.interruptRunning(studyId));
  }

  pruneTrial(trialId: number, score: number, bestEpoch: number, seconds: number): Promise<TrialRecord> {
    return this.call(() => this.tables.pruneTrial(trialId, score, bestEpoch, seconds));
  }

  updateSpace(studyId: number, space: unknown): Promise<StudyRecord> {
    return this.call(() => this.tables.updateSpace(studyId, space));
  }

  appendTrial(studyId: number, item: TrialAppend): Promise<TrialRecord> {
    return this.call(() => this.tables.appendTrial(studyId, item));
  }

  stopTrial(trialId: number, why: string, seconds: number): Promise<TrialRecord> {
    return this.call(() => this.tables.stopTrial(trialId, why, seconds));
  }

  saveWeights(trialId: number, weights: StoredWeights): Promise<void> {
    return this.call(() => this.tables.saveWeights(trialId, weights));
  }

  loadWeights(trialId: number): Promise<StoredWeights | undefined> {
    return this.call(() => this.tables.loadWeights(trialId));
  }

  pruneWeights(studyId: number, keep: number): Promise<void> {
    return this.call(() => this.tables.pruneWeights(studyId, keep));
  }

  saveCheckpoint(trialId: number, execution: number, checkpoint: Checkpoint): Promise<void> {
    return this.call(() => this.tables.saveCheckpoint(trialId, execution, checkpoint));
  }

  loadCheckpoint(trialId: number, execution: number): Promise<Checkpoint | undefined> {
    return this.call(() => this.tables.loadCheckpoint(trialId, execution));
  }

  keepCheckpoints(studyId: number, keep: readonly number[]): Promise<void> {
    return this.call(() => this.tables.keepCheckpoints(studyId, keep));
  }

  checkpointExecutions(trialId: number): Promise<number[]> {
    return this.call(() => this.tables.checkpointExecutions(trialId));
  }

  importStudy(study: Omit<StudyRecord, 'id'>, data: DataRecord | undefined): Promise<StudyRecord> {
    return this.call(() => this.tables.importStudy(study, data));
  }

  importTrial(studyId: number, item: TrialImport): Promise<TrialRecord> {
    return this.call(() => this.tables.importTrial(studyId, item));
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.underway]);
    this.db.close();
  }
}

/**
 * Runs `fn` again while SQLite says busy (another process holds the write lock longer than
 * the short busy_timeout), awaiting a timer between tries so that the event loop serves the
 * worker ports and Ink meanwhile. Waits grow and are jittered so that processes queued
 * together spread out; after BUSY_PATIENCE_MS in all, the busy error is thrown.
 */
async function patiently<T>(fn: () => T): Promise<T> {
  const deadline = performance.now() + BUSY_PATIENCE_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return fn();
    } catch (err) {
      const code = sqliteCode(err);
      if (!(code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED') || performance.now() >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(BUSY_WAIT_MAX_MS, BUSY_WAIT_FIRST_MS * 2 ** attempt)));
    }
  }
}

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { InputError } from '../../src/errors.js';
import { CLASS_METRICS } from '../../src/domain/metrics.js';
import { SCHEMA_VERSION, SqliteStorage } from '../../src/storage/sqlite.js';
import { decodeWeights, encodeWeights } from '../../src/storage/weights-codec.js';
import { tempDir } from '../helpers/tune.js';

/** Asserts that `fn` throws an InputError naming `file`, `where`, and exactly `what` (or a match). */
async function throwsInput(fn: () => Promise<unknown>, file: string, where: string, what: string | RegExp): Promise<void> {
  await assert.rejects(fn, (err: unknown) => {
    assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
    assert.equal(err.file, file);
    assert.equal(err.where, where);
    if (typeof what === 'string') assert.equal(err.what, what);
    else assert.match(err.what, what);
    return true;
  });
}

/** Runs `fn` on a raw connection to `path`, as another program would. */
function raw<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** The tables as the first tune wrote them (schema version 1), to test the migration from it. */
const VERSION_1 = `
CREATE TABLE tune_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO tune_meta VALUES ('schema_version', '1');
CREATE TABLE studies (
  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, space_json TEXT NOT NULL,
  objective TEXT NOT NULL, direction TEXT NOT NULL CHECK (direction IN ('max', 'min')), created_at TEXT NOT NULL);
CREATE TABLE trials (
  id INTEGER PRIMARY KEY AUTOINCREMENT, study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
  number INTEGER NOT NULL, status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'failed', 'interrupted')),
  values_json TEXT NOT NULL, score REAL, best_epoch INTEGER, started_at TEXT NOT NULL,
  finished_at TEXT, seconds REAL, error TEXT, UNIQUE (study_id, number));
CREATE TABLE epochs (
  trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE, execution INTEGER NOT NULL, epoch INTEGER NOT NULL,
  loss REAL, accuracy REAL, val_loss REAL, val_accuracy REAL, PRIMARY KEY (trial_id, execution, epoch)) WITHOUT ROWID;
CREATE TABLE weights (trial_id INTEGER PRIMARY KEY REFERENCES trials(id) ON DELETE CASCADE, data BLOB NOT NULL);
`;

/** What turns the current schema into version 5's: no fold tables. */
const DROP_FOLDS = 'DROP TABLE study_folds; DROP TABLE fold_scores;';
/** Turns the current epochs table into that of versions 1 to 4, which recorded no class metric. */
const BEFORE_CLASS_METRICS = CLASS_METRICS.map((m) => `ALTER TABLE epochs DROP COLUMN ${m};`).join(' ');

/** A database as schema version 2 left it: the current one without the data records. */
async function version2(path: string): Promise<void> {
  await (await SqliteStorage.open(path)).close();
  raw(path, (db) => {
    db.exec(`DROP TABLE study_data; ${DROP_FOLDS} ${BEFORE_CLASS_METRICS} UPDATE tune_meta SET value = '2' WHERE key = 'schema_version'`);
    db.pragma('journal_mode = DELETE');
  });
}

const RECORD = {
  train: { path: '/d/train.hdf5', size: 10, sha256: 'a'.repeat(64) },
  valid: { path: '/d/valid.hdf5', size: 10, sha256: 'b'.repeat(64) },
  test: { path: '/d/test.hdf5', size: 10, sha256: 'c'.repeat(64) },
};

describe('SqliteStorage', () => {
  it(`creates a missing file with schema version ${SCHEMA_VERSION}, in WAL mode, with foreign keys`, async () => {
    const path = join(tempDir(), 'new.db');
    await (await SqliteStorage.open(path)).close();
    assert.ok(existsSync(path));
    raw(path, (db) => {
      assert.equal(db.prepare(`SELECT value FROM tune_meta WHERE key = 'schema_version'`).pluck().get(), String(SCHEMA_VERSION));
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all();
      assert.deepEqual(tables, [
        'attempts',
        'checkpoints',
        'epochs',
        'fold_scores',
        'sqlite_sequence',
        'studies',
        'study_data',
        'study_folds',
        'trials',
        'tune_meta',
        'weights',
      ]);
      const trialFks = db.prepare(`SELECT "table", on_delete FROM pragma_foreign_key_list('trials')`).all();
      assert.deepEqual(trialFks, [{ table: 'studies', on_delete: 'CASCADE' }]);
    });
    // Reopening an existing database of ours must not try to create the schema again.
    await (await SqliteStorage.open(path)).close();
  });

  it('treats an empty file as a new database', async () => {
    const path = join(tempDir(), 'empty.db');
    writeFileSync(path, '');
    const s = await SqliteStorage.open(path);
    assert.deepEqual(await s.listStudies(), []);
    await s.close();
  });

  it('refuses a text file as not an SQLite database, and leaves it as it was', async () => {
    const path = join(tempDir(), 'notes.db');
    const text = 'name,score\ntrial 1,0.5\n'.repeat(20);
    writeFileSync(path, text);
    await throwsInput(async () => await SqliteStorage.open(path), path, 'file', 'is not an SQLite database (file is not a database)');
    assert.equal(readFileSync(path, 'utf8'), text);
  });

  it("refuses an SQLite database of another program as not one of tune's", async () => {
    const path = join(tempDir(), 'other.db');
    raw(path, (db) => db.exec(`CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)`));
    await throwsInput(async () => await SqliteStorage.open(path), path, 'file', "is an SQLite database but not one of tune's");
    raw(path, (db) => assert.equal(db.prepare(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'studies'`).pluck().get(), 0));
  });

  it('refuses a database written by a newer tune, naming both schema versions', async () => {
    const path = join(tempDir(), 'newer.db');
    await (await SqliteStorage.open(path)).close();
    raw(path, (db) => db.prepare(`UPDATE tune_meta SET value = ? WHERE key = 'schema_version'`).run(String(SCHEMA_VERSION + 1)));
    await throwsInput(
      async () => await SqliteStorage.open(path),
      path,
      'schema',
      `was written by a newer tune (schema version ${SCHEMA_VERSION + 1}, this one reads up to ${SCHEMA_VERSION})`,
    );
  });

  it('migrates a version 1 database in place: rows, links and ids kept, new statuses and checkpoints usable', async () => {
    const path = join(tempDir(), 'v1.db');
    raw(path, (db) => {
      db.exec(VERSION_1);
      db.exec(`
        INSERT INTO studies VALUES (1, 'old', '{"a":1}', 'val_accuracy', 'max', '2026-01-01T00:00:00Z');
        INSERT INTO trials VALUES (1, 1, 1, 'complete', '{"u":4}', 0.8, 3, 't0', 't1', 2.5, NULL);
        INSERT INTO trials VALUES (7, 1, 2, 'interrupted', '{"u":8}', NULL, NULL, 't0', 't1', NULL, NULL);
        INSERT INTO trials VALUES (9, 1, 3, 'failed', '{"u":2}', NULL, NULL, 't0', 't1', 1, 'boom');
        DELETE FROM trials WHERE id = 9;
        INSERT INTO epochs VALUES (1, 1, 1, 0.5, 0.7, 0.6, 0.8);
        INSERT INTO weights VALUES (1, x'00');`);
    });
    const s = await SqliteStorage.open(path);
    const study = (await s.findStudy('old'))!;
    assert.deepEqual(
      (await s.trials(study.id)).map((t) => [t.id, t.number, t.status, t.score, t.schedule]),
      [
        [1, 1, 'complete', 0.8, null],
        [7, 2, 'interrupted', null, null],
      ],
    );
    assert.equal((await s.epochs(1)).length, 1);
    const next = await s.createTrial(study.id, { u: 16 }, { iteration: 0, bracket: 1, round: 0, initialEpoch: 0, epochs: 4 });
    assert.ok(next.id > 9, `the deleted trial's id 9 is not reused (got ${next.id})`);
    await s.invalidTrial(next.id, 'no model');
    await s.saveCheckpoint(1, 1, { weights: { tensors: [] }, iterations: 1, slots: { tensors: [] } });
    await s.openStudy('old', { a: 2 }, 'val_accuracy', 'max', true);
    await s.close();
    raw(path, (db) => {
      assert.equal(db.prepare(`SELECT value FROM tune_meta WHERE key = 'schema_version'`).pluck().get(), String(SCHEMA_VERSION));
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      const count = (table: string) => db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get();
      assert.deepEqual(['trials', 'epochs', 'weights', 'checkpoints'].map(count), [0, 0, 0, 0], 'deleting the study cascades through the rebuilt table');
    });
    await (await SqliteStorage.open(path)).close();
  });

  it('migrates a version 2 database in place: its studies keep their trials and get no data record; new ones get one', async () => {
    const path = join(tempDir(), 'v2.db');
    await version2(path);
    raw(path, (db) => {
      db.exec(`
        INSERT INTO studies VALUES (4, 'old', '{"a":1}', 'val_accuracy', 'max', '2026-01-01T00:00:00Z');
        INSERT INTO trials (id, study_id, number, status, values_json, score, best_epoch, started_at, finished_at, seconds)
          VALUES (3, 4, 1, 'complete', '{"u":4}', 0.8, 3, 't0', 't1', 2.5);
        INSERT INTO weights VALUES (3, x'00');`);
    });
    const s = await SqliteStorage.open(path);
    const old = (await s.findStudy('old'))!;
    assert.equal(old.id, 4);
    assert.equal(await s.studyData(old.id), undefined, 'an old study has no record');
    assert.deepEqual(
      (await s.trials(old.id)).map((t) => [t.id, t.number, t.status, t.score]),
      [[3, 1, 'complete', 0.8]],
    );
    const fresh = await s.openStudy('new', { a: 2 }, 'val_loss', 'min', false);
    assert.ok(fresh.id > 4, `ids go on from the old ones (got ${fresh.id})`);
    assert.deepEqual(await s.recordData(fresh.id, RECORD, false), RECORD);
    await s.recordData(old.id, RECORD, false);
    await s.openStudy('old', { a: 3 }, 'val_accuracy', 'max', true);
    await s.close();
    raw(path, (db) => {
      assert.equal(db.prepare(`SELECT value FROM tune_meta WHERE key = 'schema_version'`).pluck().get(), String(SCHEMA_VERSION));
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      assert.deepEqual(db.pragma('foreign_key_check'), []);
      assert.deepEqual(
        db.prepare(`SELECT study_id, COUNT(*) AS n FROM study_data GROUP BY study_id`).all(),
        [{ study_id: fresh.id, n: 3 }],
        'replacing the old study drops its record with it',
      );
    });
    await (await SqliteStorage.open(path)).close();
  });

  it('migrates a version 3 database to the pruned and waiting statuses, keeping every trial, its id sequence and its attempts', async () => {
    const path = join(tempDir(), 'v3.db');
    await (await SqliteStorage.open(path)).close();
    // Version 3's trials table: the current one with the six statuses of its CHECK.
    raw(path, (db) => {
      const table = db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'trials'`).pluck().get() as string;
      db.pragma('foreign_keys = OFF');
      db.exec(`
        ${table.replace('CREATE TABLE trials', 'CREATE TABLE t3').replace(", 'pruned', 'waiting'", '')};
        ${DROP_FOLDS} DROP TABLE trials; ALTER TABLE t3 RENAME TO trials; ${BEFORE_CLASS_METRICS}
        UPDATE tune_meta SET value = '3' WHERE key = 'schema_version';
        INSERT INTO studies VALUES (2, 'old', '{"a":1}', 'val_accuracy', 'max', 't0');
        INSERT INTO trials (id, study_id, number, status, values_json, score, best_epoch, started_at, finished_at, seconds, schedule_json, attempt, owner)
          VALUES (7, 2, 1, 'stopped', '{"u":4}', NULL, NULL, 't0', 't1', 2.5, '{"iteration":0}', 3, 'h:1:x');
        INSERT INTO attempts VALUES (7, 2, 'stopped', 't0', 't1', 'h:1:x', 'why');`);
      assert.throws(() => db.exec(`INSERT INTO trials (study_id, number, status, values_json, started_at) VALUES (2, 9, 'pruned', '{}', 't')`), /CHECK/);
    });
    const s = await SqliteStorage.open(path);
    const [old] = await s.trials(2);
    assert.deepEqual([old!.id, old!.status, old!.attempt, old!.schedule], [7, 'stopped', 3, { iteration: 0 }]);
    assert.equal((await s.attempts(7)).length, 1);
    const t = await s.createTrial(2, { u: 5 });
    assert.ok(t.id > 7, `ids go on from the old ones (got ${t.id})`);
    assert.equal((await s.pruneTrial(t.id, 0.5, 1, 1)).status, 'pruned');
    await s.close();
    raw(path, (db) => {
      assert.equal(db.prepare(`SELECT value FROM tune_meta WHERE key = 'schema_version'`).pluck().get(), String(SCHEMA_VERSION));
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      assert.deepEqual(db.pragma('foreign_key_check'), []);
    });
  });

  it('migrates a version 4 database to the class metrics, keeping its epochs', async () => {
    const path = join(tempDir(), 'v4.db');
    const before = await SqliteStorage.open(path);
    const study = await before.openStudy('s', { a: 1 }, 'val_accuracy', 'max', false);
    const t = await before.createTrial(study.id, {});
    await before.recordEpoch(t.id, 1, 1, { loss: 0.5, accuracy: 0.75, val_loss: 0.625, val_accuracy: 0.5 });
    await before.close();
    raw(path, (db) => db.exec(`${DROP_FOLDS} ${BEFORE_CLASS_METRICS} UPDATE tune_meta SET value = '4' WHERE key = 'schema_version'`));
    const s = await SqliteStorage.open(path);
    assert.deepEqual((await s.epochs(t.id))[0]!.metrics, { loss: 0.5, accuracy: 0.75, val_loss: 0.625, val_accuracy: 0.5 });
    await s.recordEpoch(t.id, 1, 2, { loss: 0.5, accuracy: 0.75, val_loss: 0.625, val_accuracy: 0.5, val_auc: 0.875 });
    assert.equal((await s.epochs(t.id))[1]!.metrics.val_auc, 0.875);
    await s.close();
    raw(path, (db) => assert.equal(db.prepare(`SELECT value FROM tune_meta WHERE key = 'schema_version'`).pluck().get(), String(SCHEMA_VERSION)));
  });

  it('migrates a version 5 database to the fold tables, and reads one it may not migrate as it is, with no folds', async () => {
    const path = join(tempDir(), 'v5.db');
    await (await SqliteStorage.open(path)).close();
    raw(path, (db) => {
      db.exec(`${DROP_FOLDS} UPDATE tune_meta SET value = '5' WHERE key = 'schema_version';
        INSERT INTO studies VALUES (2, 'old', '{"a":1}', 'val_accuracy', 'max', 't0');
        INSERT INTO trials (id, study_id, number, status, values_json, started_at) VALUES (7, 2, 1, 'complete', '{}', 't0');`);
      db.pragma('journal_mode = DELETE');
    });
    const bytes = readFileSync(path);
    const reader = await SqliteStorage.openReadOnly(path);
    assert.equal(await reader.studyFolds(2), undefined);
    assert.deepEqual(await reader.foldScores(7), []);
    await reader.close();
    assert.deepEqual(readFileSync(path), bytes, 'read as it is, not migrated');
    const s = await SqliteStorage.open(path);
    await s.saveFoldScores(7, [{ execution: 1, fold: 1, score: 0.5, bestEpoch: 1 }]);
    assert.equal((await s.foldScores(7)).length, 1);
    await s.close();
    raw(path, (db) => assert.equal(db.prepare(`SELECT value FROM tune_meta WHERE key = 'schema_version'`).pluck().get(), String(SCHEMA_VERSION)));
  });

  it('reads a version 2 database that it may not migrate as it is, its studies without a record; refuses version 1', async () => {
    const path = join(tempDir(), 'v2-read.db');
    await version2(path);
    raw(path, (db) => db.exec(`INSERT INTO studies VALUES (1, 'old', '{}', 'val_loss', 'min', 't0')`));
    const bytes = readFileSync(path);
    const s = await SqliteStorage.openReadOnly(path);
    assert.equal(await s.studyData((await s.findStudy('old'))!.id), undefined);
    await s.close();
    assert.deepEqual(readFileSync(path), bytes, 'read as it is, not migrated');
    const v1 = join(tempDir(), 'v1-read.db');
    raw(v1, (db) => db.exec(VERSION_1));
    await throwsInput(
      async () => await SqliteStorage.openReadOnly(v1),
      v1,
      'schema',
      `is older than this tune's (version ${SCHEMA_VERSION}) and read-only, so it cannot be migrated`,
    );
  });

  it('refuses a database whose schema version is missing', async () => {
    const path = join(tempDir(), 'noversion.db');
    await (await SqliteStorage.open(path)).close();
    raw(path, (db) => db.exec(`DELETE FROM tune_meta`));
    await throwsInput(async () => await SqliteStorage.open(path), path, 'schema', /has no valid schema version/);
  });

  it('reports a path it cannot open as an InputError', async () => {
    const path = join(tempDir(), 'no', 'such', 'folder', 'tune.db');
    await throwsInput(async () => await SqliteStorage.open(path), path, 'file', /^cannot be opened \(/);
  });

  it("deletes a study's trials, epochs and weights with it (foreign keys cascade) and never reuses ids", async () => {
    const path = join(tempDir(), 'cascade.db');
    const s = await SqliteStorage.open(path);
    const study = await s.openStudy('s', { a: 1 }, 'val_loss', 'min', false);
    const t = await s.createTrial(study.id, {});
    await s.recordEpoch(t.id, 1, 1, { loss: 1, accuracy: 0, val_loss: 1, val_accuracy: 0 });
    await s.saveWeights(t.id, { tensors: [{ shape: [1], values: Float32Array.of(1) }] });
    const replaced = await s.openStudy('s', { a: 2 }, 'val_loss', 'min', true);
    assert.notEqual(replaced.id, study.id, 'ids are never reused');
    assert.notEqual((await s.createTrial(replaced.id, {})).id, t.id, 'ids are never reused');
    await s.close();
    raw(path, (db) => {
      const count = (table: string) => db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get();
      assert.deepEqual(['studies', 'trials', 'epochs', 'weights'].map(count), [1, 1, 0, 0]);
    });
  });

  it('throws Error, not InputError, for a bug: a score of NaN or weights that do not fill their shape', async () => {
    const s = await SqliteStorage.open(join(tempDir(), 'bugs.db'));
    const t = await s.createTrial((await s.openStudy('s', {}, 'val_loss', 'min', false)).id, {});
    await assert.rejects(
      async () => await s.completeTrial(t.id, Number.NaN, 1, 1),
      (err: unknown) => err instanceof Error && !(err instanceof InputError) && /NaN/.test(err.message),
    );
    await assert.rejects(async () => await s.saveWeights(t.id, { tensors: [{ shape: [2, 2], values: new Float32Array(3) }] }), /does not hold 3 values/);
    assert.equal((await s.trial(t.id, 1))!.status, 'running');
    assert.equal(await s.loadWeights(t.id), undefined);
    await s.close();
  });

  it("waits for another connection's write lock without blocking the event loop, then writes", async () => {
    const path = join(tempDir(), 'busy.db');
    const s = await SqliteStorage.open(path);
    const study = await s.openStudy('s', {}, 'val_loss', 'min', false);
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    // The lock goes only when a timer of this thread fires: a write that slept on the thread would never see it go.
    const held = 1000;
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    setTimeout(() => other.exec('COMMIT'), held);
    const t0 = performance.now();
    try {
      const t = await s.createTrial(study.id, { u: 1 });
      assert.equal(t.number, 1);
      assert.ok(performance.now() - t0 >= held - 50, 'the write waited for the lock');
      assert.ok(ticks >= held / 20 / 4, `the event loop ran while the write waited (${ticks} ticks of 20 ms in ${held} ms)`);
    } finally {
      clearInterval(ticker);
      other.close();
      await s.close();
    }
  });
});

describe('weights codec', () => {
  it('stores 4 bytes a value after a small header', async () => {
    const blob = encodeWeights({
      tensors: [
        { shape: [100, 10], values: new Float32Array(1000) },
        { shape: [10], values: new Float32Array(10) },
      ],
    });
    const header = blob.readUInt32LE(0);
    assert.equal(blob.length, 4 + header + 4 * 1010);
    assert.ok(header < 40, `header of ${header} bytes`);
  });

  it('decodes from a blob at an odd offset of a larger buffer', async () => {
    const blob = encodeWeights({ tensors: [{ shape: [3], values: Float32Array.of(1.5, -2.25, 3) }] });
    const shifted = new Uint8Array(blob.length + 3);
    shifted.set(blob, 1);
    const got = decodeWeights(shifted.subarray(1, 1 + blob.length));
    assert.deepEqual(Array.from(got.tensors[0]!.values), [1.5, -2.25, 3]);
  });

  it('refuses a truncated or garbled blob', async () => {
    const blob = encodeWeights({ tensors: [{ shape: [3], values: Float32Array.of(1, 2, 3) }] });
    assert.throws(() => decodeWeights(blob.subarray(0, blob.length - 1)), /corrupt: shapes need 3 values/);
    assert.throws(() => decodeWeights(Buffer.from([255, 255, 0, 0, 1])), /corrupt: header length/);
    assert.throws(() => decodeWeights(Buffer.from([2, 0, 0, 0, 0x7b, 0x7d])), /corrupt: header has no shapes/);
  });
});

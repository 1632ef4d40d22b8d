import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { InputError } from '../../src/errors.js';
import { SCHEMA_VERSION, SqliteStorage } from '../../src/storage/sqlite.js';
import { decodeWeights, encodeWeights } from '../../src/storage/weights-codec.js';
import { tempDir } from '../helpers/tune.js';

/** Asserts that `fn` throws an InputError naming `file`, `where`, and exactly `what` (or a match). */
function throwsInput(fn: () => unknown, file: string, where: string, what: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
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

describe('SqliteStorage', () => {
  it(`creates a missing file with schema version ${SCHEMA_VERSION}, in WAL mode, with foreign keys`, () => {
    const path = join(tempDir(), 'new.db');
    SqliteStorage.open(path).close();
    assert.ok(existsSync(path));
    raw(path, (db) => {
      assert.equal(db.prepare(`SELECT value FROM tune_meta WHERE key = 'schema_version'`).pluck().get(), '1');
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all();
      assert.deepEqual(tables, ['epochs', 'sqlite_sequence', 'studies', 'trials', 'tune_meta', 'weights']);
      const trialFks = db.prepare(`SELECT "table", on_delete FROM pragma_foreign_key_list('trials')`).all();
      assert.deepEqual(trialFks, [{ table: 'studies', on_delete: 'CASCADE' }]);
    });
    // Reopening an existing database of ours must not try to create the schema again.
    SqliteStorage.open(path).close();
  });

  it('treats an empty file as a new database', () => {
    const path = join(tempDir(), 'empty.db');
    writeFileSync(path, '');
    const s = SqliteStorage.open(path);
    assert.deepEqual(s.listStudies(), []);
    s.close();
  });

  it('refuses a text file as not an SQLite database, and leaves it as it was', () => {
    const path = join(tempDir(), 'notes.db');
    const text = 'name,score\ntrial 1,0.5\n'.repeat(20);
    writeFileSync(path, text);
    throwsInput(() => SqliteStorage.open(path), path, 'file', 'is not an SQLite database (file is not a database)');
    assert.equal(readFileSync(path, 'utf8'), text);
  });

  it("refuses an SQLite database of another program as not one of tune's", () => {
    const path = join(tempDir(), 'other.db');
    raw(path, (db) => db.exec(`CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)`));
    throwsInput(() => SqliteStorage.open(path), path, 'file', "is an SQLite database but not one of tune's");
    raw(path, (db) => assert.equal(db.prepare(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'studies'`).pluck().get(), 0));
  });

  it('refuses a database written by a newer tune, naming both schema versions', () => {
    const path = join(tempDir(), 'newer.db');
    SqliteStorage.open(path).close();
    raw(path, (db) => db.prepare(`UPDATE tune_meta SET value = ? WHERE key = 'schema_version'`).run(String(SCHEMA_VERSION + 1)));
    throwsInput(
      () => SqliteStorage.open(path),
      path,
      'schema',
      `was written by a newer tune (schema version ${SCHEMA_VERSION + 1}, this one reads up to ${SCHEMA_VERSION})`,
    );
  });

  it('refuses a database whose schema version is missing', () => {
    const path = join(tempDir(), 'noversion.db');
    SqliteStorage.open(path).close();
    raw(path, (db) => db.exec(`DELETE FROM tune_meta`));
    throwsInput(() => SqliteStorage.open(path), path, 'schema', /has no valid schema version/);
  });

  it('reports a path it cannot open as an InputError', () => {
    const path = join(tempDir(), 'no', 'such', 'folder', 'tune.db');
    throwsInput(() => SqliteStorage.open(path), path, 'file', /^cannot be opened \(/);
  });

  it('deletes a study\'s trials, epochs and weights with it (foreign keys cascade) and never reuses ids', () => {
    const path = join(tempDir(), 'cascade.db');
    const s = SqliteStorage.open(path);
    const study = s.openStudy('s', { a: 1 }, 'val_loss', 'min', false);
    const t = s.createTrial(study.id, {});
    s.recordEpoch(t.id, 1, 1, { loss: 1, accuracy: 0, val_loss: 1, val_accuracy: 0 });
    s.saveWeights(t.id, { tensors: [{ shape: [1], values: Float32Array.of(1) }] });
    const replaced = s.openStudy('s', { a: 2 }, 'val_loss', 'min', true);
    assert.notEqual(replaced.id, study.id, 'ids are never reused');
    assert.notEqual(s.createTrial(replaced.id, {}).id, t.id, 'ids are never reused');
    s.close();
    raw(path, (db) => {
      const count = (table: string) => db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get();
      assert.deepEqual(['studies', 'trials', 'epochs', 'weights'].map(count), [1, 1, 0, 0]);
    });
  });

  it('throws Error, not InputError, for a bug: a score of NaN or weights that do not fill their shape', () => {
    const s = SqliteStorage.open(join(tempDir(), 'bugs.db'));
    const t = s.createTrial(s.openStudy('s', {}, 'val_loss', 'min', false).id, {});
    assert.throws(() => s.completeTrial(t.id, Number.NaN, 1, 1), (err: unknown) => err instanceof Error && !(err instanceof InputError) && /NaN/.test(err.message));
    assert.throws(() => s.saveWeights(t.id, { tensors: [{ shape: [2, 2], values: new Float32Array(3) }] }), /does not hold 3 values/);
    assert.equal(s.trial(t.id, 1)!.status, 'running');
    assert.equal(s.loadWeights(t.id), undefined);
    s.close();
  });
});

describe('weights codec', () => {
  it('stores 4 bytes a value after a small header', () => {
    const blob = encodeWeights({ tensors: [{ shape: [100, 10], values: new Float32Array(1000) }, { shape: [10], values: new Float32Array(10) }] });
    const header = blob.readUInt32LE(0);
    assert.equal(blob.length, 4 + header + 4 * 1010);
    assert.ok(header < 40, `header of ${header} bytes`);
  });

  it('decodes from a blob at an odd offset of a larger buffer', () => {
    const blob = encodeWeights({ tensors: [{ shape: [3], values: Float32Array.of(1.5, -2.25, 3) }] });
    const shifted = new Uint8Array(blob.length + 3);
    shifted.set(blob, 1);
    const got = decodeWeights(shifted.subarray(1, 1 + blob.length));
    assert.deepEqual(Array.from(got.tensors[0]!.values), [1.5, -2.25, 3]);
  });

  it('refuses a truncated or garbled blob', () => {
    const blob = encodeWeights({ tensors: [{ shape: [3], values: Float32Array.of(1, 2, 3) }] });
    assert.throws(() => decodeWeights(blob.subarray(0, blob.length - 1)), /corrupt: shapes need 3 values/);
    assert.throws(() => decodeWeights(Buffer.from([255, 255, 0, 0, 1])), /corrupt: header length/);
    assert.throws(() => decodeWeights(Buffer.from([2, 0, 0, 0, 0x7b, 0x7d])), /corrupt: header has no shapes/);
  });
});

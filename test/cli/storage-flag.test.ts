import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { storageLocation } from '../../src/cli/storage-flag.js';
import { InputError } from '../../src/errors.js';
import { shownLocation } from '../../src/storage/location.js';
import { tinySpace, writeSpace, writeTinyData } from '../helpers/tiny-study.js';
import { tempDir, tune } from '../helpers/tune.js';

const refused = (fn: () => unknown, where: string, what: RegExp) =>
  assert.throws(fn, (err: unknown) => err instanceof InputError && err.where === where && what.test(err.what));

describe('where a command finds its storage', () => {
  it('takes --storage, else --db, else $TUNE_STORAGE, else trials.db', () => {
    const env = { TUNE_STORAGE: 'postgresql://tune@db.example:5432/studies' };
    assert.deepEqual(storageLocation({ storage: 'sqlite:///a.db', db: undefined }, env), { kind: 'sqlite', path: 'a.db' });
    assert.deepEqual(storageLocation({ db: 'b.db' }, env), { kind: 'sqlite', path: 'b.db' });
    assert.deepEqual(storageLocation({}, env), { kind: 'postgresql', url: env.TUNE_STORAGE });
    assert.deepEqual(storageLocation({}, {}), { kind: 'sqlite', path: 'trials.db' });
    assert.deepEqual(storageLocation({}, { TUNE_STORAGE: '' }), { kind: 'sqlite', path: 'trials.db' });
  });

  it("reads SQLite's long form as SQLAlchemy writes it, and both PostgreSQL schemes", () => {
    assert.deepEqual(storageLocation({ storage: 'sqlite:///runs/t.db' }, {}), { kind: 'sqlite', path: 'runs/t.db' });
    assert.deepEqual(storageLocation({ storage: 'sqlite:////tmp/t.db' }, {}), { kind: 'sqlite', path: '/tmp/t.db' });
    assert.equal(storageLocation({ storage: 'postgres://u@h/d' }, {}).kind, 'postgresql');
    assert.equal(storageLocation({ storage: 'postgresql://u@h:5433/d' }, {}).kind, 'postgresql');
  });

  it('refuses both flags at once, an unknown scheme, and sqlite:/// with no file, naming the flag or the variable', () => {
    refused(() => storageLocation({ storage: 'sqlite:///a.db', db: 'b.db' }, {}), '--storage', /cannot be given with --db/);
    refused(() => storageLocation({ storage: 'mysql://u@h/d' }, {}), '--storage', /got the scheme "mysql"/);
    refused(() => storageLocation({ storage: 'trials.db' }, {}), '--storage', /must be sqlite:\/\/\/PATH or postgresql:\/\/.*got "trials.db"/);
    refused(() => storageLocation({ storage: 'sqlite:///' }, {}), '--storage', /names no file/);
    refused(() => storageLocation({}, { TUNE_STORAGE: 'redis://h' }), 'TUNE_STORAGE', /got the scheme "redis"/);
    refused(() => storageLocation({ db: '' }, {}), '--db', /must name a file/);
  });

  it('never shows a password', () => {
    assert.equal(shownLocation({ kind: 'postgresql', url: 'postgresql://tune:s3cret@h:5432/d' }), 'postgresql://tune:***@h:5432/d');
    assert.throws(
      () => storageLocation({ storage: 'mysql://tune:s3cret@h/d' }, {}),
      (err: unknown) => err instanceof InputError && !err.message.includes('s3cret') && err.message.includes('***'),
    );
  });

  it('works end to end: a study run with --storage sqlite:///PATH is read with --db PATH and with $TUNE_STORAGE', () => {
    const dir = tempDir();
    const space = writeSpace(dir, tinySpace(writeTinyData(dir), { max_trials: 2, epochs: 1 }));
    const db = join(dir, 'long.db');
    const run = tune(['run', space, '--storage', `sqlite:///${db}`, '--no-tui']);
    assert.equal(run.code, 0, run.stderr);
    const byDb = tune(['list', '--db', db, '--json']);
    assert.equal(byDb.code, 0, byDb.stderr);
    assert.equal(byDb.stdout.trim().split('\n').length, 2);
    const byEnv = tune(['show', '1', '--json'], dir, { ...process.env, TUNE_STORAGE: `sqlite:///${db}` });
    assert.equal(byEnv.code, 0, byEnv.stderr);
    assert.equal((JSON.parse(byEnv.stdout) as { number: number }).number, 1);
  });

  it('refuses a bad --storage in one line on stderr, exit 2, before reading anything', () => {
    const bad = tune(['list', '--storage', 'mongodb://tune:hunter2@h/db']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr, /^tune: command line: --storage: must be sqlite:\/\/\/PATH or postgresql:.*"mongodb" in "mongodb:\/\/tune:\*\*\*@h\/db"/);
    const both = tune(['run', 'nothing.json', '--db', 'x.db', '--storage', 'sqlite:///y.db']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /^tune: command line: --storage: cannot be given with --db/);
  });
});

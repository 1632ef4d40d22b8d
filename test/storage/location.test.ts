import assert from 'node:assert/strict';
import { existsSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.js';
import { parseStorageArgument, sameStorage, type StorageLocation } from '../../src/storage/location.js';
import { tempDir } from '../helpers/tune.js';

const pg = (url: string): StorageLocation => ({ kind: 'postgresql', url });
const lite = (path: string): StorageLocation => ({ kind: 'sqlite', path });

describe('storages named as arguments (tune storage copy FROM TO)', () => {
  it('reads a URL as --storage does, and anything else as a SQLite file', () => {
    assert.deepEqual(parseStorageArgument('sqlite:///runs/t.db', 'FROM'), lite('runs/t.db'));
    assert.deepEqual(parseStorageArgument('postgres://u@h/d', 'TO'), pg('postgres://u@h/d'));
    assert.deepEqual(parseStorageArgument('runs/t.db', 'FROM'), lite('runs/t.db'));
    assert.deepEqual(parseStorageArgument('/abs/odd:name.db', 'FROM'), lite('/abs/odd:name.db'));
    assert.deepEqual(parseStorageArgument('c:name.db', 'FROM'), lite('c:name.db'), 'a colon without // is part of a file name');
  });

  it('refuses an empty argument, another scheme and sqlite:/// with no file, naming the argument', () => {
    const refused = (text: string, where: string, what: RegExp) =>
      assert.throws(
        () => parseStorageArgument(text, where),
        (err: unknown) => err instanceof InputError && err.file === 'command line' && err.where === where && what.test(err.what),
      );
    refused('', 'FROM', /^must name a storage .*got ""$/);
    refused('mysql://u@h/d', 'TO', /got the scheme "mysql"/);
    refused('sqlite:///', 'TO', /names no file after sqlite:\/\/\//);
  });

  it('knows one SQLite file under two spellings, and one database whoever logs in', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.db'), '');
    symlinkSync(join(dir, 'a.db'), join(dir, 'link.db'));
    const real = (p: string) => (existsSync(p) ? realpathSync(p) : resolve(p));
    assert.ok(sameStorage(lite(join(dir, 'a.db')), lite(join(dir, 'link.db')), real));
    assert.ok(!sameStorage(lite(join(dir, 'a.db')), lite(join(dir, 'b.db')), real));
    assert.ok(sameStorage(pg('postgresql://a@DB.lab/x'), pg('postgres://b:secret@db.lab:5432/x'), real));
    assert.ok(!sameStorage(pg('postgresql://a@db.lab/x'), pg('postgresql://a@db.lab:5433/x'), real));
    assert.ok(!sameStorage(pg('postgresql://a@db.lab/x'), pg('postgresql://a@db.lab/y'), real));
    assert.ok(!sameStorage(lite('x'), pg('postgresql://a@db.lab/x'), real));
  });
});

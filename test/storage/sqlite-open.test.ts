/**
 * How SqliteStorage opens a database it did not just create (issue 11.7): quick_check before
 * anything is written, the switch of a rollback-journal database to WAL mode while another
 * process holds it, and reading a WAL database where SQLite cannot keep its -shm file.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { InputError } from '../../src/errors.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { OPEN_BUSY_MS } from '../../src/storage/sqlite-open.js';
import { tempDir } from '../helpers/tune.js';

const digest = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A database with one study, one trial and a few epochs, closed (no -wal left). */
async function smallStudy(path: string): Promise<void> {
  const s = await SqliteStorage.open(path);
  const t = await s.createTrial((await s.openStudy('s', { a: 1 }, 'val_loss', 'min', false)).id, { u: 1 });
  for (let e = 1; e <= 5; e++) await s.recordEpoch(t.id, 1, e, { loss: 1 / e, accuracy: 0, val_loss: 1 / e, val_accuracy: 0 });
  await s.completeTrial(t.id, 0.2, 5, 1);
  await s.close();
}

async function inputError(fn: () => Promise<unknown>, where: string, what: RegExp): Promise<void> {
  await assert.rejects(fn, (err: unknown) => {
    assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
    assert.equal(err.where, where);
    assert.match(err.what, what);
    assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
    return true;
  });
}

describe('opening a database', () => {
  it('refuses, in one line and without writing it, a rollback-journal database whose b-tree page was overwritten', async () => {
    const path = join(tempDir(), 'broken.db');
    await smallStudy(path);
    const db = new Database(path);
    db.pragma('journal_mode = DELETE');
    const page = db.prepare(`SELECT rootpage FROM sqlite_master WHERE name = 'epochs'`).pluck().get() as number;
    const size = db.pragma('page_size', { simple: true }) as number;
    db.close();
    const bytes = readFileSync(path);
    bytes.fill(0x5a, (page - 1) * size + 8, (page - 1) * size + 64);
    writeFileSync(path, bytes);
    const before = digest(path);
    await inputError(async () => await SqliteStorage.open(path), 'database', /^fails SQLite's quick_check \([^*]\S/);
    await inputError(async () => await SqliteStorage.openReadOnly(path), 'database', /^fails SQLite's quick_check \([^*]\S/);
    assert.equal(digest(path), before, 'a refused database is left as it was (not switched to WAL mode)');
    assert.ok(!existsSync(`${path}-wal`));
  });

  it('waits for another process to let go of a rollback-journal database, then puts it in WAL mode', async () => {
    const path = join(tempDir(), 'held.db');
    await smallStudy(path);
    const raw = new Database(path);
    raw.pragma('journal_mode = DELETE');
    raw.close();
    // Another process holds a shared lock for longer than busy_timeout, which every other statement waits.
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
      import Database from 'better-sqlite3';
      const db = new Database(process.argv[1]);
      db.exec('BEGIN'); db.prepare('SELECT COUNT(*) FROM trials').get();
      console.log('locked');
      setTimeout(() => { db.exec('COMMIT'); db.close(); }, Number(process.argv[2]));`,
        path,
        String(OPEN_BUSY_MS + 1000),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], cwd: process.cwd() },
    );
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    const notes: string[] = [];
    const s = await SqliteStorage.open(path, { note: (line) => notes.push(line) });
    await s.close();
    await new Promise((resolve) => holder.once('exit', resolve));
    const db = new Database(path, { readonly: true });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
    assert.deepEqual(notes, []);
  });

  it('refuses in one line a database that another connection holds for longer than the wait, and leaves it in its mode', async () => {
    const path = join(tempDir(), 'busy.db');
    await smallStudy(path);
    const other = new Database(path);
    other.pragma('journal_mode = DELETE');
    other.exec('BEGIN');
    other.prepare('SELECT COUNT(*) FROM trials').get();
    try {
      await inputError(
        async () => await SqliteStorage.open(path, { walWaitMs: 200 }),
        'file',
        /^is held by another process for more than 0\.2 s \(database is locked\); tune run must put it in WAL mode$/,
      );
    } finally {
      other.exec('COMMIT');
    }
    assert.equal(other.pragma('journal_mode', { simple: true }), 'delete');
    other.close();
  });

  it('says in one note when SQLite cannot put a database in WAL mode (one in memory)', async () => {
    const notes: string[] = [];
    const s = await SqliteStorage.open(':memory:', { note: (line) => notes.push(line) });
    assert.equal((await s.listStudies()).length, 0);
    await s.close();
    assert.equal(notes.length, 1);
    assert.match(notes[0]!, /^:memory:: file: stays in memory journal mode, as SQLite cannot put it in WAL mode here/);
  });
});

const root = process.getuid?.() === 0;

describe('a WAL database on a read-only mount', () => {
  /** Runs `fn` on `dir` mounted read-only over itself. */
  async function readOnly(dir: string, fn: () => Promise<void>): Promise<void> {
    for (const args of [
      ['--bind', dir, dir],
      ['-o', 'remount,ro,bind', dir],
    ]) {
      const r = spawnSync('mount', args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`mount ${args.join(' ')} failed: ${r.stderr}`);
    }
    try {
      await fn();
    } finally {
      spawnSync('umount', [dir]);
    }
  }

  it('is read from a copy in memory, silently, and not refused by quick_check', async (t) => {
    if (!root) {
      process.stderr.write('storage: SKIPPED "a WAL database on a read-only mount": needs root to mount a filesystem\n');
      return t.skip('needs root to mount a filesystem');
    }
    const dir = join(tempDir(), 'ro');
    mkdirSync(dir);
    const path = join(dir, 'trials.db');
    await smallStudy(path);
    const before = digest(path);
    await readOnly(dir, async () => {
      await assert.rejects(async () => await SqliteStorage.open(path), /is read-only/);
      const notes: string[] = [];
      const s = await SqliteStorage.openReadOnly(path, (line) => notes.push(line));
      assert.deepEqual(
        (await s.listStudies()).map((x) => x.name),
        ['s'],
      );
      assert.equal((await s.epochs((await s.trials((await s.findStudy('s'))!.id))[0]!.id)).length, 5);
      await s.close();
      assert.deepEqual(notes, []);
    });
    assert.equal(digest(path), before);
  });

  it('is refused in one line when its -wal holds committed pages but it has no -shm', async (t) => {
    if (!root) {
      process.stderr.write('storage: SKIPPED "a WAL database on a read-only mount": needs root to mount a filesystem\n');
      return t.skip('needs root to mount a filesystem');
    }
    const dir = join(tempDir(), 'ro');
    mkdirSync(dir);
    const path = join(dir, 'trials.db');
    const s = await SqliteStorage.open(path);
    await s.openStudy('s', { a: 1 }, 'val_loss', 'min', false);
    // A copy taken while a writer had it open: the -wal holds the study, the -shm is gone.
    copyFileSync(path, join(dir, 'copy.db'));
    copyFileSync(`${path}-wal`, join(dir, 'copy.db-wal'));
    await s.close();
    rmSync(path);
    await readOnly(dir, async () => {
      await inputError(
        async () => await SqliteStorage.openReadOnly(join(dir, 'copy.db')),
        'file',
        /^has committed changes in .*copy\.db-wal that SQLite reads only with a -shm file/,
      );
    });
  });
});

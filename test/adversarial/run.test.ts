/**
 * Adversarial cases of `tune run` and of the databases it writes (issue 11: failures 4, 6 and
 * 7's database and data items): runs that no signal stopped, a closed stdout, a full disk, a
 * read-only mount, a rollback-journal database, a corrupt one, and data that a study forgot.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PYTHON } from '../helpers/python.js';
import { tinySpace, writeSpace, writeTinyData } from '../helpers/tiny-study.js';
import { ROOT, tune } from '../helpers/tune.js';
import { runCases, type Case } from './harness.js';

/**
 * The real study loop run past the space check (test/fixtures/invalid-trials-run.ts): the check
 * refuses every range that can build no model, so no space file reaches the invalid-trial loop.
 */
const INVALID_TRIALS_RUN = join(ROOT, 'dist', 'test', 'fixtures', 'invalid-trials-run.js');

/** Units drawn as a continuous float: only the ends 1 and 8 are whole, so almost no draw builds a model. */
function floatUnitsSpace(dir: string, tuner: Record<string, unknown>): string {
  const space = tinySpace(writeTinyData(dir), { max_trials: 1e12, epochs: 1, ...tuner });
  space['hyperparameters'] = [{ name: 'units', type: 'float', min: 1, max: 8 }];
  space['model'] = [
    { dense: '$units', activation: 'relu' },
    { dense: 1, activation: 'sigmoid' },
  ];
  return writeSpace(dir, space);
}

/** A finished tiny study in `dir` (trials.db beside its space file); returns the space file. */
function finishedStudy(dir: string, tuner: Record<string, unknown> = { max_trials: 2, epochs: 1 }, extra: string[] = []): string {
  const file = writeSpace(dir, tinySpace(writeTinyData(dir), tuner));
  const run = tune(['run', file, '--no-tui', '--workers', '1', ...extra], dir);
  assert.equal(run.code, 0, run.stderr);
  return file;
}

/** The data files that the database's study recorded, sorted. */
function recordedPaths(db: string): string[] {
  const handle = new Database(db, { readonly: true });
  try {
    return handle.prepare(`SELECT path FROM study_data ORDER BY path`).pluck().all() as string[];
  } finally {
    handle.close();
  }
}

function statuses(db: string): Record<string, number> {
  const handle = new Database(db, { readonly: true });
  try {
    const rows = handle.prepare(`SELECT status, COUNT(*) AS n FROM trials GROUP BY status`).all() as { status: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  } finally {
    handle.close();
  }
}

/** Sends `signal` once stdout shows `line`; the case's check reads how long the exit took. */
function signalAfter(line: RegExp, signal: NodeJS.Signals, sent: { at?: number }) {
  return (child: import('node:child_process').ChildProcess): void => {
    let seen = '';
    child.stdout!.on('data', (s: string) => {
      seen += s;
      if (sent.at === undefined && line.test(seen)) {
        sent.at = performance.now();
        child.kill(signal);
      }
    });
  };
}

function exitedWithin(sent: { at?: number }, ms: number): () => void {
  return () => {
    assert.ok(sent.at !== undefined, 'the signal was never sent');
    const took = performance.now() - sent.at;
    // The harness resolves one macrotask after the exit; the bound is the brief's 1 s.
    assert.ok(took < ms, `exited ${took.toFixed(0)} ms after the signal`);
  };
}

const root = (): string | undefined => (process.getuid?.() === 0 ? undefined : 'needs root to mount a filesystem');

/** Mounts `dir/name` as itself, read-only. */
function readOnlyMount(path: string): void {
  const bind = spawnSync('mount', ['--bind', path, path], { encoding: 'utf8' });
  if (bind.status !== 0) throw new Error(`mount --bind failed: ${bind.stderr}`);
  const ro = spawnSync('mount', ['-o', 'remount,ro,bind', path], { encoding: 'utf8' });
  if (ro.status !== 0) throw new Error(`remount ro failed: ${ro.stderr}`);
}

function unmount(path: string): void {
  spawnSync('umount', [path]);
}

const sigint = { at: undefined as number | undefined };
const sigterm = { at: undefined as number | undefined };
const sigintBig = { at: undefined as number | undefined };

const cases: Case[] = [
  {
    name: 'a range that builds almost no model stops after max_consecutive_invalid_trials and names it',
    script: INVALID_TRIALS_RUN,
    from: '11.4',
    quick: true,
    setup: (dir) => floatUnitsSpace(dir, {}),
    args: ['space.json'],
    exit: 2,
    stderr: /^tune: .*space\.json: hyperparameters\.units: .*100 consecutive trials.*cannot build a model/,
    changes: [/^trials\.db/],
    databases: ['trials.db'],
    check: (dir) => assert.deepEqual(statuses(join(dir, 'trials.db')), { invalid: 100 }),
    timeoutMs: 30_000,
  },
  {
    name: 'SIGINT stops a run that makes invalid trials within 1 s',
    script: INVALID_TRIALS_RUN,
    from: '11.4',
    quick: true,
    setup: (dir) => floatUnitsSpace(dir, { max_consecutive_invalid_trials: 1e9 }),
    args: ['space.json'],
    drive: signalAfter(/invalid/, 'SIGINT', sigint),
    exit: 130,
    stderr: /^tune: interrupted$/,
    changes: [/^trials\.db/],
    databases: ['trials.db'],
    check: exitedWithin(sigint, 1000),
    timeoutMs: 20_000,
  },
  {
    name: 'SIGTERM stops a run that makes invalid trials within 1 s',
    script: INVALID_TRIALS_RUN,
    from: '11.4',
    setup: (dir) => floatUnitsSpace(dir, { max_consecutive_invalid_trials: 1e9 }),
    args: ['space.json'],
    drive: signalAfter(/invalid/, 'SIGTERM', sigterm),
    exit: 130,
    stderr: /^tune: interrupted$/,
    changes: [/^trials\.db/],
    databases: ['trials.db'],
    check: exitedWithin(sigterm, 1000),
    timeoutMs: 20_000,
  },
  {
    name: 'max_trials 1e12 runs without a MaxListenersExceededWarning and stops on SIGINT',
    from: '11.7',
    setup: (dir) => {
      const space = tinySpace(writeTinyData(dir), { max_trials: 1e12, epochs: 1 });
      // A continuous rate: the space never runs out of values before the signal.
      (space['hyperparameters'] as Record<string, unknown>[])[1] = { name: 'dropout_rate', type: 'float', min: 0.1, max: 0.3 };
      return writeSpace(dir, space);
    },
    args: ['run', 'space.json', '--no-tui', '--workers', '2'],
    drive: signalAfter(/trial 30 complete/, 'SIGINT', sigintBig),
    exit: 130,
    stderr: /^tune: interrupted$/,
    changes: [/^trials\.db/],
    databases: ['trials.db'],
    timeoutMs: 60_000,
  },
  {
    name: 'a stdout closed after one line (| head -1) ends with exit 1, one line, no trial left running',
    from: '11.6',
    quick: true,
    setup: (dir) => writeSpace(dir, tinySpace(writeTinyData(dir), { max_trials: 6, epochs: 2 })),
    args: ['run', 'space.json', '--no-tui', '--workers', '1'],
    stdout: 'pipe-closed',
    exit: 1,
    stderr: /^tune: stdout: .*(EPIPE|closed)/,
    changes: [/^trials\.db/],
    databases: ['trials.db'],
    check: (dir) => assert.equal(statuses(join(dir, 'trials.db'))['running'], undefined),
  },
  {
    // tfjs's wasm glue, loaded on the main thread with --engine tfjs, rethrows from its own
    // uncaught-exception handler, which node answers with exit 7: the contract's exit must win.
    name: 'a stdout closed after one line with --engine tfjs ends with exit 1, never 7',
    from: '11.6',
    setup: (dir) => writeSpace(dir, tinySpace(writeTinyData(dir), { max_trials: 6, epochs: 2 })),
    args: ['run', 'space.json', '--no-tui', '--workers', '1', '--engine', 'tfjs'],
    stdout: 'pipe-closed',
    exit: 1,
    stderr: /^tune: stdout: .*(EPIPE|closed)/,
    changes: [/^trials\.db/],
    databases: ['trials.db'],
    check: (dir) => assert.equal(statuses(join(dir, 'trials.db'))['running'], undefined),
  },
  {
    name: 'a full disk under the database ends with exit 1 and one line naming it; the next run resumes',
    from: '11.6',
    unavailable: root,
    setup: (dir) => {
      writeSpace(dir, tinySpace(writeTinyData(dir), { max_trials: 400, epochs: 2 }));
      const disk = join(dir, 'disk');
      mkdirSync(disk);
      const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', disk], { encoding: 'utf8' });
      if (mount.status !== 0) throw new Error(`mount tmpfs failed: ${mount.stderr}`);
      // Leaves about 160 KiB: a few trials fit, then SQLite finds the disk full mid-study.
      writeFileSync(join(disk, 'filler'), Buffer.alloc(2 * 1024 * 1024 - 160 * 1024));
      return disk;
    },
    args: ['run', 'space.json', '--no-tui', '--workers', '1', '--db', 'disk/trials.db'],
    exit: 1,
    stderr: /^tune: .*disk\/trials\.db: .*(full|ENOSPC)/,
    changes: [/^disk\/trials\.db/],
    check: (dir) => {
      spawnSync('rm', [join(dir, 'disk', 'filler')]);
      const again = tune(['run', 'space.json', '--no-tui', '--workers', '1', '--db', 'disk/trials.db', '--max-trials', '4'], dir);
      assert.equal(again.code, 0, again.stderr);
      const s = statuses(join(dir, 'disk', 'trials.db'));
      assert.equal(s['running'], undefined, JSON.stringify(s));
      assert.equal(s['interrupted'], undefined, JSON.stringify(s));
    },
    teardown: (dir) => unmount(join(dir, 'disk')),
    timeoutMs: 120_000,
  },
  {
    // The kernel answers EIO to a read of /proc/self/mem at offset 0 (no page is mapped there):
    // a real I/O error on a path, where no faulty disk can be had.
    name: 'a space file whose read fails with EIO ends with exit 1 and one line naming it',
    from: '11.6',
    quick: true,
    setup: () => undefined,
    args: ['run', '/proc/self/mem', '--no-tui'],
    exit: 1,
    stderr: /^tune: \/proc\/self\/mem: .*EIO/,
  },
  ...(['list', 'show', 'best'] as const).map((command): Case => ({
    name: `${command} reads a database on a read-only mount`,
    from: '11.7',
    quick: command === 'list',
    unavailable: root,
    setup: (dir) => {
      mkdirSync(join(dir, 'ro'));
      finishedStudy(dir, { max_trials: 2, epochs: 1 }, ['--db', 'ro/trials.db']);
      readOnlyMount(join(dir, 'ro'));
    },
    args:
      command === 'show'
        ? ['show', '1', '--db', 'ro/trials.db']
        : command === 'best'
          ? ['best', '--db', 'ro/trials.db', '--export', 'out/model.json']
          : ['list', '--db', 'ro/trials.db'],
    exit: 0,
    changes: command === 'best' ? ['out'] : [],
    check: (dir, outcome) => {
      assert.equal(outcome.stderr, '');
      if (command === 'best') assert.ok(statSync(join(dir, 'out', 'model.json')).size > 0);
      else assert.match(outcome.stdout, /trial/);
    },
    teardown: (dir) => unmount(join(dir, 'ro')),
  })),
  {
    name: 'a rollback-journal database that another process reads for 8 s is waited for and put in WAL mode',
    from: '11.7',
    setup: (dir) => {
      finishedStudy(dir);
      const db = new Database(join(dir, 'trials.db'));
      db.pragma('journal_mode = DELETE');
      db.close();
      // A reader holding its shared lock, as a backup tool or sqlite3 shell would.
      const reader = spawn(
        PYTHON,
        [
          '-c',
          `import sqlite3, time, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute('BEGIN')
c.execute('SELECT COUNT(*) FROM trials').fetchall()
print('locked', flush=True)
time.sleep(8)
c.execute('COMMIT')`,
          join(dir, 'trials.db'),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      return new Promise((resolve) => reader.stdout.once('data', () => resolve(reader)));
    },
    args: ['run', 'space.json', '--no-tui', '--workers', '1', '--max-trials', '3'],
    exit: 0,
    changes: [/^trials\.db/],
    databases: ['trials.db'],
    check: (dir) => {
      const db = new Database(join(dir, 'trials.db'), { readonly: true });
      try {
        assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      } finally {
        db.close();
      }
      assert.equal(statuses(join(dir, 'trials.db'))['complete'], 3);
    },
    timeoutMs: 90_000,
  },
  ...(['list', 'show', 'best'] as const).map((command): Case => ({
    name: `${command} refuses a database that fails quick_check in one line`,
    from: '11.7',
    quick: command === 'list',
    setup: (dir) => {
      finishedStudy(dir);
      const path = join(dir, 'trials.db');
      const db = new Database(path);
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.pragma('journal_mode = DELETE');
      // The page of the epochs table's b-tree: its rows are still read, but its structure is broken.
      const page = db.prepare(`SELECT rootpage FROM sqlite_master WHERE name = 'epochs'`).pluck().get() as number;
      const size = db.pragma('page_size', { simple: true }) as number;
      db.close();
      const bytes = readFileSync(path);
      bytes.fill(0x5a, (page - 1) * size + 8, (page - 1) * size + 64);
      writeFileSync(path, bytes);
    },
    args: command === 'show' ? ['show', '1'] : command === 'best' ? ['best', '--export', 'out/model.json'] : ['list'],
    exit: 2,
    stderr: /^tune: .*trials\.db: database: fails SQLite's quick_check \(\S/,
  })),
  {
    name: "best tests on the data the study ran on with --data, not the space file's",
    from: '11.7',
    quick: true,
    setup: (dir) => {
      // The space file names 16-wide data; the study runs on 24-wide data in other/.
      const file = writeSpace(dir, tinySpace(writeTinyData(dir), { max_trials: 2, epochs: 1 }));
      mkdirSync(join(dir, 'other'));
      writeTinyData(join(dir, 'other'), { dim: 24 });
      const run = tune(['run', file, '--no-tui', '--workers', '1', '--data', 'other'], dir);
      assert.equal(run.code, 0, run.stderr);
    },
    args: ['best', '--json'],
    exit: 0,
    check: (_dir, outcome) => {
      assert.equal(outcome.stderr, '');
      assert.equal((JSON.parse(outcome.stdout) as { test: { rows: number } }).test.rows, 34);
    },
  },
  {
    name: 'best says in one line that the test split changed since the study ran',
    from: '11.7',
    setup: (dir) => {
      finishedStudy(dir);
      // The same train and valid bytes (one seed, written first); a test split of other rows.
      writeTinyData(dir, { rows: { train: 96, valid: 34, test: 40 } });
    },
    args: ['best'],
    exit: 2,
    stderr: /^tune: .*test\.hdf5: file: .*changed since study "tiny" ran on it/,
  },
  {
    name: 'run resumes a --data study on its recorded data, and refuses data that changed',
    from: '11.7',
    setup: (dir) => {
      const file = writeSpace(dir, tinySpace(writeTinyData(dir), { max_trials: 2, epochs: 1 }));
      mkdirSync(join(dir, 'other'));
      writeTinyData(join(dir, 'other'), { dim: 24 });
      const run = tune(['run', file, '--no-tui', '--workers', '1', '--data', 'other'], dir);
      assert.equal(run.code, 0, run.stderr);
      writeTinyData(join(dir, 'other'), { dim: 24, rows: { train: 90, valid: 34, test: 34 } });
    },
    args: ['run', 'space.json', '--no-tui', '--max-trials', '3'],
    exit: 2,
    stderr: /^tune: .*other\/train\.hdf5: file: .*changed since study "tiny" ran on it/,
  },
  {
    name: 'run refuses --data naming other bytes than the study ran on, in one line, and leaves the database as it was',
    from: '11.new',
    quick: true,
    setup: (dir) => {
      finishedStudy(dir);
      mkdirSync(join(dir, 'other'));
      writeTinyData(join(dir, 'other'), { rows: { train: 90, valid: 34, test: 34 } });
    },
    args: ['run', 'space.json', '--no-tui', '--workers', '1', '--max-trials', '3', '--data', 'other'],
    exit: 2,
    stderr:
      /^tune: .*other\/train\.hdf5: file: is not the data that study "tiny" ran on \(.*\/train\.hdf5, sha256 [0-9a-f]{8} -> [0-9a-f]{8}\); pass --overwrite/,
  },
  {
    name: 'run --overwrite starts a study over on the data it names when that differs from the record',
    from: '11.new',
    setup: (dir) => {
      finishedStudy(dir);
      mkdirSync(join(dir, 'other'));
      writeTinyData(join(dir, 'other'), { dim: 24 });
    },
    args: ['run', 'space.json', '--no-tui', '--workers', '1', '--max-trials', '1', '--data', 'other', '--overwrite'],
    exit: 0,
    changes: [/^trials\.db/],
    databases: ['trials.db'],
    check: (dir) => {
      assert.deepEqual(statuses(join(dir, 'trials.db')), { complete: 1 }, 'the old trials are gone');
      assert.deepEqual(
        recordedPaths(join(dir, 'trials.db')),
        ['other/test.hdf5', 'other/train.hdf5', 'other/valid.hdf5'].map((p) => join(dir, p)),
      );
    },
  },
  {
    name: 'run resumes on the same bytes moved to another folder with --data, and records where they are now',
    from: '11.new',
    setup: (dir) => {
      mkdirSync(join(dir, 'a'));
      const file = writeSpace(dir, tinySpace(writeTinyData(join(dir, 'a')), { max_trials: 2, epochs: 1 }));
      assert.equal(tune(['run', file, '--no-tui', '--workers', '1'], dir).code, 0);
      renameSync(join(dir, 'a'), join(dir, 'b'));
    },
    args: ['run', 'space.json', '--no-tui', '--workers', '1', '--max-trials', '3', '--data', 'b'],
    exit: 0,
    changes: [/^trials\.db/],
    databases: ['trials.db'],
    check: (dir, outcome) => {
      assert.equal(outcome.stderr, '');
      assert.deepEqual(statuses(join(dir, 'trials.db')), { complete: 3 });
      assert.deepEqual(
        recordedPaths(join(dir, 'trials.db')),
        ['b/test.hdf5', 'b/train.hdf5', 'b/valid.hdf5'].map((p) => join(dir, p)),
      );
      // The next command finds the data where it is now, with no --data.
      const best = tune(['best', '--json'], dir);
      assert.equal(best.code, 0, best.stderr);
    },
  },
  {
    name: 'best refuses a recorded test split that no longer exists, in one line',
    from: '11.new',
    setup: (dir) => {
      finishedStudy(dir);
      rmSync(join(dir, 'test.hdf5'));
    },
    args: ['best'],
    exit: 2,
    stderr: /^tune: .*test\.hdf5: file: no longer exists; study "tiny" ran on it \(pass --data DIR/,
  },
  {
    name: "best on a study from schema version 2 (no data record) tests on the space file's data and says nothing",
    from: '11.new',
    setup: (dir) => {
      finishedStudy(dir);
      const db = new Database(join(dir, 'trials.db'));
      db.exec(`DROP TABLE study_data; DROP TABLE study_folds; DROP TABLE fold_scores; UPDATE tune_meta SET value = '2' WHERE key = 'schema_version'`);
      db.close();
    },
    args: ['best', '--json'],
    exit: 0,
    changes: [/^trials\.db/],
    databases: ['trials.db'],
    check: (dir, outcome) => {
      assert.equal(outcome.stderr, '');
      assert.equal((JSON.parse(outcome.stdout) as { test: { rows: number } }).test.rows, 34);
      assert.deepEqual(recordedPaths(join(dir, 'trials.db')), [], 'migrated to version 3, without a record');
    },
  },
];

runCases('running a study', cases);

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { join } from 'node:path';
import { tinySpace, writeSpace, writeTinyData } from '../helpers/tiny-study.js';
import Database from 'better-sqlite3';
import { python } from '../helpers/python.js';
import { SCHEMA_VERSION } from '../../src/storage/sqlite.js';
import { TUNE, tempDir, tune } from '../helpers/tune.js';

/** Every file under `dir` with a hash of its bytes: "nothing written" means this is unchanged. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) Object.entries(snapshot(path)).forEach(([k, v]) => (out[`${name}/${k}`] = v));
    else out[name] = createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  return out;
}

/**
 * `d/bad` holds good valid and test splits beside a train split that `body` writes with h5py
 * (or `raw` bytes); returns the arguments of a run on it.
 */
function badTrain(d: string, body: string | { raw: Buffer | string } | { truncate: true }): string[] {
  const bad = join(d, 'bad');
  mkdirSync(bad);
  for (const split of ['train', 'valid', 'test']) copyFileSync(join(d, 'data', `${split}.hdf5`), join(bad, `${split}.hdf5`));
  const train = join(bad, 'train.hdf5');
  if (typeof body === 'string') python(`f = h5py.File(sys.argv[1], 'w')\n${body}\nf.close()`, [train]);
  else if ('raw' in body) writeFileSync(train, body.raw);
  else truncateSync(train, Math.floor(statSync(train).size / 2));
  return ['run', space(d), '--data', bad];
}

/** A copy of the finished study's database in `d`, changed by `edit` (raw SQL, as another program). */
function editedDb(d: string, done: string, edit: (db: Database.Database) => void): string {
  const path = join(d, 'copy.db');
  copyFileSync(join(done, 'trials.db'), path);
  const db = new Database(path);
  edit(db);
  db.close();
  return path;
}

interface Case {
  name: string;
  /** Prepares the case in `d` (with tiny data in `d/data` and a finished study in `d/done`); returns the arguments. */
  args: (d: string) => string[];
  stderr: RegExp;
}

const space = (d: string, edit: (s: Record<string, unknown>) => void = () => undefined): string => {
  const s = tinySpace(join(d, 'data'), { max_trials: 1, epochs: 1 });
  edit(s);
  return writeSpace(d, s, 'bad-space.json');
};

describe('tune run, best, show and predict on bad input', () => {
  let done: string;
  before(() => {
    done = tempDir();
    const s = writeSpace(done, tinySpace(writeTinyData(done), { max_trials: 1, epochs: 1 }));
    assert.equal(tune(['run', s], done).code, 0);
  });

  const cases: Case[] = [
    { name: 'an unknown command', args: () => ['tuner'], stderr: /^tune: command line: unknown command 'tuner'/ },
    { name: 'an unknown flag', args: (d) => ['run', space(d), '--fast'], stderr: /^tune: command line: unknown option '--fast'/ },
    { name: 'a missing space file', args: (d) => ['run', join(d, 'nope.json')], stderr: /nope\.json: file: does not exist$/ },
    {
      name: 'an empty space file',
      args: (d) => (writeFileSync(join(d, 'e.json'), ''), ['run', join(d, 'e.json')]),
      stderr: /e\.json: file: is empty; expected a JSON space file$/,
    },
    {
      name: 'a space file that is not JSON',
      args: (d) => (writeFileSync(join(d, 'j.json'), '{"name": "x",'), ['run', join(d, 'j.json')]),
      stderr: /j\.json: file: is not JSON \(/,
    },
    {
      name: 'a condition on an unknown hyperparameter',
      args: (d) => ['run', space(d, (s) => ((s['hyperparameters'] as { when?: unknown }[])[2]!.when = { first_dens: [8] }))],
      stderr: /bad-space\.json: hyperparameters\[2\]\.when\.first_dens: unknown hyperparameter "first_dens"$/,
    },
    {
      name: 'a layer using a conditional value without "if"',
      args: (d) => ['run', space(d, (s) => delete (s['model'] as { if?: string }[])[2]!.if)],
      stderr: /bad-space\.json: model\[2\]: uses \$extra_dense, which is inactive when \{"first_dense":2,"dropout_rate":0\.1\}; add "if"/,
    },
    {
      name: 'a float without max',
      args: (d) => ['run', space(d, (s) => delete (s['hyperparameters'] as { max?: number }[])[1]!.max)],
      stderr: /bad-space\.json: hyperparameters\[1\]\.max: must be a number, got undefined$/,
    },
    {
      name: 'a data path that does not exist',
      args: (d) => ['run', space(d), '--data', join(d, 'nowhere')],
      stderr: /nowhere\/train\.hdf5: file: does not exist$/,
    },
    {
      name: 'splits of different widths',
      args: (d) => (writeTinyData(join(d, 'data'), { validDim: 17 }), ['run', space(d)]),
      stderr: /data\/valid\.hdf5: \/data: has 17 features per row, but .*train\.hdf5 has 16$/,
    },
    {
      name: 'labels outside the classes',
      args: (d) => (writeTinyData(join(d, 'data'), { maxLabel: 2 }), ['run', space(d)]),
      stderr: /train\.hdf5: \/labels\[2\]: label must be 0\.\.1 \(2 classes\), got 2$/,
    },
    {
      name: 'an output layer that does not fit the classes',
      args: (d) => ['run', space(d, (s) => ((s['model'] as { dense?: number }[])[3]!.dense = 2))],
      stderr: /bad-space\.json: model\[3\]: with binary_crossentropy the output must be \{"dense": 1, "activation": "sigmoid"\}/,
    },
    {
      name: 'best on a database that does not exist',
      args: (d) => ['best', '--db', join(d, 'none.db')],
      stderr: /none\.db: file: does not exist; run `tune run SPACE\.json` first/,
    },
    {
      name: 'best on a file that is not a database',
      args: (d) => (writeFileSync(join(d, 'x.db'), 'hello'), ['best', '--db', join(d, 'x.db')]),
      stderr: /x\.db: file: is not an SQLite database/,
    },
    {
      name: 'an unknown study',
      args: () => ['list', '--db', join(done, 'trials.db'), '--study', 'gender'],
      stderr: /trials\.db: study "gender": does not exist \(studies: tiny\)$/,
    },
    {
      name: 'an unknown trial number',
      args: () => ['show', '7', '--db', join(done, 'trials.db')],
      stderr: /trials\.db: trial 7: does not exist in study "tiny" \(it has 1 trials\)$/,
    },
    {
      name: 'a trial number that is not a number',
      args: () => ['show', 'x', '--db', join(done, 'trials.db')],
      stderr: /^tune: command line: trial number: must be a whole number 1 or more, got "x"$/,
    },
    {
      name: '--export to a place that cannot be written',
      args: (d) => (writeFileSync(join(d, 'file'), 'x'), ['best', '--db', join(done, 'trials.db'), '--export', join(d, 'file', 'model.json')]),
      stderr: /file\/model\.json: file: cannot be written/,
    },
    { name: 'an HDF5 file that is empty', args: (d) => badTrain(d, { raw: '' }), stderr: /bad\/train\.hdf5: file: is empty \(0 bytes\)$/ },
    {
      name: 'an HDF5 file cut short',
      args: (d) => badTrain(d, { truncate: true }),
      stderr: /bad\/train\.hdf5: file: is truncated: \d+ bytes, but its HDF5 superblock records \d+ \(\d+ bytes missing\)$/,
    },
    {
      name: 'a file that is not HDF5',
      args: (d) => badTrain(d, { raw: 'data,labels\n1,0\n' }),
      stderr: /bad\/train\.hdf5: file: is not a readable HDF5 file \(file signature not found\)$/,
    },
    {
      name: 'an HDF5 file without data',
      args: (d) => badTrain(d, `f['labels'] = np.zeros(3, np.int64)`),
      stderr: /bad\/train\.hdf5: \/data: dataset is missing/,
    },
    {
      name: 'an HDF5 file without labels',
      args: (d) => badTrain(d, `f['data'] = np.zeros((3, 16), np.float32)`),
      stderr: /bad\/train\.hdf5: \/labels: dataset is missing/,
    },
    {
      name: 'features of rank 3',
      args: (d) => badTrain(d, `f['data'] = np.zeros((3, 4, 4), np.float32)\nf['labels'] = np.zeros(3, np.int64)`),
      stderr: /\/data: must have rank 2 \(rows, features\), got shape \[3, 4, 4\]$/,
    },
    {
      name: 'float128 features',
      args: (d) => badTrain(d, `f['data'] = np.zeros((3, 16), np.longdouble)\nf['labels'] = np.zeros(3, np.int64)`),
      stderr: /\/data: must be float16, float32, float64 or integers, got float128$/,
    },
    {
      name: 'row counts that differ',
      args: (d) => badTrain(d, `f['data'] = np.zeros((3, 16), np.float32)\nf['labels'] = np.zeros(4, np.int64)`),
      stderr: /\/labels: has 4 rows, but \/data has 3$/,
    },
    {
      name: 'a NaN feature',
      args: (d) => badTrain(d, `x = np.zeros((3, 16), np.float32); x[1, 5] = np.nan\nf['data'] = x\nf['labels'] = np.zeros(3, np.int64)`),
      stderr: /\/data\[1, 5\]: feature is NaN$/,
    },
    {
      name: 'an infinite feature',
      args: (d) => badTrain(d, `x = np.zeros((3, 16), np.float32); x[2, 0] = np.inf\nf['data'] = x\nf['labels'] = np.zeros(3, np.int64)`),
      stderr: /\/data\[2, 0\]: feature is \+infinite$/,
    },
    {
      name: 'a database that is not SQLite',
      args: (d) => (writeFileSync(join(d, 'x.db'), 'not a database at all, just text\n'.repeat(40)), ['run', space(d), '--db', join(d, 'x.db')]),
      stderr: /x\.db: file: is not an SQLite database/,
    },
    {
      name: 'a corrupt database',
      args: (d) => {
        const path = join(d, 'corrupt.db');
        const bytes = readFileSync(join(done, 'trials.db'));
        bytes.fill(0x5a, 100, bytes.length);
        writeFileSync(path, bytes);
        return ['list', '--db', path];
      },
      stderr: /corrupt\.db: file: (is not an SQLite database|is corrupt|cannot be opened)/,
    },
    {
      name: 'a database of a newer tune',
      args: (d) => ['run', space(d), '--db', editedDb(d, done, (db) => db.exec(`UPDATE tune_meta SET value = '99' WHERE key = 'schema_version'`))],
      stderr: new RegExp(`copy\\.db: schema: was written by a newer tune \\(schema version 99, this one reads up to ${SCHEMA_VERSION}\\)$`),
    },
    {
      name: 'a database of another program',
      args: (d) => ['best', '--db', editedDb(d, done, (db) => db.exec(`DROP TABLE tune_meta`))],
      stderr: /copy\.db: file: is an SQLite database but not one of tune's$/,
    },
    {
      name: 'predict with a model that does not exist',
      args: (d) => ['predict', join(d, 'a.png'), '--model', join(d, 'm.json')],
      stderr: /m\.json: file: does not exist$/,
    },
  ];

  for (const c of cases) {
    it(`${c.name}: one line, exit 2, nothing written`, () => {
      const d = tempDir();
      mkdirSync(join(d, 'data'));
      writeTinyData(join(d, 'data'));
      const args = c.args(d);
      const before = snapshot(d);
      const doneBefore = snapshot(done);
      const run = tune(args, d);
      assert.equal(run.code, 2, `exit ${run.code}: ${run.stderr}`);
      const lines = run.stderr.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, /^tune: /);
      assert.match(lines[0]!, c.stderr);
      assert.deepEqual(snapshot(d), before, 'no file written or changed (no trials.db either)');
      assert.deepEqual(snapshot(done), doneBefore);
    });
  }
});

describe('a read-only database', () => {
  /**
   * Runs tune as a user who may read but not write a file of mode 444. Root may write any file,
   * so as root tune runs without the capabilities that let it ignore file modes: still root,
   * it reads every folder it could before, wherever the repository is cloned (a user such as
   * nobody could not read a clone under mktemp -d's folders, mode 700).
   */
  function asReader(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
    const dropped = '-dac_override,-dac_read_search';
    const command =
      process.getuid?.() === 0
        ? (['setpriv', [`--bounding-set=${dropped}`, `--inh-caps=${dropped}`, '--', process.execPath, TUNE, ...args]] as const)
        : ([process.execPath, [TUNE, ...args]] as const);
    const run = spawnSync(command[0], [...command[1]], { cwd, encoding: 'utf8' });
    assert.equal(run.error, undefined, `${command[0]} could not be started (util-linux has setpriv): ${run.error?.message}`);
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  it('is refused by tune run with one line and left as it was, and still read by list, show and best', () => {
    const dir = tempDir();
    const file = writeSpace(dir, tinySpace(writeTinyData(dir), { max_trials: 1, epochs: 1 }));
    assert.equal(tune(['run', file], dir).code, 0);
    const db = join(dir, 'trials.db');
    // The folder stays writable (SQLite keeps its -shm file there); the database file does not.
    chmodSync(db, 0o444);
    const before = createHash('sha256').update(readFileSync(db)).digest('hex');
    const run = asReader(['run', file, '--db', db, '--max-trials', '2'], dir);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^tune: .*trials\.db: file: is read-only \(attempt to write a readonly database\); tune run needs to write it\n$/);
    const list = asReader(['list', '--db', db], dir);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^study tiny: 1 trials/);
    assert.equal(asReader(['show', '1', '--db', db], dir).code, 0);
    assert.equal(asReader(['best', '--db', db], dir).code, 0);
    assert.equal(createHash('sha256').update(readFileSync(db)).digest('hex'), before);
  });
});

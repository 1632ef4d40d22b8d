import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, it } from 'node:test';
import { tinySpace, writeSpace, writeTinyData } from '../helpers/tiny-study.js';
import { tempDir, trialsOf, tune } from '../helpers/tune.js';

/** The values as plain objects in key order, so that deepEqual compares what a trial holds. */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

describe('tune enqueue and the tuner section enqueue (tiny study, real HDF5 and SQLite files)', () => {
  it('runs the enqueued value sets first, as trials 1..k with exactly those values, then asks the oracle', () => {
    const dir = tempDir();
    const space = writeSpace(dir, tinySpace(writeTinyData(dir), { max_trials: 4 }));
    writeFileSync(join(dir, 'more.jsonl'), '{"first_dense": 8, "dropout_rate": 0.1, "extra_dense_layer": true, "extra_dense": 4}\n\n');
    const q = tune(['enqueue', space, '{"first_dense": 4, "dropout_rate": 0.3}', '{"first_dense": 2, "dropout_rate": 0.2}', '--file', 'more.jsonl'], dir);
    assert.equal(q.code, 0, q.stderr);
    assert.deepEqual(q.stdout.trim().split('\n'), [
      'queued trial 1: first_dense=4 dropout_rate=0.3',
      'queued trial 2: first_dense=2 dropout_rate=0.2',
      'queued trial 3: first_dense=8 dropout_rate=0.1 extra_dense_layer=true extra_dense=4',
    ]);
    assert.deepEqual(
      trialsOf(dir).map((t) => [t.number, t.status, t.attempt]),
      [
        [1, 'waiting', 0],
        [2, 'waiting', 0],
        [3, 'waiting', 0],
      ],
    );
    // The same set again is skipped, so that enqueueing a file twice queues nothing new.
    const again = tune(['enqueue', space, '{"dropout_rate": 0.2, "first_dense": 2}'], dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /skipped .*: trial 2 has these values already/);
    assert.equal(trialsOf(dir).length, 3);

    const run = tune(['run', space, '--workers', '1', '--pack', '1'], dir);
    assert.equal(run.code, 0, run.stderr);
    const started = [...run.stdout.matchAll(/^trial (\d+) started (.*)$/gm)].map((m) => [Number(m[1]), m[2]]);
    assert.deepEqual(started.slice(0, 3), [
      [1, 'first_dense=4 dropout_rate=0.3'],
      [2, 'first_dense=2 dropout_rate=0.2'],
      [3, 'first_dense=8 dropout_rate=0.1 extra_dense_layer=true extra_dense=4'],
    ]);
    const trials = trialsOf(dir);
    assert.deepEqual(
      trials.map((t) => [t.number, t.status, t.attempt]),
      [
        [1, 'complete', 1],
        [2, 'complete', 1],
        [3, 'complete', 1],
        [4, 'complete', 1],
      ],
    );
    assert.deepEqual(plain(trials[0]!.values), { first_dense: 4, dropout_rate: 0.3 });
    assert.deepEqual(plain(trials[2]!.values), { first_dense: 8, dropout_rate: 0.1, extra_dense_layer: true, extra_dense: 4 });
    // The enqueueing created the study without its data; the run recorded the files it read.
    const db = new Database(join(dir, 'trials.db'), { readonly: true });
    try {
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM study_data').get() as { n: number }).n, 3, 'train, valid and test');
    } finally {
      db.close();
    }
  });

  it('fills an active hyperparameter left out with its default', () => {
    const dir = tempDir();
    const space = writeSpace(dir, tinySpace(writeTinyData(dir)));
    assert.equal(tune(['enqueue', space, '{"first_dense": 8}'], dir).code, 0);
    assert.deepEqual(plain(trialsOf(dir)[0]!.values), { first_dense: 8, dropout_rate: 0.1, extra_dense_layer: false });
  });

  it('refuses an unknown name, a value out of range, an inactive value or bad JSON with one line and exit 2, writing nothing', () => {
    const dir = tempDir();
    const space = writeSpace(dir, tinySpace(writeTinyData(dir)));
    const cases: [string[], RegExp][] = [
      [['{"first_dense": 4, "units": 3}'], /^tune: command line: values\[0\]\.units: is not a hyperparameter of the space \(names: first_dense, /],
      [['{"first_dense": 4}', '{"first_dense": 16}'], /^tune: command line: values\[1\]\.first_dense: must be one of \[2,4,8\], got 16\n$/],
      [['{"dropout_rate": 0.35}'], /^tune: command line: values\[0\]\.dropout_rate: must be one of \[0\.1,0\.2,0\.3\], got 0\.35\n$/],
      [
        ['{"first_dense": 4, "extra_dense_layer": true}'],
        /^tune: command line: values\[0\]\.extra_dense_layer: is inactive for these values \(it needs first_dense in \[8\]\), got true\n$/,
      ],
      [['{"first_dense": 4'], /^tune: command line: values\[0\]: is not JSON/],
      [['[4]'], /^tune: command line: values\[0\]: must be an object of hyperparameter values, got \[4\]\n$/],
      [[], /^tune: command line: values: give at least one value set, or --file values\.jsonl\n$/],
    ];
    for (const [args, message] of cases) {
      const r = tune(['enqueue', space, ...args], dir);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(existsSync(join(dir, 'trials.db')), false, 'no database is created for refused values');
    }
    writeFileSync(join(dir, 'bad.jsonl'), '{"first_dense": 4}\n{"first_dense": 3}\n');
    const r = tune(['enqueue', space, '{"first_dense": 2}', '--file', 'bad.jsonl'], dir);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'tune: bad.jsonl: line 2.first_dense: must be one of [2,4,8], got 3\n');
    assert.equal(existsSync(join(dir, 'trials.db')), false, 'one bad line queues none of the sets');
  });

  it("queues the tuner section's enqueue when the study is created, and not on a resume", () => {
    const dir = tempDir();
    const enqueue = [
      { first_dense: 2, dropout_rate: 0.3 },
      { first_dense: 8, dropout_rate: 0.2, extra_dense_layer: false },
    ];
    const space = writeSpace(dir, tinySpace(writeTinyData(dir), { max_trials: 3, enqueue }));
    const run = tune(['run', space, '--workers', '1', '--pack', '1'], dir);
    assert.equal(run.code, 0, run.stderr);
    const trials = trialsOf(dir);
    assert.deepEqual(trials.map((t) => plain(t.values)).slice(0, 2), enqueue);
    assert.equal(trials.length, 3);
    const resumed = tune(['run', space, '--max-trials', '4', '--workers', '1'], dir);
    assert.equal(resumed.code, 0, resumed.stderr);
    const after = trialsOf(dir);
    assert.equal(after.length, 4, 'the resume queues nothing again');
    assert.equal(after.filter((t) => JSON.stringify(t.values) === JSON.stringify(enqueue[0])).length, 1);
  });

  it("refuses a tuner section's enqueue that the space does not allow, naming its place", () => {
    const dir = tempDir();
    const space = writeSpace(dir, tinySpace(writeTinyData(dir), { enqueue: [{ first_dense: 2 }, { first_dense: 2, extra_dense: 4 }] }));
    const r = tune(['space', 'check', space], dir);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `tune: ${space}: tuner.enqueue[1].extra_dense: is inactive for these values (it needs extra_dense_layer in [true]), got 4\n`);
  });
});

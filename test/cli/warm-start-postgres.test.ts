import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { dropTestDatabases, freshDatabase } from '../helpers/postgres.js';
import { tinySpace, writeSpace, writeTinyData } from '../helpers/tiny-study.js';
import { tempDir, tune } from '../helpers/tune.js';

describe('tune enqueue, tune add and --timeout on PostgreSQL storage', () => {
  after(() => dropTestDatabases());

  it('runs the enqueued sets first after an added result, as on SQLite', async () => {
    const dir = tempDir();
    const url = await freshDatabase();
    const space = writeSpace(dir, tinySpace(writeTinyData(dir), { max_trials: 4 }));
    const added = tune(['add', space, '--storage', url, '--values', '{"first_dense": 2, "dropout_rate": 0.1}', '--score', '0.75'], dir);
    assert.equal(added.code, 0, added.stderr);
    const queued = tune(['enqueue', space, '--storage', url, '{"first_dense": 4, "dropout_rate": 0.3}', '{"first_dense": 2, "dropout_rate": 0.1}'], dir);
    assert.equal(queued.code, 0, queued.stderr);
    assert.equal(queued.stdout, 'queued trial 2: first_dense=4 dropout_rate=0.3\n');
    assert.match(queued.stderr, /trial 1 has these values already/);
    const run = tune(['run', space, '--storage', url, '--workers', '1', '--pack', '1', '--timeout', '1h', '--json'], dir);
    assert.equal(run.code, 0, run.stderr);
    const trials = tune(['list', '--storage', url, '--json'], dir)
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { number: number; status: string; values: Record<string, unknown>; score: number; attempt: number });
    assert.deepEqual(
      trials.map((t) => [t.number, t.status, t.attempt]),
      [
        [1, 'complete', 0],
        [2, 'complete', 1],
        [3, 'complete', 1],
        [4, 'complete', 1],
      ],
    );
    assert.equal(trials[0]!.score, 0.75);
    assert.deepEqual(trials[1]!.values, { first_dense: 4, dropout_rate: 0.3 });
  });
});

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readFeatures } from '../../src/data/read-features.js';
import { extractImageFeatures } from '../helpers/image-features.js';
import { dropTestDatabases, freshDatabase } from '../helpers/postgres.js';
import { tinySpace, writeSpace } from '../helpers/tiny-study.js';
import { tempDir, tune } from '../helpers/tune.js';

interface TrialLine {
  number: number;
  status: string;
  values: Record<string, unknown>;
  score: number | null;
  bestEpoch: number | null;
}

/** What two storages must agree on about a trial (ids, owners and times are each storage's own). */
const essence = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as TrialLine)
    .map(({ number, status, values, score, bestEpoch }) => ({ number, status, values, score, bestEpoch }));

describe('every command on PostgreSQL storage', () => {
  let dir: string;
  let url: string;
  let space: string;

  before(async () => {
    dir = tempDir();
    url = await freshDatabase();
    await extractImageFeatures(dir);
    space = writeSpace(dir, tinySpace(dir, { max_trials: 3, epochs: 3 }));
  });
  after(() => dropTestDatabases());

  it('runs, lists, shows, exports and predicts exactly as on SQLite', async () => {
    const db = join(dir, 'trials.db');
    // One worker, so that both runs train the same trials in the same order with the same seeds.
    for (const storage of [`sqlite:///${db}`, url]) {
      const run = tune(['run', space, '--storage', storage, '--workers', '1', '--no-tui'], dir);
      assert.equal(run.code, 0, `${storage}: ${run.stderr}`);
    }
    const onSqlite = tune(['list', '--db', db, '--json'], dir);
    const onPostgres = tune(['list', '--storage', url, '--json'], dir);
    assert.equal(onPostgres.code, 0, onPostgres.stderr);
    assert.equal(essence(onPostgres.stdout).length, 3);
    assert.deepEqual(essence(onPostgres.stdout), essence(onSqlite.stdout));

    const shown = tune(['show', '2', '--json'], dir, { ...process.env, TUNE_STORAGE: url });
    assert.equal(shown.code, 0, shown.stderr);
    const trial = JSON.parse(shown.stdout) as TrialLine & { epochs: unknown[] };
    assert.equal(trial.number, 2);
    assert.equal(trial.epochs.length, 3);

    const exports = { sqlite: join(dir, 'from-sqlite', 'model.json'), postgres: join(dir, 'from-postgres', 'model.json') };
    assert.equal(tune(['best', '--db', db, '--export', exports.sqlite], dir).code, 0);
    const best = tune(['best', '--storage', url, '--export', exports.postgres, '--json'], dir);
    assert.equal(best.code, 0, best.stderr);
    const test = await readFeatures(join(dir, 'test.hdf5'));
    const images = test.paths!.slice(0, 3);
    const predict = (model: string) => tune(['predict', ...images, '--model', model, '--json']);
    const [a, b] = [predict(exports.sqlite), predict(exports.postgres)];
    assert.equal(b.code, 0, b.stderr);
    assert.equal(b.stdout.trim().split('\n').length, 3);
    assert.equal(b.stdout, a.stdout);
  });

  it('names an unreachable server in one line, without its password, exit 2', () => {
    const down = 'postgresql://tune:hunter2@127.0.0.1:1/nothing';
    const run = tune(['list', '--storage', down], dir);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /^tune: postgresql:\/\/tune:\*\*\*@127\.0\.0\.1:1\/nothing: /);
    assert.doesNotMatch(run.stderr, /hunter2/);
  });
});

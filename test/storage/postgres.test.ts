import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { fileURLToPath } from 'node:url';
import { after, afterEach, describe, it } from 'node:test';
import { InputError } from '../../src/errors.js';
import { PostgresStorage } from '../../src/storage/postgres/postgres.js';
import { MIGRATION_LOCK, MIGRATIONS, SCHEMA_VERSION } from '../../src/storage/postgres/schema.js';
import type { TrialRecord } from '../../src/domain/trial.js';
import { dropTestDatabases, freshDatabase, onServer, testServer, withDatabase } from '../helpers/postgres.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), '..', 'helpers', 'postgres-child.js');
const SPACE = { hyperparameters: [{ name: 'x', type: 'int', min: 0, max: 100 }] };

const opened: PostgresStorage[] = [];
const children: ChildProcessWithoutNullStreams[] = [];
async function open(url: string): Promise<PostgresStorage> {
  const storage = await PostgresStorage.open(url);
  opened.push(storage);
  return storage;
}
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
after(dropTestDatabases);

/** A process on the study, started from postgres-child.ts; `lines` yields what it prints. */
function child(url: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const proc = spawn(process.execPath, [CHILD, url, ...args], { env: { ...process.env, ...env } });
  children.push(proc);
  let stderr = '';
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const line = async (): Promise<string> => {
    const next = await lines.next();
    if (next.done) throw new Error(`postgres-child ${args.join(' ')} ended without a line (exit ${proc.exitCode}): ${stderr}`);
    return next.value;
  };
  return { proc, line };
}

/** Rejects unless `promise` fails with an InputError whose `where` and `what` match. */
async function rejectsInput(promise: Promise<unknown>, where: string, what: RegExp): Promise<InputError> {
  let caught: unknown;
  await promise.catch((err: unknown) => (caught = err));
  assert.ok(caught instanceof InputError, `expected an InputError, got ${String(caught)}`);
  assert.equal(caught.where, where);
  assert.match(caught.what, what);
  return caught;
}

const version = async (url: string) => (await onServer<{ value: string }>(`SELECT value FROM tune_meta WHERE key = 'schema_version'`, [], url))[0]?.value;

describe('PostgresStorage: migrations', () => {
  it('creates its tables in an empty database and records the schema version', async () => {
    const url = await freshDatabase();
    await open(url);
    assert.equal(await version(url), String(SCHEMA_VERSION));
    const tables = (await onServer<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`, [], url)).map((r) => r.t);
    assert.deepEqual(tables, ['attempts', 'checkpoints', 'epochs', 'fold_scores', 'studies', 'study_data', 'study_folds', 'trials', 'tune_meta', 'weights']);
  });

  it('opens a current database again as it is, keeping its studies and trials', async () => {
    const url = await freshDatabase();
    const first = await open(url);
    const study = await first.openStudy('s', SPACE, 'val_accuracy', 'max', false);
    await first.completeTrial((await first.createTrial(study.id, { x: 1 })).id, 0.5, 1, 1);
    await first.close();
    const again = await open(url);
    assert.equal(await version(url), String(SCHEMA_VERSION));
    assert.deepEqual(
      (await again.trials(study.id)).map((t) => [t.number, t.status, t.score]),
      [[1, 'complete', 0.5]],
    );
  });

  it('migrates a version 1 database to the pruned and waiting statuses, keeping its trials', async () => {
    const url = await freshDatabase();
    await onServer(MIGRATIONS[0]!, [], url);
    await onServer(`INSERT INTO tune_meta (key, value) VALUES ('schema_version', '1')`, [], url);
    await onServer(`INSERT INTO studies (name, space_json, objective, direction, created_at) VALUES ('old', '{}', 'val_accuracy', 'max', now())`, [], url);
    await onServer(`INSERT INTO trials (study_id, number, status, values_json, started_at) SELECT id, 1, 'stopped', '{"x":1}', now() FROM studies`, [], url);
    await assert.rejects(
      onServer(`INSERT INTO trials (study_id, number, status, values_json, started_at) SELECT id, 2, 'pruned', '{}', now() FROM studies`, [], url),
      /trials_status_check/,
    );
    const s = await open(url);
    assert.equal(await version(url), String(SCHEMA_VERSION));
    const study = (await s.findStudy('old'))!;
    assert.deepEqual(
      (await s.trials(study.id)).map((t) => [t.number, t.status]),
      [[1, 'stopped']],
    );
    const t = await s.createTrial(study.id, { x: 2 });
    assert.equal((await s.pruneTrial(t.id, 0.5, 1, 1)).status, 'pruned');
    await s.saveFoldScores(t.id, [{ execution: 1, fold: 2, score: 0.5, bestEpoch: 1 }]);
    assert.deepEqual(await s.foldScores(t.id), [{ execution: 1, fold: 2, score: 0.5, bestEpoch: 1 }], 'the fold tables came with the migration');
  });

  it('lets 3 handles open one empty database at once: one schema, and one study when they open it at once too', async () => {
    const url = await freshDatabase();
    const handles = await Promise.all([open(url), open(url), open(url)]);
    const studies = await Promise.all(handles.map((h) => h.openStudy('s', SPACE, 'val_accuracy', 'max', false)));
    assert.deepEqual(new Set(studies.map((s) => s.id)).size, 1);
    assert.equal((await handles[0]!.listStudies()).length, 1);
    assert.equal(await version(url), String(SCHEMA_VERSION));
  });

  it('lets 3 processes that start on one empty database at once take turns on the migration lock, and all open it', async () => {
    const url = await freshDatabase();
    // Holding the lock first makes all 3 wait on it together, however fast each one starts.
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock($1)`, [MIGRATION_LOCK]);
      const procs = [1, 2, 3].map(() => child(url, ['open']));
      const waiting = async () =>
        (await holder.query<{ n: number }>(`SELECT COUNT(*)::integer AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)).rows[0]!.n;
      for (const start = Date.now(); (await waiting()) < 3;) {
        assert.ok(Date.now() - start < 60_000, `only ${await waiting()} processes wait for the migration lock after 60 s`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await holder.query(`SELECT pg_advisory_unlock($1)`, [MIGRATION_LOCK]);
      for (const p of procs) assert.equal(await p.line(), 'opened');
      await Promise.all(procs.map((p) => (p.proc.exitCode === null ? once(p.proc, 'exit') : undefined)));
      assert.deepEqual(
        procs.map((p) => p.proc.exitCode),
        [0, 0, 0],
      );
    } finally {
      await holder.end();
    }
    assert.equal(await version(url), String(SCHEMA_VERSION));
  });

  it('creates its whole schema or nothing: a migration that fails midway leaves the database as it was', async () => {
    const url = await freshDatabase();
    // A type is no relation, so the database reads as empty; the table of its name fails.
    await onServer(`CREATE TYPE weights AS ENUM ('heavy')`, [], url);
    await assert.rejects(PostgresStorage.open(url), /type "weights" already exists/);
    const relations = await onServer(`SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace`, [], url);
    assert.deepEqual(relations, [], 'no table of the migration stays');
  });

  it('refuses a database from a newer tune, naming both versions, and changes nothing', async () => {
    const url = await freshDatabase();
    await (await open(url)).close();
    await onServer(`UPDATE tune_meta SET value = $1 WHERE key = 'schema_version'`, [String(SCHEMA_VERSION + 1)], url);
    await rejectsInput(
      PostgresStorage.open(url),
      'schema',
      new RegExp(`^was written by a newer tune \\(schema version ${SCHEMA_VERSION + 1}, this one reads up to ${SCHEMA_VERSION}\\)$`),
    );
    assert.equal(await version(url), String(SCHEMA_VERSION + 1));
  });

  it('refuses a database with no valid schema version', async () => {
    const url = await freshDatabase();
    await (await open(url)).close();
    await onServer(`UPDATE tune_meta SET value = 'x' WHERE key = 'schema_version'`, [], url);
    await rejectsInput(PostgresStorage.open(url), 'schema', /^has no valid schema version \(got "x"\)$/);
  });

  it('refuses a database that is not tune’s and creates nothing in it', async () => {
    const url = await freshDatabase();
    await onServer(`CREATE TABLE inventory (item text); INSERT INTO inventory VALUES ('lamp')`, [], url);
    await rejectsInput(PostgresStorage.open(url), 'database', /not one of tune's \(it already holds inventory\)/);
    const tables = await onServer<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'`, [], url);
    assert.deepEqual(
      tables.map((r) => r.t),
      ['inventory'],
    );
  });

  it('says which server cannot be reached, or which database is missing, never showing the password', async () => {
    const err = await rejectsInput(PostgresStorage.open('postgresql://tune:s3cret@127.0.0.1:1/x'), 'server', /^cannot be reached \(.*ECONNREFUSED/);
    assert.equal(err.file, 'postgresql://tune:***@127.0.0.1:1/x');
    assert.ok(!err.message.includes('s3cret'));
    const missing = withDatabase(testServer(), 'tune_test_no_such_database');
    await rejectsInput(PostgresStorage.open(missing), 'database', /^does not exist/);
    await rejectsInput(PostgresStorage.open('mysql://u@h/db'), 'url', /scheme "mysql"/);
    await rejectsInput(PostgresStorage.open('not a url'), 'url', /is not a URL/);
  });
});

describe('PostgresStorage: claims under concurrency', () => {
  it('3 processes creating trials within a limit of 30 at once make exactly 30, no values twice', async () => {
    const url = await freshDatabase();
    const study = await (await open(url)).openStudy('s', SPACE, 'val_accuracy', 'max', false);
    // 45 value sets for 30 places: the processes collide on values as well as on the limit.
    const procs = [1, 2, 3].map(() => child(url, ['claim', String(study.id), '30', '45']));
    for (const p of procs) assert.equal(await p.line(), 'ready');
    for (const p of procs) p.proc.stdin.write('go\n');
    const results = await Promise.all(procs.map(async (p) => JSON.parse(await p.line()) as { made: number[]; taken: number }));
    await Promise.all(procs.map((p) => (p.proc.exitCode === null ? once(p.proc, 'exit') : undefined)));
    assert.deepEqual(
      procs.map((p) => p.proc.exitCode),
      [0, 0, 0],
    );
    const trials = await (await open(url)).trials(study.id);
    assert.deepEqual(
      trials.map((t) => t.number),
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    const values = trials.map((t) => t.values.x as number);
    assert.equal(new Set(values).size, 30, 'no values twice');
    assert.deepEqual(
      results.flatMap((r) => r.made).sort((a, b) => a - b),
      [...values].sort((a, b) => a - b),
      'every process got the trials it was told it made',
    );
    assert.ok(
      results.every((r) => r.made.length > 0),
      `each process made some: ${results.map((r) => r.made.length).join(', ')}`,
    );
  });

  it('3 processes running whole trial lifecycles on one study at once complete exactly 30, with no lock error', async () => {
    const url = await freshDatabase();
    const here = await open(url);
    const study = await here.openStudy('s', SPACE, 'val_accuracy', 'max', false);
    const procs = [1, 2, 3].map(() => child(url, ['cycle', String(study.id), '30', '60']));
    for (const p of procs) assert.equal(await p.line(), 'ready');
    for (const p of procs) p.proc.stdin.write('go\n');
    // A lock or serialization error escaping a process ends it without its line (and exit 1).
    const results = await Promise.all(procs.map(async (p) => JSON.parse(await p.line()) as { completed: number }));
    await Promise.all(procs.map((p) => (p.proc.exitCode === null ? once(p.proc, 'exit') : undefined)));
    assert.deepEqual(
      procs.map((p) => p.proc.exitCode),
      [0, 0, 0],
    );
    const trials = await here.trials(study.id);
    assert.deepEqual(
      trials.map((t) => [t.number, t.status]),
      Array.from({ length: 30 }, (_, i) => [i + 1, 'complete']),
    );
    assert.equal(new Set(trials.map((t) => t.values.x)).size, 30, 'no values twice');
    assert.equal(
      results.reduce((sum, r) => sum + r.completed, 0),
      30,
    );
    const interrupted = trials.filter((t) => t.attempt > 1);
    for (const t of interrupted)
      assert.deepEqual(
        (await here.attempts(t.id)).map((a) => a.outcome),
        ['interrupted'],
      );
    // Another process's prune may drop a running trial's weights (the contract keeps only the best
    // complete trials'), so some of the best 3 may have none; no other trial keeps any.
    const best = [...trials].sort((x, y) => y.score! - x.score! || x.number - y.number).slice(0, 3);
    for (const t of trials) if (!best.includes(t)) assert.equal(await here.loadWeights(t.id), undefined, `trial ${t.number} is not among the best 3`);
  });

  it('8 handles of one process creating within a limit of 30 at once make exactly 30, no values twice', async () => {
    const url = await freshDatabase();
    const handles = await Promise.all(Array.from({ length: 8 }, () => open(url)));
    const study = await handles[0]!.openStudy('s', SPACE, 'val_accuracy', 'max', false);
    const outcomes = await Promise.all(
      handles.map(async (h, i) => {
        const got: (TrialRecord | 'limit' | 'taken')[] = [];
        for (let k = 0; k < 20; k++) got.push(await h.createTrialWithin(study.id, { x: (k * 7 + i * 3) % 40 }, 30));
        return got;
      }),
    );
    const made = outcomes.flat().filter((o): o is TrialRecord => typeof o === 'object');
    assert.equal(made.length, 30);
    assert.equal(new Set(made.map((t) => t.number)).size, 30);
    const trials = await handles[1]!.trials(study.id);
    assert.equal(trials.length, 30);
    assert.equal(new Set(trials.map((t) => JSON.stringify(t.values))).size, 30);
  });

  it('hands each interrupted trial to one claimer when 4 handles claim at once', async () => {
    const url = await freshDatabase();
    const handles = await Promise.all(Array.from({ length: 4 }, () => open(url)));
    const study = await handles[0]!.openStudy('s', SPACE, 'val_accuracy', 'max', false);
    for (let x = 0; x < 12; x++) await handles[0]!.createTrial(study.id, { x });
    assert.equal(await handles[0]!.interruptRunning(study.id), 12);
    const claimed = await Promise.all(
      handles.map(async (h) => {
        const mine: TrialRecord[] = [];
        for (let t = await h.claimInterrupted(study.id); t !== undefined; t = await h.claimInterrupted(study.id)) mine.push(t);
        return mine;
      }),
    );
    const numbers = claimed.flat().map((t) => t.number);
    assert.deepEqual(
      [...numbers].sort((a, b) => a - b),
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    assert.ok(
      claimed.flat().every((t) => t.attempt === 2 && t.status === 'running'),
      'each claimed once, as its second attempt',
    );
  });
});

describe('PostgresStorage: heartbeats and stale trials', () => {
  it('heartbeats by the database’s clock: a host whose clock is an hour behind still looks alive', async () => {
    const url = await freshDatabase();
    const here = await open(url);
    const study = await here.openStudy('s', SPACE, 'val_accuracy', 'max', false);
    const behind = child(url, ['hold', String(study.id)], { TUNE_TEST_CLOCK_SKEW_MS: String(-3_600_000) });
    const { trialId } = JSON.parse(await behind.line()) as { trialId: number };
    const [age] = await onServer<{ heartbeat: number; started: number }>(
      'SELECT extract(epoch FROM now() - heartbeat_at)::float8 AS heartbeat, extract(epoch FROM now() - started_at)::float8 AS started ' +
        'FROM trials WHERE id = $1',
      [trialId],
      url,
    );
    assert.ok(Math.abs(age!.heartbeat) < 30 && Math.abs(age!.started) < 30, `heartbeat ${age!.heartbeat} s and start ${age!.started} s ago by the database`);
    assert.equal(await here.recoverStale(study.id, 60_000), 0, 'a fresh heartbeat by the database clock keeps the trial');
    assert.equal((await here.trial(study.id, 1))!.status, 'running');
  });

  it('takes a trial whose heartbeat is older than staleMs by the database’s clock, though its process lives', async () => {
    const url = await freshDatabase();
    const here = await open(url);
    const study = await here.openStudy('s', SPACE, 'val_accuracy', 'max', false);
    const holder = child(url, ['hold', String(study.id)]);
    const { trialId } = JSON.parse(await holder.line()) as { trialId: number };
    await here.recordEpoch(trialId, 1, 1, { loss: 1, accuracy: 0, val_loss: 1, val_accuracy: 0 });
    assert.equal(await here.recoverStale(study.id, 60_000), 0);
    // As if the host had stopped answering two minutes ago: only the database's time tells.
    await onServer(`UPDATE trials SET heartbeat_at = now() - interval '2 minutes' WHERE id = $1`, [trialId], url);
    assert.equal(await here.recoverStale(study.id, 180_000), 0, 'two minutes is not stale when 3 are allowed');
    assert.equal(await here.recoverStale(study.id, 60_000), 1);
    assert.equal(holder.proc.exitCode, null, 'its process still runs');
    const t = (await here.trial(study.id, 1))!;
    assert.deepEqual([t.status, (await here.epochs(t.id)).length], ['interrupted', 0]);
    assert.deepEqual(
      (await here.attempts(t.id)).map((a) => a.outcome),
      ['crashed'],
    );
  });

  it('re-queues at once the trial of a dead process on this host, and another host’s only once its heartbeat is stale', async () => {
    const url = await freshDatabase();
    const here = await open(url);
    const study = await here.openStudy('s', SPACE, 'val_accuracy', 'max', false);
    const holder = child(url, ['hold', String(study.id)]);
    const { owner } = JSON.parse(await holder.line()) as { owner: string };
    assert.equal(await here.recoverStale(study.id, 3_600_000), 0, 'a live process keeps its trial');
    holder.proc.kill('SIGKILL');
    await once(holder.proc, 'exit');
    assert.equal(await here.recoverStale(study.id, 3_600_000), 1, 'a dead pid on this host is recovered without waiting');
    const again = (await here.claimInterrupted(study.id))!;
    assert.deepEqual([again.number, again.attempt], [1, 2]);
    assert.deepEqual(
      (await here.attempts(again.id)).map((a) => [a.outcome, a.owner]),
      [['crashed', owner]],
    );

    // A trial of a process on another host: its pid means nothing here, only its heartbeat.
    const far = await here.createTrial(study.id, { x: 2 });
    await onServer(`UPDATE trials SET owner = 'elsewhere:1:abcdef', heartbeat_at = now() WHERE id = $1`, [far.id], url);
    const other = await open(url);
    assert.equal(await other.recoverStale(study.id, 3_600_000), 0);
    await onServer(`UPDATE trials SET heartbeat_at = now() - interval '2 hours' WHERE id = $1`, [far.id], url);
    assert.equal(await other.recoverStale(study.id, 3_600_000), 1);
    assert.equal((await other.trial(study.id, far.number))!.status, 'interrupted');
    assert.equal((await other.trial(study.id, 1))!.status, 'running', "the first handle's own claim stays");
  });
});

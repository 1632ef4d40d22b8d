import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { readFeatures } from '../../src/data/read-features.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { extractImageFeatures } from '../helpers/image-features.js';
import { dropTestDatabases, freshDatabase } from '../helpers/postgres.js';
import { tinySpace, writeSpace, writeTinyData } from '../helpers/tiny-study.js';
import { listing, tempDir, tune } from '../helpers/tune.js';

interface Trial {
  id: number;
  number: number;
  status: string;
  schedule: { parent?: number; initialEpoch: number; epochs: number } | null;
}

/** The trials `tune list --json` prints, ids apart (each storage gives its own). */
function listed(storage: string, cwd: string): Omit<Trial, 'id'>[] {
  const run = tune(['list', '--storage', storage, '--json'], cwd);
  assert.equal(run.code, 0, `${storage}: ${run.stderr}`);
  return run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Trial)
    .map(({ id: _, ...rest }) => rest);
}

/** What `tune show N --json` prints for every trial, ids apart. */
function shown(storage: string, cwd: string, count: number): unknown[] {
  return Array.from({ length: count }, (_none, i) => {
    const run = tune(['show', String(i + 1), '--storage', storage, '--json'], cwd);
    assert.equal(run.code, 0, `${storage}: ${run.stderr}`);
    const { id: _, ...rest } = JSON.parse(run.stdout) as Trial;
    return rest;
  });
}

/** Runs `tune storage copy` and returns its JSON summary. */
function copy(from: string, to: string, cwd: string, ...extra: string[]): Record<string, unknown> {
  const run = tune(['storage', 'copy', from, to, '--json', ...extra], cwd);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

/** Asserts the contract's refusal: exit 2 and one line on stderr matching `line`. */
function refused(args: string[], cwd: string, line: RegExp): void {
  const run = tune(['storage', 'copy', ...args], cwd);
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr.split('\n').length, 2, run.stderr);
  assert.match(run.stderr, line);
}

describe('tune storage copy', () => {
  let dir: string;
  let space: string;

  before(async () => {
    dir = tempDir();
    await extractImageFeatures(dir);
    space = writeSpace(dir, tinySpace(dir, { max_trials: 3, epochs: 3 }));
  });
  after(() => dropTestDatabases());

  it('moves a study SQLite -> PostgreSQL -> SQLite unchanged, and the PostgreSQL copy runs on past it', async () => {
    const original = `sqlite:///${join(dir, 'laptop.db')}`;
    const back = join(dir, 'back.db');
    const cluster = await freshDatabase();
    const run = tune(['run', space, '--storage', original, '--workers', '1', '--no-tui'], dir);
    assert.equal(run.code, 0, run.stderr);

    const there = copy(join(dir, 'laptop.db'), cluster, dir);
    assert.deepEqual(
      { ...there, to: '' },
      { study: 'tiny', trials: 3, epochs: 9, weights: 3, checkpoints: 0, interrupted: [], from: join(dir, 'laptop.db'), to: '' },
    );
    const plain = tune(['storage', 'copy', cluster, back], dir);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^copied study tiny from postgresql:\/\/\S+ to \S+back\.db: 3 trials, 9 epochs, 3 weights, 0 checkpoints\n$/);

    const trials = listed(original, dir);
    assert.equal(trials.length, 3);
    assert.deepEqual(listed(cluster, dir), trials);
    assert.deepEqual(listed(`sqlite:///${back}`, dir), trials);
    const epochs = shown(original, dir, 3);
    assert.deepEqual(shown(cluster, dir, 3), epochs);
    assert.deepEqual(shown(`sqlite:///${back}`, dir, 3), epochs);

    const test = await readFeatures(join(dir, 'test.hdf5'));
    const images = test.paths!.slice(0, 3);
    const predictions = [original, cluster, `sqlite:///${back}`].map((storage, i) => {
      const model = join(dir, `export-${i}`, 'model.json');
      const best = tune(['best', '--storage', storage, '--export', model], dir);
      assert.equal(best.code, 0, best.stderr);
      const predict = tune(['predict', ...images, '--model', model, '--json']);
      assert.equal(predict.code, 0, predict.stderr);
      return predict.stdout;
    });
    assert.equal(predictions[0]!.trim().split('\n').length, 3);
    assert.deepEqual(predictions, [predictions[0], predictions[0], predictions[0]]);

    const more = tune(['run', space, '--storage', cluster, '--max-trials', '5', '--workers', '1', '--no-tui'], dir);
    assert.equal(more.code, 0, more.stderr);
    const after = listed(cluster, dir);
    assert.equal(after.length, 5);
    assert.deepEqual(after.slice(0, 3), trials, 'the copied trials stay as they were: none ran again');
    assert.deepEqual(
      after.map((t) => t.status),
      ['complete', 'complete', 'complete', 'complete', 'complete'],
    );
    assert.deepEqual(listed(original, dir), trials, 'the original is untouched');
  });

  it('moves a Hyperband study cut short with its checkpoints, and the copy finishes its brackets', async () => {
    const hb = tempDir();
    const cluster = await freshDatabase();
    // max_epochs 4, factor 2: 15 trials in all, the 10 of the brackets' first rounds first; after
    // 12, two promotions are done and three wait on their parents' checkpoints.
    const cut = 12;
    const hbSpace = writeSpace(hb, tinySpace(writeTinyData(hb), { oracle: 'hyperband', max_trials: cut, max_epochs: 4, factor: 2, executions_per_trial: 2 }));
    const run = tune(['run', hbSpace, '--workers', '2', '--no-tui'], hb);
    assert.equal(run.code, 0, run.stderr);
    const db = join(hb, 'trials.db');
    const there = copy(db, `postgres${cluster.slice('postgresql'.length)}`, hb);
    assert.equal(there['trials'], cut);
    assert.ok((there['checkpoints'] as number) > 0, `checkpoints travel: ${JSON.stringify(there)}`);
    const back = join(hb, 'back.db');
    assert.deepEqual(copy(cluster, `sqlite:///${back}`, hb), { ...there, from: cluster, to: back });
    const trials = listed(`sqlite:///${db}`, hb);
    assert.ok(trials.some((t) => t.schedule!.parent !== undefined));
    assert.deepEqual(listed(cluster, hb), trials);
    assert.deepEqual(listed(`sqlite:///${back}`, hb), trials);
    assert.deepEqual(shown(cluster, hb, cut), shown(`sqlite:///${db}`, hb, cut));
    assert.deepEqual(shown(`sqlite:///${back}`, hb, cut), shown(`sqlite:///${db}`, hb, cut));

    const rest = tune(['run', hbSpace, '--storage', cluster, '--max-trials', '100', '--workers', '2', '--no-tui'], hb);
    assert.equal(rest.code, 0, rest.stderr);
    assert.match(rest.stdout, /reason=search-complete/);
    const done = listed(cluster, hb);
    assert.equal(done.length, 15);
    assert.deepEqual(done.slice(0, cut), trials, 'the copied trials stay as they were');
    assert.ok(done.every((t) => t.status === 'complete'));
    // A promotion continues its parent's checkpoint: it trains only the epochs past its parent's.
    const continued = done.filter((t) => t.schedule!.parent !== undefined && t.number > cut);
    assert.ok(continued.length > 0, 'the copy promotes trials from checkpoints it brought');
    for (const child of continued) {
      const first = child.schedule!.initialEpoch + 1;
      const { epochs } = JSON.parse(tune(['show', String(child.number), '--storage', cluster, '--json'], hb).stdout) as {
        epochs: { execution: number; epoch: number }[];
      };
      assert.equal(
        epochs.filter((e) => e.execution === 1)[0]!.epoch,
        first,
        `trial ${child.number} continues trial ${child.schedule!.parent} from epoch ${first}`,
      );
    }
  });

  it('brings a running trial over as interrupted, says so, and the copy runs it again', async () => {
    const d = tempDir();
    const data = writeTinyData(d);
    const sp = writeSpace(d, tinySpace(data, { max_trials: 2, epochs: 2 }));
    assert.equal(tune(['run', sp, '--max-trials', '1', '--no-tui'], d).code, 0);
    // A trial another process runs right now (its heartbeat fresh), written as tune run writes it.
    const storage = await SqliteStorage.open(join(d, 'trials.db'));
    const study = (await storage.findStudy('tiny'))!;
    const running = await storage.createTrial(study.id, { first_dense: 4, dropout_rate: 0.2 });
    await storage.recordEpoch(running.id, 1, 1, { loss: 0.5, accuracy: 0.5, val_loss: 0.6, val_accuracy: 0.5 });
    const cluster = await freshDatabase();
    const run = tune(['storage', 'copy', join(d, 'trials.db'), cluster], d);
    await storage.close();
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /: 2 trials, 2 epochs, 1 weights, 0 checkpoints; trial 2 was running in FROM and arrives interrupted: it runs again in TO\n$/);
    assert.deepEqual(
      listed(cluster, d).map((t) => t.status),
      ['complete', 'interrupted'],
    );
    const again = tune(['run', sp, '--storage', cluster, '--no-tui'], d);
    assert.equal(again.code, 0, again.stderr);
    const after = listed(cluster, d);
    assert.deepEqual(
      after.map((t) => [t.number, t.status]),
      [
        [1, 'complete'],
        [2, 'complete'],
      ],
    );
    assert.equal((after[1] as unknown as { attempt: number }).attempt, 2, 'trial 2 ran again as its next attempt');
  });

  it('refuses bad input in one line, exit 2, and writes nothing', async () => {
    const d = tempDir();
    const sp = writeSpace(d, tinySpace(writeTinyData(d), { max_trials: 1, epochs: 1 }));
    assert.equal(tune(['run', sp, '--no-tui'], d).code, 0);
    const cluster = await freshDatabase();
    copy('trials.db', cluster, d);
    const before = listed(cluster, d);

    refused(['missing.db', 'new.db'], d, /^tune: missing\.db: file: does not exist \(the storage to copy from\)$/m);
    refused(['trials.db', 'new.db', '--study', 'other'], d, /^tune: trials\.db: study "other": does not exist \(studies: tiny\)$/m);
    refused(['trials.db', `sqlite:///${join(d, 'trials.db')}`], d, /^tune: command line: TO: names the same storage as FROM /m);
    const otherUser = new URL(cluster);
    otherUser.username = 'nobody';
    refused([cluster, otherUser.toString()], d, /^tune: command line: TO: names the same storage as FROM /m);
    refused(
      ['trials.db', 'mysql://me@db/x'],
      d,
      /^tune: command line: TO: must be sqlite:\/\/\/PATH or postgresql:\/\/USER@HOST:PORT\/DB, got the scheme "mysql"/m,
    );
    refused(['sqlite:///', 'new.db'], d, /^tune: command line: FROM: names no file after sqlite:\/\/\//m);
    refused(['trials.db', cluster], d, /^tune: postgresql:\/\/\S+: study "tiny": already exists \(with 1 trials\); nothing was copied$/m);
    assert.ok(!existsSync(join(d, 'new.db')), 'a refused copy creates no file');
    assert.deepEqual(listed(cluster, d), before, 'a refused copy leaves TO as it was');
  });

  it('removes the SQLite file it created when the copy fails midway, and leaves PostgreSQL without the study', async () => {
    const d = tempDir();
    const sp = writeSpace(d, tinySpace(writeTinyData(d), { max_trials: 3, epochs: 1 }));
    assert.equal(tune(['run', sp, '--no-tui'], d).code, 0);
    // A damaged weights row of trial 3: the copy has written the study and trials 1 and 2 when it meets it.
    const db = new Database(join(d, 'trials.db'));
    db.prepare(`INSERT OR REPLACE INTO weights (trial_id, data) SELECT id, x'00' FROM trials WHERE number = 3`).run();
    db.close();
    const files = listing(d);
    const failed = tune(['storage', 'copy', 'trials.db', 'copy.db'], d);
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /weights blob of 1 bytes is corrupt/);
    assert.deepEqual(listing(d), files, 'the new file and its journal are gone, nothing else changed');
    const cluster = await freshDatabase();
    const other = tempDir();
    assert.equal(
      tune(['run', writeSpace(other, tinySpace(writeTinyData(other), { max_trials: 1, epochs: 1 }, 'other')), '--storage', cluster, '--no-tui'], other).code,
      0,
    );
    assert.notEqual(tune(['storage', 'copy', 'trials.db', cluster], d).code, 0);
    const studies = tune(['list', '--storage', cluster, '--study', 'tiny'], d);
    assert.equal(studies.code, 2);
    assert.match(studies.stderr, /study "tiny": does not exist \(studies: other\)/);
  });
});

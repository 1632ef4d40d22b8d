import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { TrialRecord } from '../../src/domain/trial.js';
import { tinySpace, writeSpace, writeTinyData } from '../helpers/tiny-study.js';
import { ROOT, TUNE, tempDir, tune } from '../helpers/tune.js';

/** Starts `tune run`, waits until `ready` matches its output, sends `signal`, returns exit code and output. */
async function runUntil(dir: string, args: string[], ready: RegExp, signal: NodeJS.Signals): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [TUNE, ...args], { cwd: dir });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (ready.test(out)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
  child.kill(signal);
  return { code: await exited, out };
}

const trialsOf = (dir: string): TrialRecord[] =>
  tune(['list', '--json'], dir)
    .stdout.trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TrialRecord);

describe('tune run stopped and resumed', () => {
  // The runs that get a signal train with tfjs: the native engine can finish these trials before
  // the signal lands, and then there would be nothing running to interrupt.
  const study = (dir: string): string =>
    writeSpace(dir, tinySpace(writeTinyData(dir, { rows: { train: 3000, valid: 34, test: 34 } }), { max_trials: 4, epochs: 6 }));

  it('Ctrl-C: exit 130, finished trials kept, running ones interrupted and run again next time', async () => {
    const dir = tempDir();
    const space = study(dir);
    const stopped = await runUntil(dir, ['run', space, '--workers', '2', '--no-tui', '--engine', 'tfjs'], /trial 1 complete/, 'SIGINT');
    assert.equal(stopped.code, 130, stopped.out);
    assert.match(stopped.out, /tune: interrupted\n$/);
    const after = trialsOf(dir);
    assert.ok(after.some((t) => t.status === 'complete'));
    const interrupted = after.filter((t) => t.status === 'interrupted');
    assert.ok(interrupted.length >= 1, JSON.stringify(after.map((t) => t.status)));
    assert.equal(after.filter((t) => t.status === 'running').length, 0);

    const resumed = tune(['run', space, '--workers', '2', '--no-tui'], dir);
    assert.equal(resumed.code, 0, resumed.stderr);
    for (const t of interrupted) assert.match(resumed.stdout, new RegExp(`^trial ${t.number} resumed`, 'm'));
    const final = trialsOf(dir);
    assert.equal(final.filter((t) => t.status === 'complete').length, 4);
    for (const t of interrupted) assert.deepEqual(final.find((f) => f.number === t.number)!.values, t.values, 'a resumed trial keeps its values');
  });

  it('SIGTERM acts as Ctrl-C: exit 130, running trials interrupted', async () => {
    const dir = tempDir();
    const stopped = await runUntil(dir, ['run', study(dir), '--workers', '2', '--no-tui', '--engine', 'tfjs'], /trial 2 started/, 'SIGTERM');
    assert.equal(stopped.code, 130, stopped.out);
    const statuses = trialsOf(dir).map((t) => t.status);
    assert.ok(statuses.includes('interrupted') && !statuses.includes('running'), statuses.join());
  });

  it('Ctrl-C twice: exit at once, and the next run repairs what was left running', async () => {
    const dir = tempDir();
    const space = study(dir);
    const child = spawn(process.execPath, [TUNE, 'run', space, '--workers', '2', '--no-tui', '--engine', 'tfjs'], { cwd: dir });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => /trial 2 started/.test(chunk.toString()) && resolve()));
    child.kill('SIGINT');
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    const resumed = tune(['run', space, '--workers', '2', '--no-tui'], dir);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(
      trialsOf(dir).map((t) => t.status),
      ['complete', 'complete', 'complete', 'complete'],
    );
  });

  it('a worker thread that dies mid-trial is replaced, its trial retried, and the search goes on', () => {
    const dir = tempDir();
    const space = writeSpace(
      dir,
      tinySpace(writeTinyData(dir, { rows: { train: 3000, valid: 34, test: 34 } }), { max_trials: 4, epochs: 6, max_retries_per_trial: 1 }),
    );
    const run = spawnSync(
      process.execPath,
      ['--import', join(ROOT, 'test', 'fixtures', 'worker-dies-once.mjs'), TUNE, 'run', space, '--workers', '2', '--pack', '1', '--no-tui'],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, TUNE_TEST_WORKER_DIES_FLAG: join(dir, 'died') },
      },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.ok(existsSync(join(dir, 'died')), 'a worker thread did die');
    assert.match(run.stdout, /^trial \d resumed/m);
    const trials = trialsOf(dir);
    assert.deepEqual(
      trials.map((t) => t.status),
      ['complete', 'complete', 'complete', 'complete'],
    );
    assert.equal(trials.filter((t) => t.attempt === 2).length, 1, 'the trial whose worker died ran a second attempt');
  });

  it('kill -9 mid-trial: the next run repairs the database and finishes the study', async () => {
    const dir = tempDir();
    const space = study(dir);
    const killed = await runUntil(dir, ['run', space, '--workers', '2', '--no-tui', '--engine', 'tfjs'], /trial 2 started/, 'SIGKILL');
    assert.equal(killed.code, null);
    assert.ok(
      trialsOf(dir).some((t) => t.status === 'running'),
      'a killed run leaves its trials marked running',
    );
    const resumed = tune(['run', space, '--workers', '2', '--no-tui'], dir);
    assert.equal(resumed.code, 0, resumed.stderr);
    const final = trialsOf(dir);
    assert.deepEqual(
      final.map((t) => t.status),
      ['complete', 'complete', 'complete', 'complete'],
    );
    assert.equal(new Set(final.map((t) => JSON.stringify(t.values))).size, 4);
  });
});

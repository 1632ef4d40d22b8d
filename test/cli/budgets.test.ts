import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import type { StudyEvent } from '../../src/domain/events.js';
import { tinySpace, wideSpace, writeSpace, writeTinyData } from '../helpers/tiny-study.js';
import { tempDir, trialsOf, tune, TUNE } from '../helpers/tune.js';

const finished = (stdout: string): Extract<StudyEvent, { type: 'study-finished' }> =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as StudyEvent)
    .find((e): e is Extract<StudyEvent, { type: 'study-finished' }> => e.type === 'study-finished')!;

describe('budgets: --timeout, tuner.timeout and stop_when (tiny study, real HDF5 and SQLite files)', () => {
  it('--timeout 2s ends a long study within seconds with reason timeout, its last trials finished, none left running', () => {
    const dir = tempDir();
    // 500 trials of 30 epochs on 3000 rows: minutes of work without the budget.
    const space = writeSpace(dir, wideSpace(dir, { max_trials: 500, epochs: 30, oracle: 'random' }));
    const t0 = performance.now();
    const run = tune(['run', space, '--timeout', '2s', '--workers', '2', '--json'], dir);
    const seconds = (performance.now() - t0) / 1000;
    assert.equal(run.code, 0, run.stderr);
    assert.equal(finished(run.stdout).reason, 'timeout');
    assert.ok(seconds < 20, `ended in ${seconds.toFixed(1)} s`);
    const trials = trialsOf(dir);
    assert.ok(trials.length > 0 && trials.length < 500, `${trials.length} trials`);
    assert.deepEqual([...new Set(trials.map((t) => t.status))], ['complete'], 'the running trials finished; nothing is running or interrupted');
    // Every trial started within the budget (plus the start-up before the clock's first look).
    const started = trials.map((t) => Date.parse(t.startedAt));
    assert.ok(Math.max(...started) - Math.min(...started) < 2500, 'no trial started after the budget');
  });

  it('reads the timeout from the tuner section, and refuses a duration without a known unit', () => {
    const dir = tempDir();
    const space = writeSpace(dir, wideSpace(dir, { max_trials: 500, epochs: 30, oracle: 'random', timeout: '1s' }));
    const run = tune(['run', space, '--workers', '1', '--json'], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(finished(run.stdout).reason, 'timeout');
    const bad = tune(['run', space, '--timeout', '30d'], dir);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'tune: command line: --timeout: must be a positive duration such as 90s, 30m or 2h, got "30d"\n');
    const badFile = writeSpace(dir, tinySpace(dir, { timeout: -3 }), 'bad.json');
    const check = tune(['space', 'check', badFile], dir);
    assert.equal(check.code, 2);
    assert.equal(check.stderr, `tune: ${badFile}: tuner.timeout: must be a positive duration such as 90s, 30m or 2h (a number is seconds), got -3\n`);
  });

  it('Ctrl-C after the budget still stops at once: the trials that were finishing are interrupted, exit 130', async () => {
    const dir = tempDir();
    // Long trials with tfjs, so that the budget passes while the first ones still train.
    const space = writeSpace(dir, wideSpace(dir, { max_trials: 50, epochs: 400, oracle: 'random' }));
    const child = spawn(process.execPath, [TUNE, 'run', space, '--timeout', '1s', '--workers', '1', '--pack', '1', '--engine', 'tfjs', '--no-tui'], {
      cwd: dir,
    });
    let out = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (/trial 1 started/.test(out)) resolve();
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    child.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 130, out);
    const trials = trialsOf(dir);
    assert.equal(trials.filter((t) => t.status === 'running').length, 0);
    assert.ok(
      trials.some((t) => t.status === 'interrupted'),
      JSON.stringify(trials.map((t) => t.status)),
    );
  });

  it('stop_when.patience_trials ends the study with reason plateau once the best has not improved for that many trials', () => {
    const dir = tempDir();
    const patience = 3;
    const space = writeSpace(dir, tinySpace(writeTinyData(dir), { max_trials: 40, epochs: 2, stop_when: { patience_trials: patience } }));
    const run = tune(['run', space, '--workers', '1', '--pack', '1', '--json'], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(finished(run.stdout).reason, 'plateau');
    const trials = trialsOf(dir);
    assert.ok(trials.length < 40);
    // One worker, one trial at a time: the study stops right after `patience` trials without a better score.
    const scores = trials.map((t) => t.score!);
    const firstBest = scores.indexOf(Math.max(...scores));
    assert.equal(scores.length - 1 - firstBest, patience, JSON.stringify(scores));
  });
});

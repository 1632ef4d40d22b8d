import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { tinySpace, writeSpace, writeTinyData } from '../helpers/tiny-study.js';
import { TUNE, tempDir } from '../helpers/tune.js';

const SOCKET = `tune-run-test-${process.pid}`;
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });

describe('tune run on a real 80-column terminal (tmux)', () => {
  after(() => spawnSync('tmux', ['-L', SOCKET, 'kill-server']));

  it('shows the live leaderboard while trials run, then the results summary', async () => {
    const dir = tempDir();
    const space = writeSpace(dir, tinySpace(writeTinyData(dir, { rows: { train: 2000, valid: 34, test: 34 } }), { max_trials: 3, epochs: 200 }));
    // Ink draws only the last frame when CI is set; a user's terminal has no CI variable.
    tmux(
      'new-session',
      '-d',
      '-s',
      'run',
      '-x',
      '80',
      '-y',
      '40',
      `cd ${dir} && env -u CI ${process.execPath} ${TUNE} run ${space} --workers 2; echo EXIT=$?; sleep 60`,
    );
    let live = '';
    let screen = '';
    // Trials live long enough to be seen (the native engine trains 20 epochs of this in under a second), looked at often.
    for (let i = 0; i < 1200 && !/EXIT=\d+/.test(screen); i++) {
      await sleep(50);
      screen = tmux('capture-pane', '-p', '-t', 'run');
      if (!live && /exec 1\/1 \[/.test(screen)) live = screen;
    }
    assert.match(screen, /EXIT=0/, screen);
    assert.ok(live, 'a running trial with its epoch bar was seen on screen');
    assert.match(live, /tiny/);
    assert.match(live, /random/);
    assert.match(live, /wasm/);
    assert.match(live, /\/3/);
    assert.match(screen, /Results summary/);
    for (const line of live.split('\n')) assert.ok(line.length <= 80, `fits 80 columns: ${line}`);
  });
});

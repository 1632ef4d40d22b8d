import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { wideSpace, writeSpace } from '../helpers/tiny-study.js';
import { TUNE, tempDir, tune } from '../helpers/tune.js';

const TRIALS = 300;

describe('output into a pipe', () => {
  it(`tune list --json gives every one of ${TRIALS} trials to a reader that takes its time`, { timeout: 5 * 60_000 }, async () => {
    const dir = tempDir();
    const space = writeSpace(dir, wideSpace(dir, { max_trials: TRIALS, epochs: 1 }));
    const run = tune(['run', space, '--no-tui'], dir);
    assert.equal(run.code, 0, run.stderr);
    // More than a pipe holds (64 KiB): the rest waits in the stream until the reader comes back.
    const child = spawn(process.execPath, [TUNE, 'list', '--json'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), 1500);
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (text += s));
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0);
    assert.ok(text.length > 65536, `the listing is ${text.length} bytes, not more than a pipe holds`);
    assert.equal(text.trim().split('\n').length, TRIALS);
  });
});

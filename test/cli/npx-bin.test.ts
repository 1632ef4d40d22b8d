import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ROOT, TUNE } from '../helpers/tune.js';

describe("the package's own command, as the quick start runs it", () => {
  it('the built CLI is executable, and `npx tune --help` in the repository prints the usage', () => {
    // tsc writes its files without the executable bit, and npx then fails with
    // "sh: 1: tune: Permission denied" in a fresh clone.
    assert.notEqual(statSync(TUNE).mode & 0o111, 0, `${TUNE} is not executable`);
    const run = spawnSync('npx', ['tune', '--help'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Usage: tune /);
  });
});

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './tune.js';

/** Debian's interpreter, which has python3-h5py (installed by .ci/run); never the product's. */
export const PYTHON = '/usr/bin/python3';

/**
 * Runs a Python snippet (h5py and numpy imported as h5py, np) and returns its stdout.
 * Throws with Python's stderr when it fails, so a missing h5py fails the test loudly.
 */
export function python(code: string, args: string[] = []): string {
  const run = spawnSync(PYTHON, ['-c', `import sys, json\nimport numpy as np\nimport h5py\n${code}`, ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`python failed (${run.status}): ${run.stderr || run.error?.message}`);
  return run.stdout;
}

/** Runs one of test/fixtures/*.py with arguments. */
export function pythonScript(name: string, args: string[]): string {
  const run = spawnSync(PYTHON, [join(ROOT, 'test', 'fixtures', name), ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${name} failed (${run.status}): ${run.stderr || run.error?.message}`);
  return run.stdout;
}

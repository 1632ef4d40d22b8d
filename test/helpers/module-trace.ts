import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TUNE, tempDir, type RunResult } from './tune.js';

const REGISTER = fileURLToPath(new URL('./module-trace-register.js', import.meta.url));

/**
 * Runs the built `tune` CLI in `cwd` and returns, besides its result, how many times each npm
 * package was loaded as an ES module, over all its threads.
 */
export function tuneTracingModules(args: string[], cwd: string): RunResult & { loads: Map<string, number> } {
  const trace = join(tempDir('tune-trace-'), 'modules.txt');
  const run = spawnSync(process.execPath, ['--import', REGISTER, TUNE, ...args], {
    cwd, env: { ...process.env, TUNE_MODULE_TRACE: trace }, encoding: 'utf8', timeout: 300_000,
  });
  const loads = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync(trace, 'utf8');
  } catch {
    // No package loaded at all: the file was never written.
  }
  for (const pkg of text.split('\n').filter(Boolean)) loads.set(pkg, (loads.get(pkg) ?? 0) + 1);
  return { code: run.status, stdout: run.stdout, stderr: run.stderr, loads };
}

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TUNE, tempDir, type RunResult } from './tune.js';

const REGISTER = fileURLToPath(new URL('./module-trace-register.js', import.meta.url));
const REQUIRE = fileURLToPath(new URL('./module-trace-require.cjs', import.meta.url));

/** Where a package was loaded: 'esm' (an ES module, any thread) or the threadId that required it. */
export type ModuleLoads = Map<string, Set<string>>;

/**
 * Runs the built `tune` CLI in `cwd` and returns, besides its result, every npm package the
 * process loaded: as an ES module, or required by CommonJS code in a given thread (0 is the
 * main thread, piscina's workers have higher ids).
 */
export function tuneTracingModules(args: string[], cwd: string): RunResult & { loads: ModuleLoads } {
  const trace = join(tempDir('tune-trace-'), 'modules.txt');
  const run = spawnSync(process.execPath, ['--require', REQUIRE, '--import', REGISTER, TUNE, ...args], {
    cwd,
    env: { ...process.env, TUNE_MODULE_TRACE: trace },
    encoding: 'utf8',
    timeout: 300_000,
  });
  const loads: ModuleLoads = new Map();
  let text = '';
  try {
    text = readFileSync(trace, 'utf8');
  } catch {
    // No package loaded at all: the file was never written.
  }
  for (const line of text.split('\n').filter(Boolean)) {
    const [where, pkg] = line.split(' ') as [string, string];
    loads.set(pkg, (loads.get(pkg) ?? new Set()).add(where));
  }
  return { code: run.status, stdout: run.stdout, stderr: run.stderr, loads };
}

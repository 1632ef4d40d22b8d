import type { TrialRecord } from '../../src/domain/trial.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from dist/test/...). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const TUNE = join(ROOT, 'dist', 'src', 'cli', 'main.js');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `tune` CLI as a user would, in `cwd` (default: the repo root). */
export function tune(args: string[], cwd = ROOT, env: NodeJS.ProcessEnv = process.env): RunResult {
  const run = spawnSync(process.execPath, [TUNE, ...args], { cwd, env, encoding: 'utf8', timeout: 300_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A fresh temporary folder for one test. */
export function tempDir(prefix = 'tune-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Everything in `dir`, hidden files included, to prove nothing half-written stays behind. */
export function listing(dir: string): string[] {
  return readdirSync(dir).sort();
}

/** The trials that `tune list --json STORAGE_FLAGS...` prints in `dir` (storage: ['--db', path] or ['--storage', url]). */
export const listed = (dir: string, storage: string[]): TrialRecord[] =>
  tune(['list', '--json', ...storage], dir)
    .stdout.trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TrialRecord);

/** The trials of the study in `dir`/trials.db, as `tune list --json` prints them. */
export const trialsOf = (dir: string): TrialRecord[] => listed(dir, ['--db', join(dir, 'trials.db')]);

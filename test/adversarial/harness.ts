/**
 * The adversarial suite's table runner. Each case is a user (a careless or a hostile one)
 * doing one thing to `tune` in a fresh folder of real files: it sets the folder up, runs the
 * built CLI there, and the runner checks the contract every case shares:
 * - the exit code;
 * - stderr is exactly one line matching `stderr` (when the case gives one);
 * - no file in the folder changed, appeared or vanished except those the case names in
 *   `changes` (sha256 digests before and after, links and devices included by their target);
 * - every SQLite database the case names passes `PRAGMA integrity_check`.
 * `npm test` runs the cases marked `quick`; `npm run test:adversarial` (TUNE_ADVERSARIAL=full)
 * runs them all.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { TUNE, tempDir } from '../helpers/tune.js';

export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from the start of the command to its exit. */
  ms: number;
}

export interface Case {
  /** The behaviour, as a test name: "a corrupt gzip chunk is refused before any trial". */
  name: string;
  /** Where it comes from: "11.1" for issue 11's first failure, "11.new" for one we added. */
  from: string;
  /** Runs in `npm test` too; keep these under a few seconds each. */
  quick?: boolean;
  /** Writes the case's files into `dir` (the command's working folder). May return extra state for `check`. */
  setup(dir: string): unknown | Promise<unknown>;
  /**
   * A script that node runs in place of the built `tune` (a test driver, such as one that runs
   * the study loop past the space check); absolute. Default: tune's own main.
   */
  script?: string;
  /** The `tune` arguments (or the script's); a function sees the folder and what `setup` returned. */
  args: string[] | ((dir: string, state: unknown) => string[]);
  /** Extra environment for the command. */
  env?: NodeJS.ProcessEnv;
  /** Feeds stdin (undefined: stdin is closed). */
  stdin?: string;
  /** What the harness does to the running command: for example, send SIGINT once it has printed a line. */
  drive?(child: import('node:child_process').ChildProcess, dir: string): void;
  /** 'pipe-closed': stdout is a pipe whose reader goes away after the first chunk, as `| head -1`. */
  stdout?: 'pipe-closed';
  exit: number;
  /** The single stderr line; undefined: stderr is not checked (for exit 0 it must then be empty of `tune:` errors). */
  stderr?: RegExp;
  /** Paths (relative to the folder) allowed to change; a RegExp matches several. Default: none. */
  changes?: (string | RegExp)[];
  /** Databases (relative to the folder) that must pass integrity_check afterwards. */
  databases?: string[];
  /** Assertions of the case's own, after the shared ones. */
  check?(dir: string, outcome: Outcome, state: unknown): void | Promise<void>;
  /** Milliseconds before the command is killed and the case fails (default 60 s). */
  timeoutMs?: number;
  /** Why this case cannot run here, or undefined when it can (a missing tmpfs, not being root). It is then skipped with one loud line. */
  unavailable?(): string | undefined;
  /**
   * Set while the failure is known and not fixed yet: the case still runs, and node:test
   * reports it as TODO with this text instead of failing the suite. Remove it with the fix.
   */
  open?: string;
  /** Undoes what setup did outside the folder (a mount). */
  teardown?(dir: string, state: unknown): void;
}

/** Every entry under `dir` with the digest of its bytes (or its link target, or its kind). */
export function digests(dir: string, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const rel = prefix + name;
    const st = lstatSync(path);
    if (st.isSymbolicLink()) out.set(rel, `link:${readlinkSync(path)}`);
    else if (st.isDirectory()) {
      out.set(rel, 'dir');
      for (const [k, v] of digests(path, `${rel}/`)) out.set(k, v);
    } else if (st.isFile()) out.set(rel, createHash('sha256').update(readFileSync(path)).digest('hex'));
    else out.set(rel, `special:${st.mode}:${st.rdev}`);
  }
  return out;
}

function allowed(path: string, changes: (string | RegExp)[]): boolean {
  return changes.some((c) => (typeof c === 'string' ? path === c || path.startsWith(`${c}/`) : c.test(path)));
}

/** The paths whose digest differs, appeared or vanished between two snapshots. */
export function changed(before: Map<string, string>, after: Map<string, string>): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((p) => before.get(p) !== after.get(p)).sort();
}

function run(c: Case, dir: string, state: unknown): Promise<Outcome> {
  const args = typeof c.args === 'function' ? c.args(dir, state) : c.args;
  const t0 = performance.now();
  const child = spawn(process.execPath, [c.script ?? TUNE, ...args], { cwd: dir, env: { ...process.env, ...c.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (s: string) => {
    stdout += s;
    // As `| head -1`: the reader takes one chunk and goes away.
    if (c.stdout === 'pipe-closed') child.stdout.destroy();
  });
  child.stderr.on('data', (s: string) => (stderr += s));
  if (c.stdin !== undefined) child.stdin.end(c.stdin);
  else child.stdin.end();
  c.drive?.(child, dir);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after ${c.timeoutMs ?? 60_000} ms; stderr so far: ${stderr.slice(-2000)}`));
    }, c.timeoutMs ?? 60_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // Let the pipes drain before the outcome is read.
      setImmediate(() => resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 }));
    });
  });
}

/** Registers one node:test test per case; the ones not marked quick run only under TUNE_ADVERSARIAL=full. */
export function runCases(title: string, cases: Case[]): void {
  const full = process.env['TUNE_ADVERSARIAL'] === 'full';
  describe(title, () => {
    for (const c of cases) {
      if (!full && !c.quick) continue;
      it(`${c.name} [${c.from}]`, c.open === undefined ? {} : { todo: c.open }, async (t) => {
        const why = c.unavailable?.();
        if (why !== undefined) {
          // Loud, not silent: the reason goes to stderr and into the test report.
          process.stderr.write(`adversarial: SKIPPED "${c.name}": ${why}\n`);
          t.skip(why);
          return;
        }
        const dir = tempDir('tune-adv-');
        let state: unknown;
        try {
          state = await c.setup(dir);
          const before = digests(dir);
          const outcome = await run(c, dir, state);
          const lines = outcome.stderr.split('\n').filter((l) => l.length > 0);
          const context = `exit ${outcome.code} (${outcome.signal ?? 'no signal'}); stderr:\n${outcome.stderr.slice(-3000)}`;
          assert.equal(outcome.code, c.exit, context);
          if (c.stderr) {
            assert.equal(lines.length, 1, `expected one stderr line; ${context}`);
            assert.match(lines[0]!, c.stderr, context);
          }
          const after = digests(dir);
          const unexpected = changed(before, after).filter((p) => !allowed(p, c.changes ?? []));
          assert.deepEqual(unexpected, [], `files changed that the case does not allow; ${context}`);
          for (const db of c.databases ?? []) {
            const handle = new Database(join(dir, db), { readonly: true, fileMustExist: true });
            try {
              assert.equal(handle.pragma('integrity_check', { simple: true }), 'ok', `${db} fails integrity_check`);
            } finally {
              handle.close();
            }
          }
          await c.check?.(dir, outcome, state);
        } finally {
          c.teardown?.(dir, state);
          rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
        }
      });
    }
  });
}

/** A `tune` child process (tune run, tune dashboard) that a test watches and stops. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import assert from 'node:assert/strict';
import { TUNE } from './tune.js';

export interface Child {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  exited: Promise<number | null>;
}

/** Starts `tune ARGS...` in dir, its stdout and stderr gathered together. */
export function start(dir: string, args: string[]): Child {
  const child = spawn(process.execPath, [TUNE, ...args], { cwd: dir });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, exited };
}

/** Polls `probe` every 100 ms until it gives a value; throws after `ms`, naming what it waited for. */
export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `tune dashboard --port 0` on db (a --db path, or a --storage URL with storageFlag '--storage'); resolves with its child and the URL it printed. */
export async function dashboard(dir: string, db: string, storageFlag = '--db'): Promise<Child & { url: string }> {
  const d = start(dir, ['dashboard', '--port', '0', storageFlag, db]);
  const url = await until('the dashboard URL', () => /http:\/\/127\.0\.0\.1:\d+\//.exec(d.out())?.[0], 60_000);
  return { ...d, url };
}

/**
 * Sends the requests that would change a study if the dashboard took them (POST, PUT and DELETE
 * on its pages and API) and checks that each gets 405 with Allow: GET, HEAD.
 */
export async function refusedWrites(url: string): Promise<void> {
  for (const [method, path] of [
    ['POST', 'api/studies/tiny/trials'],
    ['DELETE', 'api/studies/tiny/trials'],
    ['DELETE', 'studies/tiny'],
    ['POST', ''],
    ['PUT', 'api/studies'],
  ] as const) {
    const r = await fetch(`${url}${path}`, { method, body: method === 'DELETE' ? undefined : '{"status":"failed"}' });
    assert.equal(r.status, 405, `${method} /${path}`);
    assert.equal(r.headers.get('allow'), 'GET, HEAD');
  }
}

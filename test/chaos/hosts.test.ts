import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeHosts } from '../helpers/hosts.js';
import { onServer, testServer, withDatabase } from '../helpers/postgres.js';
import { wideSpace, writeSpace } from '../helpers/tiny-study.js';
import { ROOT, TUNE, tempDir } from '../helpers/tune.js';

const TRIALS = 30;
const CLUSTER = join(ROOT, 'scripts', 'postgres-cluster.mjs');

interface Host {
  child: ChildProcess;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('many hosts on one PostgreSQL study', () => {
  const hosts = makeHosts(3, 231);
  // Namespaced hosts reach a cluster of this test's own, which listens on their veth peers;
  // hosts on loopback share the one `npm test` started.
  let cluster: string | undefined;
  after(() => {
    hosts.remove();
    if (cluster) spawnSync(process.execPath, [CLUSTER, 'stop', cluster]);
  });

  it(`3 tune run processes, one killed with -9 midway and one started late, end with exactly ${TRIALS} complete trials`, { timeout: 10 * 60_000 }, async () => {
    console.log(
      hosts.isolated ? '# hosts: 3 network namespaces, each reaching the database over its own veth pair' : `# hosts: all on loopback (${hosts.why})`,
    );
    let server = testServer();
    if (hosts.isolated) {
      const gateways = [0, 1, 2].map((i) => hosts.gateway(i));
      const started = spawnSync(process.execPath, [CLUSTER, 'start', '--listen', gateways.join(','), '--trust', '10.231.0.0/16'], { encoding: 'utf8' });
      assert.equal(started.status, 0, started.stderr);
      cluster = started.stdout.trim();
      server = cluster;
    }
    const database = `tune_hosts_${process.pid}`;
    await onServer(`CREATE DATABASE ${database}`, [], server);
    const urlFor = (i: number) => {
      const url = new URL(withDatabase(server, database));
      url.hostname = hosts.gateway(i);
      return url.toString();
    };
    const dir = tempDir();
    const space = writeSpace(dir, wideSpace(dir, { max_trials: TRIALS, epochs: 60, oracle: 'bayesian' }));
    const start = (i: number): Host => {
      const [command, ...args] = hosts.command(i, [process.execPath, TUNE, 'run', space, '--storage', urlFor(i), '--workers', '1', '--no-tui']);
      const child = spawn(command!, args, { cwd: dir });
      const host: Host = { child, stderr: '', exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))) };
      child.stderr!.on('data', (chunk: Buffer) => (host.stderr += chunk.toString()));
      child.stdout!.resume();
      return host;
    };
    const query = <R>(sql: string) => onServer<R>(sql, [], withDatabase(server, database));
    const waitFor = async (what: string, ok: () => Promise<boolean>) => {
      for (const t0 = Date.now(); !(await ok()); await sleep(200)) if (Date.now() - t0 > 240_000) assert.fail(`waited 240 s for ${what}`);
    };

    const first = start(0);
    const second = start(1);
    // The kill comes while the first host is in a trial, once the study is well under way.
    const ownedByFirst = (owner: string | null) => owner?.split(':')[1] === String(first.child.pid);
    await waitFor('5 complete trials and a running one on host 0', async () => {
      const rows = await query<{ status: string; owner: string | null }>('SELECT status, owner FROM trials').catch(() => []);
      return rows.filter((r) => r.status === 'complete').length >= 5 && rows.some((r) => r.status === 'running' && ownedByFirst(r.owner));
    });
    first.child.kill('SIGKILL');
    assert.equal((await first.exited).signal, 'SIGKILL');
    // What the killed host left running, read after its death: a trial it finished meanwhile is not lost.
    const victim = (await query<{ number: number; owner: string }>("SELECT number, owner FROM trials WHERE status = 'running'")).filter((r) =>
      ownedByFirst(r.owner),
    );
    assert.ok(victim.length > 0, 'the kill found the first host in a trial');
    const late = start(2);
    const ends = await Promise.all([second.exited, late.exited]);
    ends.forEach((end, i) => assert.equal(end.code, 0, [second, late][i]!.stderr));
    for (const host of [second, late]) assert.doesNotMatch(host.stderr, /deadlock|serializ|could not obtain lock|locked/i);

    const trials = await query<{ number: number; status: string; values_json: string; owner: string | null; id: number }>(
      'SELECT id, number, status, values_json, owner FROM trials ORDER BY number',
    );
    assert.deepEqual(
      trials.map((t) => t.status),
      Array(TRIALS).fill('complete'),
      'every trial complete, none more and none lost',
    );
    assert.deepEqual(
      trials.map((t) => t.number),
      Array.from({ length: TRIALS }, (_, i) => i + 1),
    );
    assert.equal(new Set(trials.map((t) => t.values_json)).size, TRIALS, 'no values twice');
    const attempts = await query<{ trial_id: number; owner: string | null; outcome: string }>('SELECT trial_id, owner, outcome FROM attempts');
    for (const { number, owner } of victim) {
      const trial = trials.find((t) => t.number === number)!;
      assert.notEqual(trial.owner, owner, `trial ${number} was finished by a live host`);
      assert.ok(
        attempts.some((a) => a.trial_id === trial.id && a.owner === owner),
        `trial ${number} keeps the killed host's attempt: ${JSON.stringify(attempts)}`,
      );
    }
    const finishers = new Set(trials.map((t) => t.owner?.split(':')[0]));
    console.log(
      `# ${TRIALS} trials complete; finished on ${[...finishers].join(', ')}; the killed host's trial ${victim.map((v) => v.number).join(', ')} re-run`,
    );
    if (hosts.isolated) assert.ok(finishers.has('tune-host-2'), 'the late host ran trials');
  });
});

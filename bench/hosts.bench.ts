/**
 * bench:hosts — trials per minute of one small study with 1, 2 and 3 `tune run` processes on
 * one PostgreSQL database, and with 1 process on SQLite, all on this machine. The study is
 * small on purpose (a few epochs of a small model on a few hundred rows), so that claiming
 * trials and writing their epochs and weights is a real share of each trial's time, and it
 * is what this bench compares. Every process runs one worker (`--workers 1`).
 *
 *   npm run bench:hosts [-- --trials 300 --epochs 3 --repeats 1 --storage postgresql://...]
 *
 * Without --storage it starts a private cluster (scripts/postgres-cluster.mjs) and stops it
 * after. Prints one JSON object: per configuration, the wall time, trials complete, trials per
 * minute, exits, any lock or serialization error in stderr, and the load average before and after.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ROOT, TUNE } from '../test/helpers/tune.js';
import { flag, numberFlag, peerDir, PYTHON } from './bench-data.js';

const CLUSTER = join(ROOT, 'scripts', 'postgres-cluster.mjs');
const LOCK_ERRORS = /deadlock|serializ|could not obtain lock|database is locked|SQLITE_BUSY/i;

interface Configuration {
  storage: 'sqlite' | 'postgresql';
  processes: number;
}

const CONFIGURATIONS: Configuration[] = [
  { storage: 'sqlite', processes: 1 },
  { storage: 'postgresql', processes: 1 },
  { storage: 'postgresql', processes: 2 },
  { storage: 'postgresql', processes: 3 },
];

async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

function run(command: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(command[0]!, command.slice(1), { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

async function main(): Promise<void> {
  const trials = numberFlag('--trials', 300);
  const epochs = numberFlag('--epochs', 3);
  const repeats = numberFlag('--repeats', 1);
  const work = mkdtempSync(join(tmpdir(), 'tune-bench-hosts-'));
  const data = join(work, 'data');
  const made = spawnSync(
    PYTHON,
    [join(peerDir(), 'make_features.py'), data, '--train', '400', '--valid', '100', '--test', '100', '--dim', '256', '--seed', '3'],
    {
      encoding: 'utf8',
    },
  );
  if (made.status !== 0) throw new Error(`make_features.py failed: ${made.stderr}`);
  // Continuous ranges, so that the study never runs out of value sets (the seed's space has 66).
  const space = join(work, 'space.json');
  writeFileSync(
    space,
    JSON.stringify({
      name: 'hosts',
      data: { train: join(data, 'train.hdf5'), valid: join(data, 'valid.hdf5'), test: join(data, 'test.hdf5') },
      hyperparameters: [
        { name: 'first_dense', type: 'choice', values: [4, 8, 16] },
        { name: 'dropout_rate', type: 'float', min: 0.05, max: 0.5 },
        { name: 'learning_rate', type: 'float', min: 1e-4, max: 1e-2, sampling: 'log' },
      ],
      model: [{ dense: '$first_dense', activation: 'relu' }, { dropout: '$dropout_rate' }, { dense: 1, activation: 'sigmoid' }],
      compile: { loss: 'binary_crossentropy', optimizer: 'rmsprop', learning_rate: '$learning_rate', metrics: ['accuracy'] },
      tuner: { oracle: 'random', objective: 'val_accuracy', max_trials: trials, executions_per_trial: 1, epochs, batch_size: 32, seed: 1 },
    }),
  );
  let server = flag('--storage');
  let cluster: string | undefined;
  if (server === undefined) {
    const started = spawnSync(process.execPath, [CLUSTER, 'start'], { encoding: 'utf8' });
    if (started.status !== 0) throw new Error(`the private cluster did not start: ${started.stderr}`);
    cluster = server = started.stdout.trim();
  }
  const results = [];
  try {
    for (let repeat = 1; repeat <= repeats; repeat++) {
      for (const [i, c] of CONFIGURATIONS.entries()) {
        let storage: string;
        if (c.storage === 'sqlite') storage = `sqlite:///${join(work, `r${repeat}-c${i}.db`)}`;
        else {
          const database = `tune_bench_hosts_${process.pid}_${repeat}_${i}`;
          await sql(server, `CREATE DATABASE ${database}`);
          const url = new URL(server);
          url.pathname = `/${database}`;
          storage = url.toString();
        }
        const args = ['run', space, '--storage', storage];
        const command = [process.execPath, TUNE, ...args, '--workers', '1', '--no-tui'];
        const before = loadavg();
        const t0 = performance.now();
        const runs = await Promise.all(Array.from({ length: c.processes }, () => run(command, work)));
        const seconds = (performance.now() - t0) / 1000;
        const listed = spawnSync(process.execPath, [TUNE, 'list', '--storage', storage, '--json'], { encoding: 'utf8', cwd: work });
        const statuses = listed.stdout
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { status: string }).status);
        const complete = statuses.filter((s) => s === 'complete').length;
        results.push({
          storage: c.storage,
          processes: c.processes,
          repeat,
          seconds: Number(seconds.toFixed(2)),
          trialsComplete: complete,
          trialsInStorage: statuses.length,
          trialsPerMinute: Number(((complete / seconds) * 60).toFixed(1)),
          exitCodes: runs.map((r) => r.code),
          lockErrors: runs.flatMap((r) => r.stderr.split('\n').filter((line) => LOCK_ERRORS.test(line))),
          loadavgBefore: before,
          loadavgAfter: loadavg(),
        });
        process.stderr.write(`bench:hosts: ${c.storage} x${c.processes}: ${complete} trials in ${seconds.toFixed(1)} s\n`);
      }
    }
  } finally {
    if (cluster) spawnSync(process.execPath, [CLUSTER, 'stop', cluster]);
    rmSync(work, { recursive: true, force: true });
  }
  const study = {
    space,
    trials,
    epochs,
    executions: 1,
    oracle: 'random',
    workersPerProcess: 1,
    data: 'make_features.py --train 400 --valid 100 --test 100 --dim 256 --seed 3',
  };
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model.trim(), node: process.version };
  const targets = {
    'no lock or serialization error with 3 processes': results
      .filter((r) => r.processes === 3)
      .every((r) => r.lockErrors.length === 0 && r.exitCodes.every((c) => c === 0)),
    'every configuration completes exactly the study': results.every((r) => r.trialsComplete === trials && r.trialsInStorage === trials),
  };
  const where = cluster ? 'a private cluster on loopback' : 'the --storage server';
  process.stdout.write(`${JSON.stringify({ bench: 'hosts', study, machine, server: where, results, targets }, null, 2)}\n`);
}

await main();

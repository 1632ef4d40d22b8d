/**
 * `npm run bench:study [-- --quick] [--data DIR] [--dim 8192]`: the seed's study with `tune`
 * and, when /usr/bin/python3 has torch and optuna, the peer (shared/peer/optuna_torch.py) on
 * the same HDF5 files in the same run. Without --data the files are made by the peer's own
 * generator (shared/peer/make_features.py: 2000 / 340 / 340 rows). Prints one JSON object.
 *
 * --quick: 16 trials x 2 executions x 5 epochs, for everyday use; otherwise the seed's 160 x 2 x 50.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { ROOT, TUNE, tempDir } from '../test/helpers/tune.js';

const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const quick = process.argv.includes('--quick');
const trials = quick ? 16 : 160;
const epochs = quick ? 5 : 50;
const executions = 2;
const PYTHON = '/usr/bin/python3';
const PEER = join(ROOT, '..', 'shared', 'peer');

const work = tempDir('tune-bench-study-');
let data = flag('--data');
if (!data) {
  data = join(work, 'data');
  const made = spawnSync(PYTHON, [join(PEER, 'make_features.py'), data, '--dim', flag('--dim') ?? '8192'], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`make_features.py failed: ${made.stderr}`);
}

const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, loadavgBefore: loadavg(), node: process.version };
const db = join(work, 'trials.db');
const t0 = performance.now();
const run = spawnSync(process.execPath, [TUNE, 'run', join(ROOT, 'search-spaces', 'gender.json'), '--data', data, '--db', db, '--max-trials', String(trials), '--epochs', String(epochs), '--executions', String(executions), '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
const tuneSeconds = (performance.now() - t0) / 1000;
if (run.status !== 0) throw new Error(`tune run failed: ${run.stderr}`);
const events = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; score?: number; seconds?: number; reason?: string });
const complete = events.filter((e) => e.type === 'trial-complete');
const tune = {
  seconds: Number(tuneSeconds.toFixed(1)),
  trials: complete.length,
  endedBy: events.find((e) => e.type === 'study-finished')?.reason,
  msPerTrialEpoch: Number(((tuneSeconds * 1000) / (complete.length * executions * epochs)).toFixed(1)),
  bestValAccuracy: Math.max(...complete.map((e) => e.score!)),
};

let peer: Record<string, unknown> | string = 'not run: /usr/bin/python3 lacks torch or optuna';
if (spawnSync(PYTHON, ['-c', 'import torch, optuna, h5py'], { encoding: 'utf8' }).status === 0) {
  // The same number of trials as tune completed, so that both do the same work.
  const p = spawnSync(PYTHON, [join(PEER, 'optuna_torch.py'), data, '--trials', String(complete.length), '--executions', String(executions), '--epochs', String(epochs)], { encoding: 'utf8' });
  if (p.status !== 0) throw new Error(`peer failed: ${p.stderr}`);
  const out = JSON.parse(p.stdout.trim().split('\n').at(-1)!) as { seconds: number; best_value: number; epochs_trained: number };
  peer = { seconds: out.seconds, trials: complete.length, msPerTrialEpoch: Number(((out.seconds * 1000) / out.epochs_trained).toFixed(1)), bestValAccuracy: out.best_value };
}
const ratio = typeof peer === 'object' ? Number(((peer['seconds'] as number) / tune.seconds).toFixed(2)) : undefined;
console.log(JSON.stringify({ bench: `study ${quick ? 'quick' : 'full'}`, data, trials, executions, epochs, machine, loadavgAfter: loadavg(), tune, peer, peerSecondsOverTune: ratio }, null, 2));

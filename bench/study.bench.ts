/**
 * `npm run bench:study [-- --quick] [--data DIR] [--dim 8192]`: the seed's study with `tune`
 * and, when /usr/bin/python3 has torch and optuna, the peer (shared/peer/optuna_torch.py) on
 * the same HDF5 files in the same run. Without --data the files are made by the peer's own
 * generator (shared/peer/make_features.py: 2000 / 340 / 340 rows). Prints one JSON object.
 *
 * --quick: 16 trials x 2 executions x 5 epochs, for everyday use; otherwise the seed's 160 x 2 x 50.
 * --no-peer: tune alone (the peer's whole study takes about 37 minutes here).
 * --workers N, --pack N: passed to `tune run`; `--workers 1 --pack 1` trains one trial at a time, as the peer does.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
// GNU time, where installed, reports the peak resident memory (worker threads included).
const TIME = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', 'PEAK_RSS_KB %M'] : [];
const peakMiB = (stderr: string): number | undefined => {
  const kb = /PEAK_RSS_KB (\d+)/.exec(stderr)?.[1];
  return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
};
const timed = (command: string, args: string[]) => spawnSync(TIME[0] ?? command, [...TIME.slice(1), ...(TIME.length ? [command] : []), ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
const passed = ['--workers', '--pack'].flatMap((name) => (flag(name) === undefined ? [] : [name, flag(name)!]));
const run = timed(process.execPath, [TUNE, 'run', join(ROOT, 'search-spaces', 'gender.json'), '--data', data, '--db', db, '--max-trials', String(trials), '--epochs', String(epochs), '--executions', String(executions), ...passed, '--json']);
const tuneSeconds = (performance.now() - t0) / 1000;
if (run.status !== 0) throw new Error(`tune run failed: ${run.stderr}`);
const events = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; score?: number; seconds?: number; reason?: string; workers?: number; pack?: number });
const started = events.find((e) => e.type === 'study-started');
const complete = events.filter((e) => e.type === 'trial-complete');
const tune = {
  seconds: Number(tuneSeconds.toFixed(1)),
  trials: complete.length,
  workers: started?.workers,
  pack: started?.pack,
  endedBy: events.find((e) => e.type === 'study-finished')?.reason,
  msPerTrialEpoch: Number(((tuneSeconds * 1000) / (complete.length * executions * epochs)).toFixed(1)),
  bestValAccuracy: Math.max(...complete.map((e) => e.score!)),
  peakMiB: peakMiB(run.stderr),
};

let peer: Record<string, unknown> | string = 'not run: /usr/bin/python3 lacks torch or optuna';
if (process.argv.includes('--no-peer')) peer = 'not run: --no-peer';
else if (spawnSync(PYTHON, ['-c', 'import torch, optuna, h5py'], { encoding: 'utf8' }).status === 0) {
  // The same number of trials as tune completed, so that both do the same work.
  const p = timed(PYTHON, [join(PEER, 'optuna_torch.py'), data, '--trials', String(complete.length), '--executions', String(executions), '--epochs', String(epochs)]);
  if (p.status !== 0) throw new Error(`peer failed: ${p.stderr}`);
  const out = JSON.parse(p.stdout.trim().split('\n').at(-1)!) as { seconds: number; best_value: number; epochs_trained: number };
  peer = { seconds: out.seconds, trials: complete.length, msPerTrialEpoch: Number(((out.seconds * 1000) / out.epochs_trained).toFixed(1)), bestValAccuracy: out.best_value, peakMiB: peakMiB(p.stderr) };
}
const ratio = typeof peer === 'object' ? Number(((peer['seconds'] as number) / tune.seconds).toFixed(2)) : undefined;
console.log(JSON.stringify({ bench: `study ${quick ? 'quick' : 'full'}`, data, trials, executions, epochs, machine, loadavgAfter: loadavg(), tune, peer, peerSecondsOverTune: ratio }, null, 2));

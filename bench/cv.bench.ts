/**
 * `npm run bench:cv [-- --epochs N] [--executions N] [--folds K] [--repeats N] [--width N]`: how
 * close k folds trained as one pack come to one pass. One trial of the seed's model at fixed
 * values (a dense layer of `--width` units, dropout 0.5) on the demo features in hdf5_data/,
 * run `--repeats` times each way, in turn: on the plain split (trains on train, validates on
 * valid); with k-fold cross-validation (k members in one pack over train+valid); and, for
 * scale, on the plain split with k times the executions (as many members in one pack, with no
 * folds). Prints one JSON object: each way's trial seconds (training only, from the trial's own
 * record) and wall seconds of the whole `tune run`, their medians, and the ratios of the medians
 * to the plain split's.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, TUNE } from '../test/helpers/tune.js';
import { benchFolder, numberFlag } from './bench-data.js';

const plan = {
  epochs: numberFlag('--epochs', 20),
  executions: numberFlag('--executions', 1),
  folds: numberFlag('--folds', 5),
  repeats: numberFlag('--repeats', 3),
  width: numberFlag('--width', 64),
};
const work = benchFolder('tune-bench-cv-');
const seed = JSON.parse(readFileSync(join(ROOT, 'search-spaces', 'gender.json'), 'utf8')) as Record<string, unknown>;

type Way = 'plain' | 'cv' | 'members';

/** The space file of one way: the same model and tuner, cross-validated or not. */
function space(way: Way): string {
  const cv = way === 'cv';
  const path = join(work, `${way}.json`);
  const body = {
    ...seed,
    name: way,
    data: { train: join(ROOT, 'hdf5_data', 'train.hdf5'), valid: join(ROOT, 'hdf5_data', 'valid.hdf5'), test: join(ROOT, 'hdf5_data', 'test.hdf5') },
    hyperparameters: [
      { name: 'width', type: 'fixed', value: plan.width },
      { name: 'rate', type: 'fixed', value: 0.5 },
    ],
    model: [{ dense: '$width', activation: 'relu' }, { dropout: '$rate' }, { dense: 1, activation: 'sigmoid' }],
    tuner: {
      oracle: 'random',
      objective: 'val_accuracy',
      max_trials: 1,
      executions_per_trial: plan.executions * (way === 'members' ? plan.folds : 1),
      epochs: plan.epochs,
      batch_size: 32,
      ...(cv ? { cross_validation: { folds: plan.folds, stratified: true } } : {}),
    },
  };
  writeFileSync(path, JSON.stringify(body));
  return path;
}

/** One `tune run` of one way, in a fresh database: its trial's seconds and the wall seconds. */
function run(way: Way, repeat: number): { trial: number; wall: number } {
  const db = join(work, `${way}-${repeat}.db`);
  const t0 = performance.now();
  const done = spawnSync(process.execPath, [TUNE, 'run', space(way), '--db', db, '--workers', '1', '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const wall = (performance.now() - t0) / 1000;
  if (done.status !== 0) throw new Error(`tune run (${way}) failed with status ${done.status}: ${done.stderr}`);
  const ended = done.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; seconds?: number })
    .find((e) => e.type === 'trial-complete');
  return { trial: ended!.seconds!, wall };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number): number => Number(x.toFixed(3));
const runs: Record<Way, { trial: number; wall: number }[]> = { plain: [], cv: [], members: [] };
for (let r = 0; r < plan.repeats; r++) for (const way of ['plain', 'cv', 'members'] as const) runs[way].push(run(way, r));
const summary = (xs: { trial: number; wall: number }[]) => ({
  trialSeconds: xs.map((x) => round(x.trial)),
  wallSeconds: xs.map((x) => round(x.wall)),
  medianTrialSeconds: round(median(xs.map((x) => x.trial))),
  medianWallSeconds: round(median(xs.map((x) => x.wall))),
});
const plain = summary(runs.plain);
const cv = summary(runs.cv);
const members = summary(runs.members);
process.stdout.write(
  `${JSON.stringify({
    plan,
    plain,
    cv,
    members,
    cvTrialRatio: round(cv.medianTrialSeconds / plain.medianTrialSeconds),
    cvWallRatio: round(cv.medianWallSeconds / plain.medianWallSeconds),
    membersTrialRatio: round(members.medianTrialSeconds / plain.medianTrialSeconds),
  })}\n`,
);

/**
 * `npm run bench:pruning [-- --quick] [--trials N --executions N --epochs N] [--seed N] [--workers N]`:
 * the seed's study (search-spaces/gender.json) on the demo features in hdf5_data/, run three
 * times with the same seed and budget: without a pruner, with `median` and with `asha` (each
 * with its defaults). Prints one JSON object: for each, the epochs trained (every execution's),
 * their share of the unpruned run's, the trials pruned, the best complete trial's val_accuracy
 * and the wall seconds. Issue 13's target (not a test): ASHA trains at most half the epochs,
 * with its best within 0.01 of no pruning.
 *
 *   default   the seed's whole budget: 160 trials (its 66 value sets) x 2 executions x 50 epochs
 *   --quick   24 trials x 1 execution x 20 epochs
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, TUNE } from '../test/helpers/tune.js';
import { benchFolder, flag, numberFlag } from './bench-data.js';

const TARGETS = { ashaShare: 0.5, accuracyGap: 0.01 };
const quick = process.argv.includes('--quick');
const plan = {
  trials: numberFlag('--trials', quick ? 24 : 160),
  executions: numberFlag('--executions', quick ? 1 : 2),
  epochs: numberFlag('--epochs', quick ? 20 : 50),
  seed: numberFlag('--seed', 1),
};
const workers = flag('--workers');
const space = join(ROOT, 'search-spaces', 'gender.json');
const work = benchFolder('tune-bench-pruning-');

interface Event {
  type: string;
  number?: number;
  pruned?: number;
  reason?: string;
  best?: { number: number; score: number };
}

/** One `tune run` of the plan with `pruner`; throws when it fails. */
function run(pruner: 'none' | 'median' | 'asha') {
  const args = [TUNE, 'run', space, '--data', join(ROOT, 'hdf5_data'), '--db', join(work, `${pruner}.db`), '--pruner', pruner, '--json'];
  args.push('--max-trials', String(plan.trials), '--executions', String(plan.executions), '--epochs', String(plan.epochs), '--seed', String(plan.seed));
  if (workers !== undefined) args.push('--workers', workers);
  const t0 = performance.now();
  const done = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30 });
  const seconds = (performance.now() - t0) / 1000;
  if (done.status !== 0) throw new Error(`tune run --pruner ${pruner} failed with status ${done.status}: ${done.stderr}`);
  const events = done.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Event);
  const finished = events.find((e) => e.type === 'study-finished');
  return {
    pruner,
    epochsTrained: events.filter((e) => e.type === 'epoch').length,
    trials: events.filter((e) => e.type === 'trial-complete').length,
    pruned: events.filter((e) => e.type === 'trial-complete' && e.pruned !== undefined).length,
    bestValAccuracy: finished?.best?.score ?? null,
    reason: finished?.reason,
    seconds: Number(seconds.toFixed(1)),
  };
}

const runs = (['none', 'median', 'asha'] as const).map(run);
const base = runs[0]!;
const figures = runs.map((r) => ({
  ...r,
  share: Number((r.epochsTrained / base.epochsTrained).toFixed(3)),
  bestGap: r.bestValAccuracy !== null && base.bestValAccuracy !== null ? Number((base.bestValAccuracy - r.bestValAccuracy).toFixed(4)) : null,
}));
const asha = figures[2]!;
console.log(
  JSON.stringify(
    {
      bench: 'pruning',
      variant: quick ? 'quick' : 'full',
      plan,
      runs: figures,
      targets: { ...TARGETS, ashaMet: asha.share <= TARGETS.ashaShare && asha.bestGap !== null && asha.bestGap <= TARGETS.accuracyGap },
    },
    null,
    2,
  ),
);

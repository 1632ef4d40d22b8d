import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EpochMetrics } from '../../src/domain/trial.js';
import { tinySpace, writeSpace, writeTinyData } from '../helpers/tiny-study.js';
import { tempDir, trialsOf, tune } from '../helpers/tune.js';

const EPOCHS = 6;

const epochsOf = (dir: string, n: number): { execution: number; epoch: number; metrics: EpochMetrics }[] =>
  (JSON.parse(tune(['show', String(n), '--json'], dir).stdout) as { epochs: { execution: number; epoch: number; metrics: EpochMetrics }[] }).epochs;

/** Runs the tiny study (15 value sets, 6 epochs) in its own folder with these flags and tuner settings. */
function study(tuner: Record<string, unknown>, flags: string[]): string {
  const dir = tempDir();
  const space = writeSpace(dir, tinySpace(writeTinyData(dir), { oracle: 'random', max_trials: 15, epochs: EPOCHS, ...tuner }));
  const run = tune(['run', space, '--workers', '1', '--seed', '3', ...flags], dir);
  assert.equal(run.code, 0, run.stderr);
  return dir;
}

describe('tune run --pruner (tiny study, real HDF5 and SQLite files)', () => {
  it('ends poor trials pruned with the epochs they trained, and tune list shows them', () => {
    const dir = study({}, ['--pruner', 'median', '--pack', '1']);
    const trials = trialsOf(dir);
    const pruned = trials.filter((t) => t.status === 'pruned');
    assert.ok(pruned.length > 0, `some trials are pruned: ${trials.map((t) => t.status).join(' ')}`);
    assert.ok(
      trials.slice(0, 5).every((t) => t.status === 'complete'),
      'none before the 5 startup trials are complete',
    );
    for (const t of pruned) {
      const epochs = epochsOf(dir, t.number);
      assert.ok(epochs.length >= 1 && epochs.length < EPOCHS, `trial ${t.number} kept ${epochs.length} epochs`);
      assert.deepEqual(
        epochs.map((e) => e.epoch),
        epochs.map((_, i) => i + 1),
      );
      assert.equal(t.score, Math.max(...epochs.map((e) => e.metrics.val_accuracy)), 'its score is its best so far');
    }
    for (const t of trials.filter((x) => x.status === 'complete')) assert.equal(epochsOf(dir, t.number).length, EPOCHS);
    const list = tune(['list'], dir).stdout;
    assert.match(list, new RegExp(`: 15 trials, ${pruned.length} pruned \\(`));
    assert.match(list, new RegExp(`^\\s+${pruned[0]!.number}  pruned `, 'm'));
  });

  it('refuses an unknown --pruner, and a bad tuner.pruner, in one line with exit 2', () => {
    const dir = tempDir();
    const data = writeTinyData(dir);
    const good = writeSpace(dir, tinySpace(data));
    const flag = tune(['run', good, '--pruner', 'bogus'], dir);
    assert.equal(flag.code, 2);
    assert.equal(flag.stderr, 'tune: command line: --pruner: must be one of none, median, percentile, asha, got "bogus"\n');
    const bad = writeSpace(dir, tinySpace(data, { pruner: { kind: 'asha', reduction_factor: 1 } }), 'bad.json');
    const file = tune(['run', bad], dir);
    assert.equal(file.code, 2);
    assert.equal(file.stderr, `tune: ${bad}: tuner.pruner.reduction_factor: must be a whole number >= 2, got 1\n`);
  });

  it('takes a pruned member out of its pack; the others train as they would alone', () => {
    const packed = study({ pruner: { kind: 'median', n_startup_trials: 2 } }, ['--pack', '4']);
    const alone = study({}, ['--pack', '1']);
    const [a, b] = [trialsOf(packed), trialsOf(alone)];
    assert.deepEqual(
      a.map((t) => t.values),
      b.map((t) => t.values),
      'the same proposals in the same order',
    );
    const pruned = a.filter((t) => t.status === 'pruned');
    assert.ok(pruned.length > 0, `some trials are pruned: ${a.map((t) => t.status).join(' ')}`);
    for (const t of a) {
      const mine = epochsOf(packed, t.number);
      const theirs = epochsOf(alone, t.number);
      if (t.status === 'pruned') assert.ok(mine.length < EPOCHS, `pruned trial ${t.number} left its pack early`);
      else assert.equal(mine.length, EPOCHS);
      assert.deepEqual(mine, theirs.slice(0, mine.length), `trial ${t.number}'s epochs match training alone`);
    }
  });
});

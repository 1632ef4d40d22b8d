import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SCORED_STATUSES, type TrialRecord } from '../../src/domain/trial.js';
import { makeOracle } from '../../src/oracles/make-oracle.js';
import type { Proposal } from '../../src/oracles/oracle.js';
import type { Values } from '../../src/space/hyperparameter.js';
import { readSpaceFile } from '../../src/space/parse-space.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { pastTrial } from '../../src/study/trial-run.js';
import { wideSpace, writeSpace } from '../helpers/tiny-study.js';
import { tempDir, tune } from '../helpers/tune.js';

/** Twelve results spread over the space, all middling: enough for TPE's ten startup trials and bayesian's six. */
const BASELINE: [number, number, number][] = [
  [2, 0.05, 0.61],
  [4, 0.1, 0.6],
  [8, 0.45, 0.6],
  [2, 0.2, 0.62],
  [4, 0.25, 0.59],
  [8, 0.05, 0.61],
  [2, 0.35, 0.6],
  [4, 0.4, 0.61],
  [8, 0.15, 0.6],
  [2, 0.5, 0.6],
  [4, 0.3, 0.62],
  [8, 0.5, 0.6],
];
/**
 * Two outside results, far better than the rest, in a corner none of them tried. Two, so that
 * they are TPE's whole good set (Optuna's top ceil(10%) of 14 trials); bayesian needs one.
 */
const ADDED = { first_dense: 8, dropout_rate: 0.28 };
const ADDED_TOO = { first_dense: 8, dropout_rate: 0.3 };

/**
 * The oracle's next proposal for the study in `db`, read as the scheduler reads it (its
 * complete trials are the observations), with a fixed seed whatever the trial count.
 */
async function nextProposal(spacePath: string, db: string, oracle: 'bayesian' | 'tpe'): Promise<Values> {
  const spec = readSpaceFile(spacePath);
  const storage = await SqliteStorage.open(db);
  try {
    const study = (await storage.findStudy(spec.name))!;
    const trials: TrialRecord[] = await storage.trials(study.id);
    const completed = trials.filter((t) => SCORED_STATUSES.has(t.status)).map((t) => ({ values: t.values as Values, score: t.score! }));
    const tried = new Set(trials.map((t) => spec.space.key(t.values as Values)));
    const proposal = makeOracle({ ...spec.tuner, oracle }, spec.space, 7).propose({ completed, pending: [], tried, trials: trials.map(pastTrial) });
    return (proposal as Proposal).values;
  } finally {
    await storage.close();
  }
}

const add = (dir: string, space: string, db: string, values: Values, score: number): void => {
  const r = tune(['add', space, '--values', JSON.stringify(values), '--score', String(score), '--db', db], dir);
  assert.equal(r.code, 0, r.stderr);
};

describe('tune add (real SQLite files)', () => {
  it('records an outside result as a complete trial with its epochs, best epoch from the objective', () => {
    const dir = tempDir();
    const space = writeSpace(dir, wideSpace(dir, {}));
    writeFileSync(
      join(dir, 'epochs.jsonl'),
      '{"loss": 0.6, "accuracy": 0.7, "val_loss": 0.62, "val_accuracy": 0.69}\n' +
        '{"loss": 0.5, "accuracy": 0.8, "val_loss": 0.55, "val_accuracy": 0.91}\n' +
        '{"loss": 0.45, "accuracy": 0.85, "val_loss": 0.6, "val_accuracy": 0.88}\n',
    );
    const r = tune(['add', space, '--values', '{"first_dense": 4, "dropout_rate": 0.3}', '--score', '0.91', '--epochs-file', 'epochs.jsonl'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'added trial 1 val_accuracy=0.9100: first_dense=4 dropout_rate=0.3\n');
    const shown = JSON.parse(tune(['show', '1', '--json'], dir).stdout) as TrialRecord & { epochs: { epoch: number }[] };
    assert.equal(shown.status, 'complete');
    assert.equal(shown.score, 0.91);
    assert.equal(shown.bestEpoch, 2);
    assert.equal(shown.attempt, 0, 'it never ran here');
    assert.deepEqual(
      shown.epochs.map((e) => e.epoch),
      [1, 2, 3],
    );
  });

  it('refuses bad values, a bad score or a bad epochs line with one line and exit 2, writing nothing', () => {
    const dir = tempDir();
    const space = writeSpace(dir, wideSpace(dir, {}));
    writeFileSync(join(dir, 'bad.jsonl'), '{"loss": 0.6, "accuracy": 0.7, "val_loss": 0.62}\n');
    const cases: [string[], string][] = [
      [['--values', '{"first_dense": 5}', '--score', '0.9'], 'tune: command line: --values.first_dense: must be one of [2,4,8], got 5\n'],
      [['--values', '{"first_dense": 4}', '--score', 'high'], 'tune: command line: --score: must be a finite number, got "high"\n'],
      [
        ['--values', '{"first_dense": 4}', '--score', '0.9', '--epochs-file', 'bad.jsonl'],
        'tune: bad.jsonl: line 1.val_accuracy: must be a number, got undefined\n',
      ],
    ];
    for (const [args, message] of cases) {
      const r = tune(['add', space, ...args], dir);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr, message);
      assert.equal(existsSync(join(dir, 'trials.db')), false);
    }
  });

  for (const oracle of ['bayesian', 'tpe'] as const) {
    it(`moves the next ${oracle} proposal next to added good results (same seed, same other trials)`, async () => {
      const dir = tempDir();
      const space = writeSpace(dir, wideSpace(dir, { oracle }));
      const [without, withAdded] = [join(dir, 'without.db'), join(dir, 'with.db')];
      for (const db of [without, withAdded])
        for (const [units, rate, score] of BASELINE) add(dir, space, db, { first_dense: units, dropout_rate: rate }, score);
      add(dir, space, withAdded, ADDED, 0.97);
      if (oracle === 'tpe') add(dir, space, withAdded, ADDED_TOO, 0.96);
      const before = await nextProposal(space, without, oracle);
      const after = await nextProposal(space, withAdded, oracle);
      const distance = (v: Values): number =>
        (v['first_dense'] === ADDED.first_dense ? 0 : 1) + Math.abs((v['dropout_rate'] as number) - ADDED.dropout_rate) / 0.45;
      // Without the added trial the proposal lands elsewhere; with it, next to it.
      assert.ok(distance(after) < 0.15, `with the added result: ${JSON.stringify(after)}`);
      assert.ok(distance(before) > distance(after) + 0.1, `without: ${JSON.stringify(before)}, with: ${JSON.stringify(after)}`);
    });
  }
});

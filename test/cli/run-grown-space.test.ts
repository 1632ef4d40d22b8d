import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tinySpace, writeSpace, writeTinyData } from '../helpers/tiny-study.js';
import { tempDir, trialsOf, tune } from '../helpers/tune.js';

type Json = Record<string, unknown> & { hyperparameters: Record<string, unknown>[]; model: unknown[] };

describe('tune run on a space that grew (issue 13, part 3; keras-tuner #149)', () => {
  it('resumes a widened space with an added hyperparameter without --overwrite, keeps the old trials, and refuses a narrowed one', () => {
    const dir = tempDir();
    const first = tinySpace(writeTinyData(dir), { max_trials: 2, epochs: 1 }) as Json;
    const run1 = tune(['run', writeSpace(dir, first), '--no-tui'], dir);
    assert.equal(run1.code, 0, run1.stderr);
    const before = trialsOf(dir);
    assert.equal(before.length, 2);

    const grown = structuredClone(first);
    grown.hyperparameters[1]!['max'] = 0.5;
    grown.hyperparameters[0]!['values'] = [2, 4, 8, 16];
    grown.hyperparameters.push({ name: 'wide', type: 'boolean', default: false });
    grown.model.splice(3, 0, { dense: 8, activation: 'relu', if: 'wide' });
    const run2 = tune(['run', writeSpace(dir, grown), '--no-tui', '--max-trials', '5'], dir);
    assert.equal(run2.code, 0, run2.stderr);
    assert.match(run2.stdout, /completed_before=2/);
    const after = trialsOf(dir);
    assert.equal(after.length, 5);
    // The old trials are kept as they ran: same values (no "wide"), same scores.
    assert.deepEqual(
      after.slice(0, 2).map((t) => [t.number, t.values, t.score]),
      before.map((t) => [t.number, t.values, t.score]),
    );
    assert.ok(
      after.slice(2).every((t) => typeof t.values['wide'] === 'boolean'),
      'new trials carry the added hyperparameter',
    );

    const narrowed = structuredClone(grown);
    narrowed.hyperparameters[1]!['max'] = 0.2;
    const run3 = tune(['run', writeSpace(dir, narrowed), '--no-tui'], dir);
    assert.equal(run3.code, 2, run3.stdout);
    assert.match(
      run3.stderr,
      /^tune: .*space\.json: hyperparameters\.dropout_rate: max 0\.5 → 0\.2 narrows the range; study "tiny" has a space this does not only grow /,
    );
    assert.match(run3.stderr, /\(pass --overwrite to start it over\)\n$/);
    assert.equal(run3.stderr.split('\n').length, 2, 'one line');
    assert.equal(trialsOf(dir).length, 5, 'the refused run changed nothing');
  });
});

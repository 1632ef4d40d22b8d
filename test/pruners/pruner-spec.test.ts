import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.js';
import { PRUNER_DEFAULTS } from '../../src/pruners/pruner.js';
import { parseSpace } from '../../src/space/parse-space.js';
import { tinySpace } from '../helpers/tiny-study.js';

const parse = (pruner: unknown) => parseSpace(tinySpace('/data', pruner === undefined ? {} : { pruner }), 'x.json').tuner.pruner;

describe('tuner.pruner in the space file', () => {
  it('is none when absent', () => {
    assert.deepEqual(parse(undefined), { kind: 'none' });
  });

  it("fills each kind's defaults (Optuna's) and reads its options", () => {
    const d = PRUNER_DEFAULTS;
    assert.deepEqual(parse({ kind: 'median' }), { kind: 'median', nStartupTrials: d.nStartupTrials, nWarmupSteps: 0, intervalSteps: 1, nMinTrials: 1 });
    assert.deepEqual(parse({ kind: 'percentile', percentile: 10, n_warmup_steps: 2, interval_steps: 3, n_startup_trials: 0, n_min_trials: 2 }), {
      kind: 'percentile',
      percentile: 10,
      nStartupTrials: 0,
      nWarmupSteps: 2,
      intervalSteps: 3,
      nMinTrials: 2,
    });
    assert.deepEqual(parse({ kind: 'asha' }), { kind: 'asha', reductionFactor: 3, minResource: 1 });
    assert.deepEqual(parse({ kind: 'asha', reduction_factor: 2, min_resource: 4 }), { kind: 'asha', reductionFactor: 2, minResource: 4 });
  });

  const refused: { name: string; pruner: unknown; where: string; what: RegExp }[] = [
    { name: 'a pruner that is not an object', pruner: 'median', where: 'tuner.pruner', what: /must be an object, got "median"/ },
    {
      name: 'an unknown kind',
      pruner: { kind: 'hyperband' },
      where: 'tuner.pruner.kind',
      what: /must be one of none, median, percentile, asha, got "hyperband"/,
    },
    { name: 'a missing kind', pruner: {}, where: 'tuner.pruner.kind', what: /must be one of .*, got undefined/ },
    { name: "another kind's option", pruner: { kind: 'median', reduction_factor: 3 }, where: 'tuner.pruner', what: /unknown key "reduction_factor"/ },
    {
      name: 'a percentile out of range',
      pruner: { kind: 'percentile', percentile: 120 },
      where: 'tuner.pruner.percentile',
      what: /between 0 and 100, got 120/,
    },
    { name: 'an interval of 0', pruner: { kind: 'median', interval_steps: 0 }, where: 'tuner.pruner.interval_steps', what: />= 1, got 0/ },
    { name: 'negative warm-up steps', pruner: { kind: 'median', n_warmup_steps: -1 }, where: 'tuner.pruner.n_warmup_steps', what: />= 0, got -1/ },
    { name: 'a reduction factor of 1', pruner: { kind: 'asha', reduction_factor: 1 }, where: 'tuner.pruner.reduction_factor', what: />= 2, got 1/ },
    { name: 'a fractional min_resource', pruner: { kind: 'asha', min_resource: 1.5 }, where: 'tuner.pruner.min_resource', what: />= 1, got 1.5/ },
  ];
  for (const r of refused) {
    it(`refuses ${r.name}, naming the place and the value`, () => {
      assert.throws(
        () => parse(r.pruner),
        (err: unknown) => {
          assert.ok(err instanceof InputError, String(err));
          assert.equal(err.where, r.where);
          assert.match(err.what, r.what);
          return true;
        },
      );
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makePruner } from '../../src/pruners/make-pruner.js';
import { defaultPruner, PRUNER_KINDS, type CurveTrial, type Pruner } from '../../src/pruners/pruner.js';
import { Rng } from '../../src/random/rng.js';
import { ask, complete, FIVE, running } from './curves.js';

/** Every pruner, with the startup count low enough that the tables below can prune. */
const pruners: { name: string; make: () => Pruner }[] = PRUNER_KINDS.map((kind) => {
  const spec = defaultPruner(kind);
  return { name: kind, make: () => makePruner('nStartupTrials' in spec ? { ...spec, nStartupTrials: 1 } : spec) };
});

/** A seeded history of `n` trials with curves of `epochs` epochs (some shorter, still running). */
function history(rng: Rng, n: number, epochs: number): CurveTrial[] {
  return Array.from({ length: n }, (_, i) => {
    const length = rng.next() < 0.3 ? 1 + Math.floor(rng.next() * epochs) : epochs;
    const values = Array.from({ length }, () => rng.next());
    return length === epochs ? complete(i + 1, values) : running(i + 1, values);
  });
}

for (const { name, make } of pruners) {
  describe(`pruner contract: ${name}`, () => {
    it('prunes nothing when there is no other trial', () => {
      const pruner = make();
      for (let epoch = 1; epoch <= 9; epoch++)
        assert.equal(
          pruner.prune(
            ask(
              Array.from({ length: epoch }, () => 0.1),
              [],
            ),
          ),
          false,
        );
    });

    it('never prunes a trial that leads every other at every epoch', () => {
      const pruner = make();
      const others = history(new Rng(1), 12, 9);
      for (let epoch = 1; epoch <= 9; epoch++)
        assert.equal(
          pruner.prune(
            ask(
              Array.from({ length: epoch }, () => 2),
              others,
            ),
          ),
          false,
          `epoch ${epoch}`,
        );
    });

    it('gives the same verdict to the same question, and changes nothing it is given', () => {
      const others = history(new Rng(2), 10, 6);
      const frozen = JSON.stringify(others);
      for (let epoch = 1; epoch <= 6; epoch++) {
        const values = Array.from({ length: epoch }, (_, i) => 0.2 + 0.05 * i);
        assert.equal(make().prune(ask(values, others)), make().prune(ask(values, others)));
      }
      assert.equal(JSON.stringify(others), frozen);
    });

    it('judges a minimised objective as the mirror of a maximised one', () => {
      const pruner = make();
      const rng = new Rng(3);
      for (let round = 0; round < 40; round++) {
        const others = history(rng, 8, 5);
        const values = Array.from({ length: 1 + Math.floor(rng.next() * 5) }, () => rng.next());
        const mirrored = others.map((t) => ({ ...t, values: t.values.map((v) => -v) }));
        assert.equal(
          pruner.prune(ask(values, others, 'max')),
          pruner.prune(
            ask(
              values.map((v) => -v),
              mirrored,
              'min',
            ),
          ),
          `round ${round}`,
        );
      }
    });

    it('prunes only where a trial trails: a trial at the top of the table goes on, and so does one level with the best', () => {
      const pruner = make();
      assert.equal(pruner.prune(ask([0.7], FIVE)), false);
      assert.equal(pruner.prune(ask([0.9, 0.95, 1], FIVE)), false);
    });
  });
}

describe('pruner contract: the pruners that judge', () => {
  for (const { name, make } of pruners.filter((p) => p.name !== 'none')) {
    it(`${name} prunes a trial far behind the others at epoch 1`, () => {
      assert.equal(make().prune(ask([0.01], FIVE)), true);
    });
  }
});

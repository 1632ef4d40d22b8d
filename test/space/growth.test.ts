import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareSpaces, fillGrown } from '../../src/space/growth.js';
import { parseSpace } from '../../src/space/parse-space.js';
import { tinySpace } from '../helpers/tiny-study.js';

type Json = Record<string, unknown> & { hyperparameters: Record<string, unknown>[] };

const stored = (): Json => tinySpace('/data') as Json;

function edited(edit: (s: Json) => void): Json {
  const s = structuredClone(stored());
  edit(s);
  return s;
}

describe('compareSpaces', () => {
  it('finds an equal space the same, whatever the key order', () => {
    const s = stored();
    const reordered = Object.fromEntries(Object.entries(s).reverse());
    assert.deepEqual(compareSpaces(s, reordered), { kind: 'same' });
  });

  it('grows with a widened range, a longer choice list and an added hyperparameter with a default', () => {
    const next = edited((s) => {
      s.hyperparameters[0]!['values'] = [2, 4, 8, 16];
      s.hyperparameters[1]!['max'] = 0.5;
      s.hyperparameters.push({ name: 'extra_rate', type: 'float', min: 0, max: 0.5, default: 0.1 });
    });
    assert.deepEqual(compareSpaces(stored(), next), { kind: 'grows', added: ['extra_rate'] });
  });

  it("lets the run's budget change (max_trials, timeout, keep_weights), and stores it", () => {
    const next = edited((s) => Object.assign(s['tuner'] as Record<string, unknown>, { max_trials: 40, timeout: '5m', keep_weights: 9 }));
    assert.deepEqual(compareSpaces(stored(), next), { kind: 'grows', added: [] });
  });

  it('names the first difference of a narrowed range, a lost choice, a removed name and a bare addition', () => {
    const cases: [(s: Json) => void, string][] = [
      [(s) => (s.hyperparameters[1]!['max'] = 0.2), 'hyperparameters.dropout_rate: max 0.3 → 0.2 narrows the range'],
      [(s) => Object.assign(s.hyperparameters[1]!, { min: 0.2, max: 0.5 }), 'hyperparameters.dropout_rate: min 0.1 → 0.2 narrows the range'],
      [(s) => (s.hyperparameters[1]!['min'] = 0.05), 'hyperparameters.dropout_rate: min 0.1 → 0.05 moves the grid off the old points'],
      [(s) => (s.hyperparameters[0]!['values'] = [2, 8, 16]), 'hyperparameters.first_dense: values lose 4, which narrows the choice'],
      [(s) => (s.hyperparameters[1]!['step'] = 0.05), 'hyperparameters.dropout_rate: step 0.1 → 0.05'],
      [
        (s) => s.hyperparameters.push({ name: 'lr', type: 'float', min: 0.001, max: 0.1 }),
        'hyperparameters.lr: added without a "default", which the old trials would need',
      ],
      [(s) => ((s['tuner'] as Record<string, unknown>)['epochs'] = 9), 'tuner.epochs: 3 → 9'],
    ];
    for (const [edit, difference] of cases) assert.deepEqual(compareSpaces(stored(), edited(edit)), { kind: 'differs', difference });
    const removed = edited((s) => {
      s.hyperparameters.splice(2, 2);
      s['model'] = [{ dense: '$first_dense', activation: 'relu' }, { dropout: '$dropout_rate' }, { dense: 1, activation: 'sigmoid' }];
    });
    assert.deepEqual(compareSpaces(stored(), removed), { kind: 'differs', difference: 'hyperparameters.extra_dense_layer: removed, or its "when" changed' });
  });

  it('reports a model change as the build difference for the caller to check against the old trials', () => {
    const next = edited((s) => {
      s.hyperparameters.push({ name: 'wide', type: 'boolean', default: false });
      (s['model'] as unknown[]).splice(3, 0, { dense: 8, activation: 'relu', if: 'wide' });
    });
    const c = compareSpaces(stored(), next);
    assert.equal(c.kind, 'grows');
    assert.match((c as { build: string }).build, /^model\[3\]\.dense: 1 → 8$/);
  });
});

describe('fillGrown', () => {
  it("gives an old trial the new hyperparameters' defaults where the grown space makes them active", () => {
    const next = edited((s) => {
      s.hyperparameters.push({ name: 'wide', type: 'boolean', default: true });
      s.hyperparameters.push({ name: 'wide_units', type: 'choice', values: [16, 32], default: 32, when: { wide: [true] } });
      s.hyperparameters.push({ name: 'narrow_units', type: 'int', min: 1, max: 4, default: 2, when: { wide: [false] } });
    });
    const space = parseSpace(next, 'space.json').space;
    const old = { first_dense: 4, dropout_rate: 0.2 };
    assert.deepEqual(fillGrown(space, old), { first_dense: 4, dropout_rate: 0.2, wide: true, wide_units: 32 });
    // The same space's trial comes back equal, and the old object is left as it was.
    const same = parseSpace(stored(), 'space.json').space;
    assert.deepEqual(fillGrown(same, old), old);
    assert.deepEqual(Object.keys(old), ['first_dense', 'dropout_rate']);
  });
});

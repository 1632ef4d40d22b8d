import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pedAnova } from '../../src/report/importance.js';
import type { ReportData, ReportTrial } from '../../src/report/report.js';
import type { Hyperparameter, Values } from '../../src/space/hyperparameter.js';
import { Rng } from '../../src/random/rng.js';

const HPS: Hyperparameter[] = [
  { name: 'rate', type: 'float', min: 0, max: 1, sampling: 'linear' },
  { name: 'width', type: 'choice', values: [4, 8, 16] },
  { name: 'extra', type: 'boolean', when: { width: [16] } },
];

function study(score: (v: Values, rng: Rng) => number, direction: 'max' | 'min' = 'max', n = 80): ReportData {
  const rng = new Rng(3);
  const trials: ReportTrial[] = Array.from({ length: n }, (_, i) => {
    const values: Values = { rate: rng.next(), width: [4, 8, 16][rng.int(3)]! };
    if (values['width'] === 16) values['extra'] = rng.next() < 0.5;
    return { number: i + 1, status: 'complete', values, score: score(values, rng), bestEpoch: 1, seconds: 1, error: null, schedule: null, epochs: [] };
  });
  trials.push({
    number: n + 1,
    status: 'failed',
    values: { rate: 0.99, width: 4 },
    score: null,
    bestEpoch: null,
    seconds: 1,
    error: 'x',
    schedule: null,
    epochs: [],
  });
  return { study: { name: 's', objective: 'val_accuracy', direction }, hyperparameters: HPS, trials, test: { note: '' }, made: '' };
}

describe('PED-ANOVA importance', () => {
  it('ranks first the hyperparameter that decides the score, and its shares sum to 1', () => {
    const rows = pedAnova(study((v, rng) => Number(v['rate']) + 0.05 * rng.next()));
    assert.equal(rows[0]!.name, 'rate');
    assert.ok(rows[0]!.importance! > 0.6, JSON.stringify(rows));
    assert.ok(Math.abs(rows.reduce((s, r) => s + (r.importance ?? 0), 0) - 1) < 1e-9);
  });

  it('follows the direction: for a minimised score the lowest trials are the best', () => {
    const rows = pedAnova(study((v, rng) => (v['width'] === 4 ? 0.1 : 0.9) + 0.01 * rng.next(), 'min'));
    assert.equal(rows[0]!.name, 'width', JSON.stringify(rows));
  });

  it('measures a conditional hyperparameter over the trials where it is active only', () => {
    const d = study((v) => Number(v['rate']));
    const active = d.trials.filter((t) => t.status === 'complete' && t.values['extra'] !== undefined).length;
    assert.equal(pedAnova(d).find((r) => r.name === 'extra')!.trials, active);
    assert.ok(active < 80);
  });

  it('gives a category that every scored trial holds at one value no importance, whatever the others did', () => {
    // The failed trial took width 4; the scored ones, all width 8, cannot tell the widths apart.
    const d = study((v) => Number(v['rate']));
    d.trials = d.trials.map((t) => (t.status === 'complete' ? { ...t, values: { rate: t.values['rate']!, width: 8 } } : t));
    assert.equal(pedAnova(d).find((r) => r.name === 'width')!.importance, 0);
  });

  it('counts a Hyperband lineage once, at its promoted trial: the parents it continues are left out', () => {
    const d = study((v) => Number(v['rate']));
    const schedule = (parent?: number) => ({
      iteration: 0,
      bracket: 1,
      round: parent === undefined ? 0 : 1,
      initialEpoch: 1,
      epochs: 2,
      ...(parent ? { parent } : {}),
    });
    d.trials = d.trials.map((t) => (t.status === 'complete' ? { ...t, schedule: schedule(t.number > 40 ? t.number - 40 : undefined) } : t));
    // Trials 41..80 continue trials 1..40: 40 lineages in all.
    assert.equal(pedAnova(d).find((r) => r.name === 'rate')!.trials, 40);
  });
});

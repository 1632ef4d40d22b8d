import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { durationSeconds } from '../../src/space/duration.js';
import { givenValues } from '../../src/space/given-values.js';
import { Space } from '../../src/space/space.js';

const space = new Space([
  { type: 'choice', name: 'units', values: [4, 8, 16] },
  { type: 'float', name: 'rate', min: 0.3, max: 0.8, step: 0.1, sampling: 'linear' },
  { type: 'float', name: 'lr', min: 1e-4, max: 1e-1, sampling: 'log', default: 1e-3 },
  { type: 'int', name: 'layers', min: 1, max: 5, sampling: 'linear' },
  { type: 'boolean', name: 'extra', when: { units: [16] } },
  { type: 'choice', name: 'extra_units', values: ['a', 'b'], when: { extra: [true] } },
]);

const check = (raw: unknown) => ({ ...givenValues(space, raw, 'f.json', 'v') });

describe('givenValues: a user-given value set against the space', () => {
  it('keeps the values given and fills the active ones left out with their defaults', () => {
    assert.deepEqual(check({ units: 16, rate: 0.5, extra: true, extra_units: 'b', lr: 0.05, layers: 3 }), {
      units: 16,
      rate: 0.5,
      lr: 0.05,
      layers: 3,
      extra: true,
      extra_units: 'b',
    });
    assert.deepEqual(check({ units: 16 }), { units: 16, rate: 0.3, lr: 1e-3, layers: 1, extra: false });
    assert.deepEqual(check({}), { units: 4, rate: 0.3, lr: 1e-3, layers: 1 });
  });

  it('refuses unknown names, values off the space, inactive values and non-objects, naming the place and the value', () => {
    const cases: [unknown, RegExp][] = [
      [{ width: 3 }, /^f\.json: v\.width: is not a hyperparameter of the space \(names: units, rate, lr, layers, extra, extra_units\)$/],
      [{ units: 5 }, /^f\.json: v\.units: must be one of \[4,8,16\], got 5$/],
      [{ rate: 0.35 }, /^f\.json: v\.rate: must be one of \[0\.3,0\.4,0\.5,0\.6,0\.7,0\.8\], got 0\.35$/],
      [{ lr: 0.5 }, /^f\.json: v\.lr: must be within 0\.0001\.\.0\.1, got 0\.5$/],
      [{ layers: 2.5 }, /^f\.json: v\.layers: must be one of \[1,2,3,4,5\], got 2\.5$/],
      [{ units: '8' }, /^f\.json: v\.units: must be one of \[4,8,16\], got "8"$/],
      [{ units: 8, extra: false }, /^f\.json: v\.extra: is inactive for these values \(it needs units in \[16\]\), got false$/],
      [{ units: 16, extra_units: 'a' }, /^f\.json: v\.extra_units: is inactive for these values \(it needs extra in \[true\]\), got "a"$/],
      [[1, 2], /^f\.json: v: must be an object of hyperparameter values, got \[1,2\]$/],
      [null, /^f\.json: v: must be an object of hyperparameter values, got null$/],
    ];
    for (const [raw, message] of cases) assert.throws(() => check(raw), { name: 'InputError', message }, JSON.stringify(raw));
  });
});

describe('durationSeconds', () => {
  it('reads s, m and h, and a bare number as seconds', () => {
    assert.equal(durationSeconds('90s'), 90);
    assert.equal(durationSeconds('30m'), 1800);
    assert.equal(durationSeconds('1.5h'), 5400);
    assert.equal(durationSeconds('2'), 2);
  });

  it('refuses other units, signs, zero and empty text', () => {
    for (const text of ['30d', '-5s', '0s', '', 'm', '1e3s', '5 minutes']) assert.equal(durationSeconds(text), undefined, text);
  });
});

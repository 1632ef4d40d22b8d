import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseSpace } from '../../src/space/parse-space.js';
import { MAX_PACK, packSize } from '../../src/study/pack-size.js';
import { ROOT } from '../helpers/tune.js';

const GiB = 2 ** 30;
const seed = parseSpace(JSON.parse(readFileSync(join(ROOT, 'search-spaces', 'gender.json'), 'utf8')), 'gender.json');

describe('pack size', () => {
  it('packs MAX_PACK trials when memory is plenty', () => {
    assert.equal(packSize(seed, 2, 8192, 2, 24 * GiB), MAX_PACK);
  });

  it('packs fewer as the widest first layer, the executions and the workers take more memory', () => {
    // The seed's widest first layer is 64: a trial of 2 executions packs 2 x 8192 x 64 floats, times 3 with the slots.
    const trial = 2 * 8192 * 64 * 4 * 3;
    assert.equal(packSize(seed, 2, 8192, 1, (trial * 2.5) / 0.25), 2);
    assert.equal(packSize(seed, 2, 8192, 2, (trial * 2.5) / 0.25), 1);
    assert.equal(packSize(seed, 4, 8192, 1, (trial * 2.5) / 0.25), 1);
  });

  it('never packs fewer than one trial', () => {
    assert.equal(packSize(seed, 2, 8192, 2, 1024), 1);
  });

  it('reads a literal first width too', () => {
    const literal = parseSpace(
      {
        ...JSON.parse(readFileSync(join(ROOT, 'search-spaces', 'gender.json'), 'utf8')),
        model: [
          { dense: 4096, activation: 'relu' },
          { dense: 1, activation: 'sigmoid' },
        ],
      },
      'x.json',
    );
    assert.equal(packSize(literal, 1, 8192, 1, (8192 * 4096 * 12 * 2) / 0.25), 2);
  });
});

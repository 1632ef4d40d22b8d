import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PiscinaExecutor } from '../../src/pool/piscina-executor.js';

describe('the piscina executor', () => {
  it('throws the error of a setup that fails from its constructor, before any trial is asked of it', () => {
    let made = 0;
    assert.throws(
      () =>
        new PiscinaExecutor(() => {
          made++;
          throw new RangeError('Array buffer allocation failed');
        }, 2),
      /Array buffer allocation failed/,
    );
    assert.equal(made, 1, 'the setup is made once, at construction');
  });
});

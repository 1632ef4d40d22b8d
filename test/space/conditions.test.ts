import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.js';
import { Rng } from '../../src/random/rng.js';
import { parseSpace } from '../../src/space/parse-space.js';

type Hp = { name: string; type: string; values?: (number | boolean)[]; value?: number; min?: number; max?: number; when?: Record<string, unknown[]> };

/** Every value set of a small space, listed the plain way (the reference the reasoning must match). */
function bruteForce(hps: Hp[]): Record<string, unknown>[] {
  let sets: Record<string, unknown>[] = [{}];
  for (const hp of hps) {
    const values = hp.type === 'boolean' ? [false, true] : hp.type === 'fixed' ? [hp.value] : hp.type === 'int' ? range(hp.min!, hp.max!) : hp.values!;
    sets = sets.flatMap((s) => {
      const active = Object.entries(hp.when ?? {}).every(([p, allowed]) => p in s && allowed.includes(s[p]));
      return active ? values.map((v) => ({ ...s, [hp.name]: v })) : [s];
    });
  }
  return sets;
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, k) => a + k);
}

/** A random small space with one- and two-parent conditions, and a layer that may or may not be covered. */
function randomSpace(rng: Rng): { hps: Hp[]; model: Record<string, unknown>[] } {
  const n = 2 + rng.int(6);
  const hps: Hp[] = [];
  for (let i = 0; i < n; i++) {
    const kind = rng.int(4);
    const hp: Hp =
      kind === 0
        ? { name: `h${i}`, type: 'boolean' }
        : kind === 1
          ? { name: `h${i}`, type: 'choice', values: [1, 2, 3].slice(0, 2 + rng.int(2)) }
          : kind === 2
            ? { name: `h${i}`, type: 'int', min: 1, max: 1 + rng.int(3) }
            : { name: `h${i}`, type: 'fixed', value: 2 };
    if (i > 0 && rng.next() < 0.7) {
      hp.when = {};
      for (let k = 0; k < 1 + rng.int(2); k++) {
        const parent = hps[rng.int(i)]!;
        const options =
          parent.type === 'boolean'
            ? [false, true]
            : parent.type === 'fixed'
              ? [parent.value]
              : parent.type === 'int'
                ? range(parent.min!, parent.max!)
                : parent.values!;
        const allowed = options.filter(() => rng.next() < 0.6);
        hp.when[parent.name] = allowed.length > 0 ? allowed : [options[0]];
      }
    }
    hps.push(hp);
  }
  const units = hps.filter((h) => h.type !== 'boolean');
  const booleans = hps.filter((h) => h.type === 'boolean');
  const layer: Record<string, unknown> = { dense: `$${units[rng.int(units.length)]?.name ?? 'none'}` };
  if (booleans.length > 0 && rng.next() < 0.7) layer['if'] = booleans[rng.int(booleans.length)]!.name;
  return { hps, model: units.length > 0 ? [layer, { dense: 1, activation: 'sigmoid' }] : [{ dense: 1, activation: 'sigmoid' }] };
}

const file = (hps: Hp[], model: Record<string, unknown>[]): unknown => ({
  name: 'r',
  data: { train: 'a', valid: 'b', test: 'c' },
  hyperparameters: hps,
  model,
  compile: { loss: 'binary_crossentropy' },
});

describe('conditions decided by reasoning agree with listing every value set', () => {
  it('on 3000 random small spaces: the same count, and the same verdict on each layer', () => {
    const rng = new Rng(11);
    let refused = 0;
    for (let t = 0; t < 3000; t++) {
      const { hps, model } = randomSpace(rng);
      const sets = bruteForce(hps);
      const layer = model.length > 1 ? model[0]! : undefined;
      const ref = layer ? (layer['dense'] as string).slice(1) : undefined;
      const cond = layer?.['if'] as string | undefined;
      const covered = !layer || sets.every((s) => (cond !== undefined && s[cond] !== true) || ref! in s);
      const context = JSON.stringify({ hps, model });
      try {
        const spec = parseSpace(file(hps, model), 'r.json');
        assert.ok(covered, `accepted a layer that can meet an inactive $${ref}: ${context}`);
        assert.deepEqual(spec.space.count(), { kind: 'exact', n: BigInt(sets.length) }, context);
        assert.equal(spec.space.enumerate(10_000)!.length, sets.length, context);
      } catch (err) {
        if (!(err instanceof InputError) || err.where !== 'model[0]') throw err;
        refused++;
        assert.ok(!covered, `refused a covered layer (${err.what}): ${context}`);
        // The witness is a value set in which the layer is built and its hyperparameter inactive.
        const witness = JSON.parse(/inactive when (\{.*?\});/.exec(err.what)![1]!) as Record<string, unknown>;
        assert.ok(!(ref! in witness), context);
        if (cond !== undefined) assert.equal(witness[cond], true, context);
      }
    }
    assert.ok(refused > 100 && refused < 2900, `both verdicts occur: ${refused} refused`);
  });
});

describe('counting by structure', () => {
  const base = (hps: Hp[]) => parseSpace(file(hps, [{ dense: 1, activation: 'sigmoid' }]), 'c.json').space;

  it('multiplies independent groups and gives a bound past 10^15', () => {
    const hps = Array.from({ length: 40 }, (_, i) => ({ name: `c${i}`, type: 'choice', values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }));
    assert.deepEqual(base(hps.slice(0, 15)).count(), { kind: 'exact', n: 10n ** 15n });
    assert.deepEqual(base(hps).count(), { kind: 'more-than', n: 10n ** 15n });
    assert.equal(base(hps).cardinality(), Infinity);
  });

  it('counts an int range too long to list by arithmetic, and a continuous float as continuous', () => {
    assert.deepEqual(base([{ name: 'n', type: 'int', min: 0, max: 999_999 }]).count(), { kind: 'exact', n: 1_000_000n });
    assert.deepEqual(base([{ name: 'f', type: 'float', min: 0, max: 1 }]).count(), { kind: 'continuous' });
    assert.equal(base([{ name: 'f', type: 'float', min: 0, max: 1 }]).enumerate(10), undefined);
  });

  it('enumerates without recursion a space 20,000 hyperparameters deep', () => {
    const hps: Hp[] = [{ name: 'b0', type: 'boolean' }];
    for (let i = 1; i < 20_000; i++) hps.push({ name: `b${i}`, type: 'boolean', when: { [`b${i - 1}`]: [true] } });
    const space = base(hps);
    assert.deepEqual(space.count(), { kind: 'exact', n: 20_001n });
    assert.equal(space.enumerate(100), undefined);
    assert.equal(base(hps.slice(0, 50)).enumerate(100)!.length, 51);
  });

  it('bounds from below a several-parent chain too long to list, and lists a short one exactly', () => {
    const chainOf = (n: number): Hp[] => {
      const hps: Hp[] = [
        { name: 'c0', type: 'choice', values: [1, 2, 3] },
        { name: 'c1', type: 'choice', values: [1, 2, 3] },
      ];
      for (let i = 2; i < n; i++) hps.push({ name: `c${i}`, type: 'choice', values: [1, 2, 3], when: { [`c${i - 1}`]: [1, 2], [`c${i - 2}`]: [1] } });
      return hps;
    };
    assert.deepEqual(base(chainOf(8)).count(), { kind: 'exact', n: BigInt(bruteForce(chainOf(8)).length) });
    const long = base(chainOf(5000)).count();
    assert.equal(long.kind, 'more-than');
    assert.ok(long.kind === 'more-than' && long.n >= 8n, String(long.kind === 'more-than' && long.n));
  });

  it('keeps values in objects without a prototype', () => {
    const values = base([{ name: 'a', type: 'boolean' }]).sample(new Rng(1));
    assert.equal(Object.getPrototypeOf(values), null);
  });
});

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { nativeKernels, type NativeKernels } from '../../src/engine/native/addon.js';
import { Rng } from '../../src/random/rng.js';

/*
 * The tail kernel's own contract (native/tail.c), on one tiny member laid out by hand: a linear
 * first layer of 2 units, then dense 2 -> 1, binary cross-entropy, plain SGD. The engine tests
 * (engines.test.ts) hold whole trainings to tfjs and to training alone; these check its
 * formulas on numbers worked out here, and that a plan that does not fit its arrays is refused
 * instead of read or written out of bounds.
 */

const LR = 0.1;
const Z1 = Float32Array.from([0.5, -1.25, 2, 0.75, -0.5, 0.25]);
const LABELS = Int32Array.from([1, 0, 1]);
const ROWS = 3;
const WIDTH = 2;
const KERNEL = [0.3, -0.7];
const BIAS = 0.05;

interface Call {
  plan: Int32Array;
  reals: Float64Array;
  arena: Float32Array;
  rng: Uint32Array;
  z1: Float32Array;
  width: number;
  rows: number;
  labels: Int32Array;
  dOut: Float32Array;
  lr: Float32Array;
  out: Float64Array;
  index: Int32Array;
  weights: Float32Array;
  logits: Float32Array;
}

/**
 * One member: header (col 0, width 2, binary, sgd, alive, ops at 13, 1 op, reals at 0, b1 at 0,
 * every row, no logits), then dense 1 unit (kernel at 6, bias at 12).
 */
function call(): Call {
  const arena = new Float32Array(15);
  arena.set(KERNEL, 6);
  arena[12] = BIAS;
  return {
    plan: Int32Array.from([1, 0, WIDTH, 0, 0, 1, 13, 1, 0, 0, -1, 0, -1, 0, 1, 6, 12]),
    reals: Float64Array.from([LR, 0, 0, 0, 0, 0]),
    arena,
    rng: Uint32Array.from([7]),
    z1: Z1.slice(),
    width: WIDTH,
    rows: ROWS,
    labels: LABELS.slice(),
    dOut: new Float32Array(ROWS * WIDTH).fill(NaN),
    lr: new Float32Array(WIDTH),
    out: new Float64Array(2),
    index: new Int32Array(0),
    weights: new Float32Array(0),
    logits: new Float32Array(0),
  };
}

/** The member of call() on rows 2 and 0 (in that order) of weights 3 and 0.5, its logits written from 0. */
function ownRows(): Call {
  const c = call();
  c.plan.set([0, 2, 0], 10);
  c.index = Int32Array.from([2, 0]);
  c.weights = Float32Array.from([3, 0.5]);
  c.logits = new Float32Array(2);
  return c;
}

function run(kernels: NativeKernels, c: Call, training: 0 | 1 = 1): void {
  const none = new Float32Array(0);
  kernels.tail(c.plan, c.reals, c.arena, c.rng, c.z1, c.width, c.rows, c.labels, training, c.dOut, c.lr, none, none, c.out, c.index, c.weights, c.logits);
}

function close(a: number, b: number, what: string): void {
  assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
}

describe('the native tail kernel (native/tail.c)', () => {
  let kernels: NativeKernels;
  before(() => {
    const native = nativeKernels();
    assert.ok(native.kernels, `the native kernels are not built: ${native.why}`);
    kernels = native.kernels;
  });

  it("computes a step's loss, accuracy, first-layer gradient and SGD update as the formulas give", () => {
    const c = call();
    run(kernels, c);
    const f = Math.fround;
    const w = KERNEL.map(f);
    const logits = [0, 1, 2].map((r) => f(f(BIAS) + Z1[2 * r]! * w[0]! + Z1[2 * r + 1]! * w[1]!));
    const loss = logits.reduce((sum, z, r) => sum + Math.max(z, 0) - z * LABELS[r]! + Math.log1p(Math.exp(-Math.abs(z))), 0) / ROWS;
    const grad = logits.map((z, r) => (1 / (1 + Math.exp(-z)) - LABELS[r]!) / ROWS);
    close(c.out[0]!, loss, 'mean loss');
    assert.equal(c.out[1], logits.filter((z, r) => (z > 0 ? 1 : 0) === LABELS[r]).length, 'correct rows');
    for (let r = 0; r < ROWS; r++) for (let k = 0; k < WIDTH; k++) close(c.dOut[r * WIDTH + k]!, grad[r]! * w[k]!, `dOut[${r}][${k}]`);
    for (let k = 0; k < WIDTH; k++) {
      const dw = grad.reduce((sum, g, r) => sum + Z1[2 * r + k]! * g, 0);
      close(c.arena[6 + k]!, w[k]! - LR * dw, `kernel[${k}]`);
      close(c.arena[k]!, -LR * grad.reduce((sum, g) => sum + g * w[k]!, 0), `first-layer bias[${k}]`);
    }
    close(c.arena[12]!, f(BIAS) - LR * grad.reduce((a, b) => a + b, 0), 'bias');
    assert.deepEqual(Array.from(c.lr), [f(LR), f(LR)], "the first layer's rates");
    assert.equal(c.rng[0], 7, 'no dropout layer, no draw');
  });

  it('evaluates without changing any tensor, and leaves a member that has left the pack frozen', () => {
    const c = call();
    const arena = c.arena.slice();
    run(kernels, c, 0);
    assert.deepEqual(c.arena, arena);
    assert.ok(Number.isFinite(c.out[0]!));
    const gone = call();
    gone.plan[5] = 0;
    run(kernels, gone);
    assert.deepEqual(gone.arena, arena);
    assert.deepEqual(Array.from(gone.dOut), new Array<number>(ROWS * WIDTH).fill(0), 'a zero gradient');
    assert.deepEqual(Array.from(gone.lr), [0, 0], 'a zero rate');
  });

  it('trains a member with rows of its own on those rows alone, each loss term weighted, and writes its logits', () => {
    // Rows 2 and 0 (in that order) with weights 3 and 0.5: as a batch of those two rows whose terms are weighted.
    const own = ownRows();
    run(kernels, own);
    const f = Math.fround;
    const w = KERNEL.map(f);
    const logit = (r: number) => f(f(BIAS) + Z1[2 * r]! * w[0]! + Z1[2 * r + 1]! * w[1]!);
    const rows = [2, 0];
    const weight = [3, 0.5];
    const term = (r: number) => Math.max(logit(r), 0) - logit(r) * LABELS[r]! + Math.log1p(Math.exp(-Math.abs(logit(r))));
    close(own.out[0]!, (weight[0]! * term(2) + weight[1]! * term(0)) / 2, 'weighted sum over the two rows');
    assert.equal(own.out[1], rows.filter((r) => (logit(r) > 0 ? 1 : 0) === LABELS[r]).length, 'correct rows among them');
    const grad = rows.map((r, j) => (weight[j]! * (1 / (1 + Math.exp(-logit(r))) - LABELS[r]!)) / 2);
    rows.forEach((r, j) => {
      for (let k = 0; k < WIDTH; k++) close(own.dOut[r * WIDTH + k]!, grad[j]! * w[k]!, `dOut[${r}][${k}]`);
    });
    assert.deepEqual(Array.from(own.dOut.subarray(2, 4)), [0, 0], 'row 1 is left out: a zero gradient');
    close(own.arena[12]!, f(BIAS) - LR * (grad[0]! + grad[1]!), 'bias');
    // In evaluation the weights are not read, and the logits come out in the member's row order.
    const judged = ownRows();
    run(kernels, judged, 0);
    close(judged.out[0]!, (term(2) + term(0)) / 2, 'unweighted mean in evaluation');
    assert.deepEqual(Array.from(judged.logits), [logit(2), logit(0)]);
  });

  it('refuses, without touching memory, a plan or arrays that do not fit', () => {
    const cases: [string, (c: Call) => void][] = [
      ['an arena one float short', (c) => (c.arena = c.arena.slice(0, 14))],
      ['a kernel outside the arena', (c) => (c.plan[15] = 10)],
      ['a dense layer of 0 units', (c) => (c.plan[14] = 0)],
      [
        'binary cross-entropy on 2 outputs',
        (c) => {
          // Room for a 2 x 2 kernel at 6 and its bias at 20: only the loss is wrong.
          c.plan[14] = 2;
          c.plan[16] = 20;
          c.arena = new Float32Array(40);
        },
      ],
      ['ops past the end of the plan', (c) => (c.plan[7] = 2)],
      ['more members than the plan holds', (c) => (c.plan[0] = 2)],
      ["a member's columns past the width", (c) => (c.plan[1] = 1)],
      ['an unknown op', (c) => (c.plan[13] = 7)],
      ['an unknown activation', (c) => (c.plan = Int32Array.from([...c.plan.subarray(0, 7), 2, ...c.plan.subarray(8), 1, 9, 0, 0]))],
      ['a dropout rate outside reals', (c) => (c.plan = Int32Array.from([...c.plan.subarray(0, 7), 2, ...c.plan.subarray(8), 2, 6, 0, 0]))],
      ['fewer labels than rows', (c) => (c.labels = c.labels.slice(0, 2))],
      ['z1 shorter than rows x width', (c) => (c.z1 = c.z1.slice(0, 5))],
      ['dOut shorter than rows x width', (c) => (c.dOut = c.dOut.slice(0, 5))],
      ['no generator state', (c) => (c.rng = new Uint32Array(0))],
      ['rows of its own past the index', (c) => ((c.plan[10] = 0), (c.plan[11] = 2), (c.index = Int32Array.from([0])))],
      ['a row of its own outside the rows', (c) => ((c.plan[10] = 0), (c.plan[11] = 1), (c.index = Int32Array.from([3])))],
      [
        'weights not as long as the index',
        (c) => ((c.plan[10] = 0), (c.plan[11] = 1), (c.index = Int32Array.from([0])), (c.weights = Float32Array.from([1, 1]))),
      ],
      ['logits past their array', (c) => ((c.plan[12] = 1), (c.logits = new Float32Array(3)))],
    ];
    for (const [what, spoil] of cases) {
      const c = call();
      spoil(c);
      const arena = c.arena.slice();
      assert.throws(() => run(kernels, c), RangeError, what);
      assert.deepEqual(c.arena, arena, `${what}: nothing written`);
    }
    const c = call();
    assert.throws(
      () =>
        kernels.tail(
          c.plan,
          c.reals,
          new Float64Array(15) as unknown as Float32Array,
          c.rng,
          c.z1,
          2,
          3,
          c.labels,
          1,
          c.dOut,
          c.lr,
          c.lr,
          c.lr,
          c.out,
          c.index,
          c.weights,
          c.logits,
        ),
      TypeError,
    );
  });

  it("draws dropout from the member's generator as Rng does, and hands its state on", () => {
    const rng = new Rng(123);
    rng.next();
    const again = new Rng(rng.position);
    const draws = Array.from({ length: 6 }, () => rng.next());
    assert.deepEqual(
      Array.from({ length: 6 }, () => again.next()),
      draws,
      'new Rng(position) goes on with the same sequence',
    );
    // A dropout layer (rate 0.5) after the first layer: 6 draws, one per unit, row by row.
    const c = call();
    c.plan = Int32Array.from([...c.plan.subarray(0, 7), 2, 0, 0, -1, 0, -1, 2, 6, 0, 0, 0, 1, 6, 12]);
    c.reals = Float64Array.from([...c.reals, 0.5]);
    const start = new Rng(99);
    c.rng[0] = start.position;
    run(kernels, c);
    const kept = Array.from({ length: ROWS * WIDTH }, () => start.next() >= 0.5);
    assert.equal(c.rng[0], start.position, 'the state after exactly one draw per unit');
    kept.forEach((keep, k) => assert.equal(c.dOut[k] !== 0, keep, `unit ${k}: dropped exactly where Rng's draw is below the rate`));
  });
});

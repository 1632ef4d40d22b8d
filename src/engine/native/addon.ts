import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The compiled kernels of native/ (see first_layer.c and sparse.c for the exact formulas). */
export interface NativeKernels {
  /** The floats of the kernels' widest vector: a column group spanning whole vectors runs without scalar tails. */
  readonly lanes: number;
  /**
   * Copies float32 values into `out` at `at` and checks them in the same pass; returns the
   * index (in `values`) of the first NaN or infinity, or -1. Stops copying at that value's span.
   */
  copyFinite(values: Float32Array, out: Float32Array, at: number): number;
  /** Every block's column offsets (absolute), filled in place; returns the number of non-zeros. */
  sparseCount(data: Float32Array, rows: number, dim: number, blockRows: number, colOffsets: Int32Array): number;
  /** Each non-zero's row (relative to its block) and value, at the offsets sparseCount gave. */
  sparseFill(data: Float32Array, rows: number, dim: number, blockRows: number, colOffsets: Int32Array, rowIndex: Int32Array, values: Float32Array): void;
  forward(
    colOffsets: Int32Array,
    rowIndex: Int32Array,
    values: Float32Array,
    rows: number,
    w: Float32Array,
    bias: Float32Array,
    out: Float32Array,
    width: number,
  ): void;
  /**
   * The backward product fused with the optimizer step, then the next block's forward (as
   * forward) with the rows just updated, in the same pass over the weights.
   */
  step(
    colOffsets: Int32Array,
    rowIndex: Int32Array,
    values: Float32Array,
    dOut: Float32Array,
    w: Float32Array,
    s1: Float32Array,
    s2: Float32Array,
    width: number,
    groups: Int32Array,
    lr: Float32Array,
    c1: Float32Array,
    c2: Float32Array,
    hyper: Float64Array,
    // Without the next block's six arguments, it only updates.
    nextColOffsets?: Int32Array,
    nextRowIndex?: Int32Array,
    nextValues?: Float32Array,
    nextRows?: number,
    nextBias?: Float32Array,
    nextOut?: Float32Array,
  ): void;
  /**
   * Every pack member's step after the first layer's product (its later layers, dropout, loss,
   * backward pass and small tensors' optimizer steps), or in evaluation its loss and accuracy:
   * see native/tail.c for the layout of plan, reals and arena, and src/engine/native/tail.ts.
   */
  tail(
    plan: Int32Array,
    reals: Float64Array,
    arena: Float32Array,
    rng: Uint32Array,
    z1: Float32Array,
    width: number,
    rows: number,
    labels: Int32Array,
    training: 0 | 1,
    dOut: Float32Array,
    lr: Float32Array,
    c1: Float32Array,
    c2: Float32Array,
    out: Float64Array,
    index: Int32Array,
    weights: Float32Array,
    logits: Float32Array,
  ): void;
}

/** Where `npm install` builds the addon (scripts/build-native.mjs), from dist/src/engine/native. */
const ADDON = fileURLToPath(new URL('../../../../build/Release/tune_native.node', import.meta.url));

let loaded: { kernels?: NativeKernels; why?: string } | undefined;

/** The native kernels, or undefined with the reason when they were not built here. */
export function nativeKernels(): { kernels?: NativeKernels; why?: string } {
  if (!loaded) {
    try {
      const kernels = existsSync(ADDON) ? (createRequire(import.meta.url)(ADDON) as NativeKernels) : undefined;
      // An addon built by an older tune lacks what this one calls: trained with, it would fail midway.
      loaded = !kernels
        ? { why: `${ADDON} was not built (npm install builds it with node-gyp)` }
        : typeof kernels.lanes !== 'number'
          ? { why: `${ADDON} was built by an older tune: rebuild it with \`node scripts/build-native.mjs\`` }
          : { kernels };
    } catch (err) {
      loaded = { why: err instanceof Error ? err.message : String(err) };
    }
  }
  return loaded;
}

/**
 * The floor arithmetic, shared by bench:floor and bench:study: from the machine's measured
 * rates (all cores at once) and the study's own shapes, the least time one trial-execution-
 * epoch can take on the native engine's loop shapes: the products and the updates overlapping
 * perfectly, each at the best rate the probe measured for it. It counts only the first layer (the
 * sparse forward product, the batch's gradient rows, the optimizer update of every live weight
 * row each step), which is where nearly all the arithmetic is; the small layers after it, the
 * loss and the bookkeeping are left out, so the floor is a lower bound.
 */

export type UpdateKind = 'sgd' | 'rmsprop' | 'adam' | 'momentum';
export const UPDATE_KINDS: UpdateKind[] = ['sgd', 'rmsprop', 'adam', 'momentum'];

/** Optimizer arrays each weight carries besides itself (tfjs' rmsprop without momentum keeps one). */
export const STATE_SLOTS: Record<UpdateKind, number> = { sgd: 0, rmsprop: 1, adam: 2, momentum: 1 };
const FLOAT_BYTES = 4;
/** A non-zero of the sparse split: its float value and its int32 row. */
const NON_ZERO_BYTES = 8;
/** Each weight and slot is read and written once per step. */
const READ_AND_WRITE = 2;

export interface FloorShape {
  trainRows: number;
  validRows: number;
  batch: number;
  dim: number;
  /** Inputs non-zero in some training row: only their weight rows ever change. */
  liveInputs: number;
  trainNonZeros: number;
  validNonZeros: number;
  /** The first-layer width and optimizer of each value set of the space. */
  members: { width: number; kind: UpdateKind }[];
  executions: number;
  /** Trials a worker trains together (tune's --pack). */
  packTrials: number;
  cores: number;
  /** The last-level cache; 0 when unknown, which counts every state as fitting (a lower floor). */
  lastLevelCacheBytes: number;
}

/** Rates of the whole machine, every core working at once. */
export interface FloorRates {
  forwardMacsPerS: number;
  gradientMacsPerS: number;
  updatesPerS: Record<UpdateKind, number>;
  bandwidthBytesPerS: number;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The pack's width on the probe: its members side by side, at the space's mean first width. */
export function packWidth(shape: FloorShape): number {
  return Math.max(1, Math.round(shape.packTrials * shape.executions * mean(shape.members.map((m) => m.width))));
}

/** The floor and every intermediate, in ms per trial-execution-epoch on all cores at once. */
export function floorModel(shape: FloorShape, rates: FloorRates) {
  const stepsPerEpoch = Math.ceil(shape.trainRows / shape.batch);
  const meanWidth = mean(shape.members.map((m) => m.width));
  const packMembers = shape.packTrials * shape.executions;
  const perSet = shape.members.map(({ width, kind }) => {
    const forwardMacs = (shape.trainNonZeros + shape.validNonZeros) * width;
    const gradientMacs = shape.trainNonZeros * width;
    const updates = stepsPerEpoch * shape.liveInputs * width;
    return {
      forwardMacs,
      gradientMacs,
      updates,
      seconds: { forward: forwardMacs / rates.forwardMacsPerS, gradient: gradientMacs / rates.gradientMacsPerS, update: updates / rates.updatesPerS[kind] },
      stateTraffic: updates * READ_AND_WRITE * FLOAT_BYTES * (1 + STATE_SLOTS[kind]),
      stateBytes: shape.liveInputs * width * FLOAT_BYTES * (1 + STATE_SLOTS[kind]),
    };
  });
  const seconds = {
    forward: mean(perSet.map((s) => s.seconds.forward)),
    gradient: mean(perSet.map((s) => s.seconds.gradient)),
    update: mean(perSet.map((s) => s.seconds.update)),
  };
  // A lower bound takes the products (loads, multiplies, adds, stores) and the updates (square
  // roots and divisions, on their own unit) as overlapping perfectly, as the engine's fused step
  // lets the core do: the sum of the parts is not a floor, since a fused step can beat it.
  const productSeconds = seconds.forward + seconds.gradient;
  const computeSeconds = Math.max(productSeconds, seconds.update);
  // Every core's pack keeps its weights and slots in the shared last-level cache, or streams them.
  const allPacksStateBytes = shape.cores * packMembers * mean(perSet.map((s) => s.stateBytes));
  const statesFitCache = shape.lastLevelCacheBytes === 0 || allPacksStateBytes <= shape.lastLevelCacheBytes;
  // The sparse split is read by the forward and the backward pass of every step, once per pack.
  const dataBytes = (NON_ZERO_BYTES * (2 * shape.trainNonZeros + shape.validNonZeros)) / packMembers;
  const memoryBytes = dataBytes + (statesFitCache ? 0 : mean(perSet.map((s) => s.stateTraffic)));
  const memorySeconds = memoryBytes / rates.bandwidthBytesPerS;
  const floorSeconds = Math.max(computeSeconds, memorySeconds);
  return {
    stepsPerEpoch,
    meanFirstWidth: meanWidth,
    packMembers,
    packWidth: packWidth(shape),
    perTrialExecutionEpoch: {
      forwardMacs: mean(perSet.map((s) => s.forwardMacs)),
      gradientMacs: mean(perSet.map((s) => s.gradientMacs)),
      updates: mean(perSet.map((s) => s.updates)),
      ms: {
        forward: 1000 * seconds.forward,
        gradient: 1000 * seconds.gradient,
        update: 1000 * seconds.update,
        products: 1000 * productSeconds,
        compute: 1000 * computeSeconds,
        sumOfParts: 1000 * (productSeconds + seconds.update),
      },
      memory: { dataBytes, allPacksStateBytes, statesFitCache, bytes: memoryBytes, ms: 1000 * memorySeconds },
    },
    boundBy: memorySeconds > computeSeconds ? 'memory' : productSeconds >= seconds.update ? 'products' : 'updates',
    msPerTrialExecutionEpoch: 1000 * floorSeconds,
  };
}

/**
 * The rates if every core ran as fast as one core alone: single-core rates times cores. Memory
 * bandwidth is the machine's, so the all-core figure is kept.
 */
export function scaledRates(single: FloorRates, cores: number, bandwidthBytesPerS: number): FloorRates {
  const updatesPerS = Object.fromEntries(UPDATE_KINDS.map((k) => [k, single.updatesPerS[k] * cores])) as Record<UpdateKind, number>;
  return { forwardMacsPerS: single.forwardMacsPerS * cores, gradientMacsPerS: single.gradientMacsPerS * cores, updatesPerS, bandwidthBytesPerS };
}

/**
 * A cross-check from the fused step measured whole (forward, then gradient rows fused with the
 * RMSprop update, the engine's order) on every core: ms per trial-execution-epoch, the
 * validation forward product added at the forward rate.
 */
export function fusedStepMs(shape: FloorShape, packEpochsPerS: number, forwardMacsPerS: number): number {
  const members = shape.packTrials * shape.executions;
  const validSeconds = (shape.validNonZeros * mean(shape.members.map((m) => m.width))) / forwardMacsPerS;
  return 1000 * (1 / (packEpochsPerS * members) + validSeconds);
}

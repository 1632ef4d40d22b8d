import { availableParallelism } from 'node:os';

/**
 * The choices and defaults of `tune extract`, apart from the code that uses them, so that the
 * CLI registers the command (and prints its help) without loading tfjs, sharp or HDF5.
 */

/**
 * What happens to the base's feature map before it is flattened: nothing (the seed's
 * Flatten), or a global average or max over the spatial positions (Keras' `pooling=`), which
 * shrinks h x w x c features to c.
 */
export const POOLINGS = ['none', 'avg', 'max'] as const;
export type Pooling = (typeof POOLINGS)[number];

/** Defaults of `tune extract`, each beside the option it defaults. */
export const EXTRACT_DEFAULTS = {
  size: 150,
  seed: 0,
  /** Images per worker task; fixed so that the file never depends on the number of workers. */
  batchSize: 32,
  pooling: 'none' as Pooling,
  workers: availableParallelism(),
};

/** A classifier's weights: each tensor's values and shape, in layer order (kernel, bias, ...). */
export interface StoredWeights {
  tensors: { shape: number[]; values: Float32Array }[];
}

/**
 * Where an execution stood at its best epoch: its weights and its optimizer's state, so that a
 * promoted Hyperband trial trains on from there as if it had never stopped.
 */
export interface Checkpoint {
  weights: StoredWeights;
  /** Steps the optimizer has taken (Adam's bias correction depends on it). */
  iterations: number;
  /** The optimizer's slot tensors (RMSprop's mean squares, Adam's moments), in its own order. */
  slots: StoredWeights;
}

import { classWeightOfValue, type ClassWeight } from '../space/class-weight.js';
import type { Value, Values } from '../space/hyperparameter.js';
import {
  DEFAULT_LEARNING_RATE,
  layerBuilt,
  type Activation,
  type CompileSpec,
  type LayerSpec,
  type OptimizerName,
  type Param,
  type Ref,
} from '../space/study-spec.js';

/** A layer with every `$name` resolved: what a trial actually builds. */
export type ConcreteLayer = { kind: 'dense'; units: number; activation: Activation } | { kind: 'dropout'; rate: number };

/** The classifier a trial trains: layers after the input, and its optimizer. */
export interface ConcreteModel {
  inputDim: number;
  layers: ConcreteLayer[];
  /** momentum is 0 except for sgd with momentum. */
  optimizer: { name: OptimizerName; learningRate: number; momentum: number };
  loss: CompileSpec['loss'];
  /** The training loss's class weights (Keras' class_weight), when the trial has them. */
  classWeight?: ClassWeight;
}

/**
 * A trial's values that build no model (a dropout rate of 1, a width of 2.5): the trial is
 * marked invalid, never trained, and never retried. A space check cannot always see these
 * ahead, since it checks a continuous range's ends, not every value inside.
 */
export class InvalidValues extends Error {}

function isRef(v: unknown): v is Ref {
  return typeof v === 'object' && v !== null && 'ref' in v;
}

/** A parameter's value in a trial; `index` fills `{i}` in the names of repeated layers. */
function resolve<T extends Value>(param: Param<T>, values: Values, index = 0): T {
  if (typeof param === 'object' && param !== null && 'ref' in param) {
    const name = param.ref.replaceAll('{i}', String(index));
    const v = values[name];
    if (v === undefined) throw new Error(`hyperparameter ${name} is inactive but used`);
    return v as T;
  }
  return param;
}

/**
 * The concrete classifier of one trial: layers whose `if` is false are left out, `$name`s take
 * the trial's values. Space validation has proved every used value active, so an inactive one
 * here is a bug and throws.
 */
export function concreteModel(model: LayerSpec[], compile: CompileSpec, values: Values, inputDim: number): ConcreteModel {
  const layers: ConcreteLayer[] = [];
  for (const layer of model) {
    if (!layerBuilt(layer, values)) continue;
    const times = layer.repeat === undefined ? 1 : resolve(layer.repeat, values);
    for (let i = 0; i < times; i++) {
      if (layer.kind === 'dense') {
        const units = resolve(layer.units, values, i);
        if (!Number.isInteger(units) || units < 1) throw new InvalidValues(`a dense layer needs a whole number of units >= 1, got ${String(units)}`);
        layers.push({ kind: 'dense', units, activation: resolve(layer.activation, values, i) });
      } else {
        const rate = resolve(layer.rate, values, i);
        if (!(rate >= 0 && rate < 1)) throw new InvalidValues(`a dropout rate must be in [0, 1), got ${String(rate)}`);
        layers.push({ kind: 'dropout', rate });
      }
    }
  }
  const lr = compile.optimizer.learningRate;
  const name = resolve(compile.optimizer.name, values);
  const learningRate = lr === undefined ? DEFAULT_LEARNING_RATE[name] : resolve(lr, values);
  if (!(learningRate > 0)) throw new InvalidValues(`the learning rate must be > 0, got ${String(learningRate)}`);
  const mu = compile.optimizer.momentum;
  const momentum = mu === undefined || name !== 'sgd' ? 0 : resolve(mu, values);
  if (!(momentum >= 0 && momentum < 1)) throw new InvalidValues(`the momentum must be in [0, 1), got ${String(momentum)}`);
  const cw = compile.classWeight;
  const classWeight = cw === undefined ? undefined : isRef(cw) ? classWeightOfValue(String(resolve(cw, values))) : (cw as ClassWeight);
  return { inputDim, layers, optimizer: { name, learningRate, momentum }, loss: compile.loss, ...(classWeight ? { classWeight } : {}) };
}

/** Shapes of the trainable tensors in order: each dense layer's kernel (in, out) then bias (out). */
export function weightShapes(model: ConcreteModel): number[][] {
  const shapes: number[][] = [];
  let width = model.inputDim;
  for (const layer of model.layers) {
    if (layer.kind !== 'dense') continue;
    shapes.push([width, layer.units], [layer.units]);
    width = layer.units;
  }
  return shapes;
}

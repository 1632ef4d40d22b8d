import { InputError } from '../errors.js';
import { defaultValue, discreteValues, type Values } from './hyperparameter.js';
import type { Space } from './space.js';
import { layerRefs, type CompileSpec, type LayerSpec, type Param } from './study-spec.js';

/** More condition combinations than this are not enumerated. */
const MAX_COMBINATIONS = 100_000;

/**
 * Proves that every `$name` the model uses is active whenever its layer is built: a layer
 * whose value can be inactive must carry an `if` whose truth implies that activity. Checks
 * every combination of the values that conditions look at. Throws InputError on a layer
 * that could meet an inactive hyperparameter, naming one such combination.
 */
export function checkLayerConditions(file: string, space: Space, model: LayerSpec[], compile: CompileSpec): void {
  const relevant = new Set<string>();
  for (const hp of space.hyperparameters) for (const parent of Object.keys(hp.when ?? {})) relevant.add(parent);
  for (const layer of model) {
    if (layer.if) relevant.add(layer.if);
    if (typeof layer.repeat === 'object') relevant.add(layer.repeat.ref);
  }

  const combos: Values[] = [];
  const walk = (i: number, values: Values): void => {
    if (combos.length > MAX_COMBINATIONS) throw new InputError(file, 'hyperparameters', `conditions have more than ${MAX_COMBINATIONS} combinations to check`);
    if (i === space.hyperparameters.length) {
      combos.push(values);
      return;
    }
    const hp = space.hyperparameters[i]!;
    if (!space.isActive(hp, values)) return walk(i + 1, values);
    const options = relevant.has(hp.name) ? discreteValues(hp)! : [defaultValue(hp)];
    for (const v of options) walk(i + 1, { ...values, [hp.name]: v });
  };
  walk(0, {});

  const refs = (params: Param<unknown>[]): string[] => params.flatMap((p) => (typeof p === 'object' && p !== null && 'ref' in p ? [(p as { ref: string }).ref] : []));
  model.forEach((layer, k) => {
    const used = layerRefs(layer);
    for (const values of combos) {
      const built = layer.if === undefined || values[layer.if] === true;
      if (!built) continue;
      const repeatRef = typeof layer.repeat === 'object' ? layer.repeat.ref : undefined;
      if (repeatRef !== undefined && !(repeatRef in values)) {
        throw new InputError(file, `model[${k}].repeat`, `uses $${repeatRef}, which is inactive when ${JSON.stringify(values)}`);
      }
      const times = layer.repeat === undefined ? 1 : typeof layer.repeat === 'number' ? layer.repeat : (values[repeatRef!] as number);
      for (let i = 0; i < times; i++) {
        for (const ref of used.map((r) => r.replaceAll('{i}', String(i)))) {
          if (!space.byName.has(ref)) throw new InputError(file, `model[${k}]`, `uses $${ref} (repetition ${i + 1} of ${times}), which is not a hyperparameter`);
          if (!(ref in values)) {
            const fix = layer.if === undefined ? `add "if" naming the boolean that activates it` : `its "if" (${layer.if}) does not imply it`;
            throw new InputError(file, `model[${k}]`, `uses $${ref}, which is inactive when ${JSON.stringify(values)}; ${fix}`);
          }
        }
      }
    }
  });
  const lr = compile.optimizer.learningRate;
  const always: [string, Param<unknown> | undefined][] = [
    ['compile.optimizer', compile.optimizer.name],
    ['compile.learning_rate', lr],
    ['compile.momentum', compile.optimizer.momentum],
  ];
  for (const [where, param] of always) {
    for (const ref of refs(param === undefined ? [] : [param])) {
      for (const values of combos) {
        if (!(ref in values)) throw new InputError(file, where, `uses $${ref}, which can be inactive; the optimizer needs it always`);
      }
    }
  }
}

import { InputError } from '../errors.js';
import { ActivityContext } from './activity.js';
import type { Space } from './space.js';
import { ifCondition, layerRefs, type CompileSpec, type LayerSpec, type Param, type Ref } from './study-spec.js';

/**
 * Proves that every `$name` the model uses is active whenever its layer is built: a layer
 * whose value can be inactive must carry an `if` whose truth implies that activity. Reasons
 * over the conditions (see ActivityContext) instead of listing value sets, so it takes time
 * in proportion to the space file. Called by parseSpace. Throws InputError on a layer that
 * could meet an inactive hyperparameter, naming a value set where it does.
 */
export function checkLayerConditions(file: string, space: Space, model: LayerSpec[], compile: CompileSpec): void {
  const graph = space.graph;
  const at = (name: string): number => graph.index.get(name)!;
  // A layer's `if` holds exactly when each of its parents has one of its values: literals.
  const base = (layer: LayerSpec): ActivityContext =>
    new ActivityContext(graph, layer.if === undefined ? [] : Object.entries(ifCondition(layer.if)).map(([name, allowed]) => [at(name), new Set(allowed)]));
  const byIf = new Map<string, ActivityContext>();

  model.forEach((layer, k) => {
    const where = `model[${k}]`;
    const fix =
      layer.if === undefined
        ? `add "if" naming the boolean or the condition that activates it`
        : `its "if" (${typeof layer.if === 'string' ? layer.if : JSON.stringify(layer.if)}) does not imply it`;
    const refs = layerRefs(layer);
    const fixedRefs = refs.filter((r) => !r.includes('{i}'));
    const indexed = refs.filter((r) => r.includes('{i}'));
    const need = (ctx: ActivityContext, ref: string, place: string, detail = ''): void => {
      const gap = ctx.gap(at(ref));
      if (gap) throw new InputError(file, place, `uses $${ref}${detail}, which is inactive when ${ctx.witness(gap)}${place === where ? `; ${fix}` : ''}`);
    };

    if (layer.repeat === undefined || typeof layer.repeat === 'number') {
      const times = layer.repeat ?? 1;
      const key = layer.if === undefined ? '' : JSON.stringify(ifCondition(layer.if));
      const ctx = byIf.get(key) ?? base(layer);
      byIf.set(key, ctx);
      if (times === 0 || !ctx.satisfiable()) return;
      for (const ref of fixedRefs) need(ctx, ref, where);
      for (let i = 0; i < times; i++) for (const ref of indexed) need(ctx, exists(file, where, space, ref, i, times), where);
      return;
    }

    // A repetition count from a hyperparameter: repetition i is built when the count exceeds i.
    const count = layer.repeat.ref;
    const ctx = base(layer);
    if (!ctx.satisfiable()) return;
    need(ctx, count, `${where}.repeat`);
    const counts = ctx.valuesOf(at(count)) as number[];
    const most = Math.max(0, ...counts);
    for (let i = 0; i < most; i++) {
      ctx.restrict(at(count), new Set(counts.filter((t) => t > i)));
      if (i === 0) for (const ref of fixedRefs) need(ctx, ref, where);
      for (const ref of indexed) need(ctx, exists(file, where, space, ref, i, most), where);
    }
  });

  // The optimizer is built for every trial, so what it reads must always be active.
  const always = new ActivityContext(graph, []);
  const lr = compile.optimizer.learningRate;
  const uses: [string, Param<unknown> | undefined][] = [
    ['compile.optimizer', compile.optimizer.name],
    ['compile.learning_rate', lr],
    ['compile.momentum', compile.optimizer.momentum],
  ];
  for (const [where, param] of uses) {
    if (typeof param !== 'object' || param === null || !('ref' in param)) continue;
    const ref = (param as Ref).ref;
    if (always.gap(at(ref))) throw new InputError(file, where, `uses $${ref}, which can be inactive; the optimizer needs it always`);
  }
}

/** The name of repetition `i` of an indexed `$name`, which must be a hyperparameter. */
function exists(file: string, where: string, space: Space, ref: string, i: number, times: number): string {
  const name = ref.replaceAll('{i}', String(i));
  if (!space.byName.has(name)) throw new InputError(file, where, `uses $${name} (repetition ${i + 1} of ${times}), which is not a hyperparameter`);
  return name;
}

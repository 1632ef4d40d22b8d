import { BINARY_METRICS, COMPILE_METRICS } from '../domain/metrics.js';
import { classWeightProblem, classWeightValueProblem, type ClassWeight } from './class-weight.js';
import { discreteValues, type Condition, type Value } from './hyperparameter.js';
import { JsonParser, show } from './json-parser.js';
import type { Space } from './space.js';
import {
  ACTIVATIONS,
  DEFAULT_TOP_K,
  LOSSES,
  OPTIMIZERS,
  layerRefs,
  type Activation,
  type CompileSpec,
  type LayerIf,
  type LayerSpec,
  type Param,
} from './study-spec.js';

/** Parses the `model` and `compile` sections of a space file. */
export class ModelParser extends JsonParser {
  layer(v: unknown, where: string, space: Space): LayerSpec {
    const layer = this.layerBody(v, where, space);
    if (layer.repeat === undefined && layerRefs(layer).some((r) => r.includes('{i}'))) {
      this.fail(where, 'uses {i} in a $name, which only a layer with "repeat" has');
    }
    return layer;
  }

  private layerBody(v: unknown, where: string, space: Space): LayerSpec {
    const l = this.object(v, where);
    const cond = l['if'] === undefined ? {} : { if: this.ifSpec(l['if'], `${where}.if`, space) };
    if ('dense' in l) {
      this.only(l, where, ['dense', 'activation', 'if', 'repeat']);
      const units = this.param(l['dense'], `${where}.dense`, space, this.units);
      const activation = this.param(l['activation'] ?? 'linear', `${where}.activation`, space, this.activation);
      const repeat = this.repeat(l['repeat'], `${where}.repeat`, space);
      const times = this.times(repeat.repeat, space);
      this.repetitions(units, `${where}.dense`, space, times, this.units);
      this.repetitions(activation, `${where}.activation`, space, times, this.activation);
      return { kind: 'dense', units, activation: activation as Param<Activation>, ...cond, ...repeat };
    }
    if ('dropout' in l) {
      this.only(l, where, ['dropout', 'if', 'repeat']);
      const rate = this.param(l['dropout'], `${where}.dropout`, space, this.rate);
      const repeat = this.repeat(l['repeat'], `${where}.repeat`, space);
      this.repetitions(rate, `${where}.dropout`, space, this.times(repeat.repeat, space), this.rate);
      return { kind: 'dropout', rate, ...cond, ...repeat };
    }
    return this.fail(where, `must be a dense or dropout layer ({"dense": units} or {"dropout": rate}), got ${show(v)}`);
  }

  // The rules of a layer's values, for a literal, a `$name` and each repetition's `$name_{i}`.
  private readonly units = (x: unknown, w: string): number => this.int(x, w, 1);
  private readonly activation = (x: unknown, w: string): Activation => this.oneOf(x, w, ACTIVATIONS);
  private readonly rate = (x: unknown, w: string): number => {
    const r = this.number(x, w);
    if (r < 0 || r >= 1) this.fail(w, `must be a rate in [0, 1), got ${r}`);
    return r;
  };

  /** The most times a layer is built: its repeat, or the largest value of the repeat's hyperparameter. */
  private times(repeat: Param<number> | undefined, space: Space): number {
    if (repeat === undefined) return 0;
    if (typeof repeat === 'number') return repeat;
    return (discreteValues(space.byName.get(repeat.ref)!) as number[]).reduce((a, b) => Math.max(a, b), 0);
  }

  /** `"if"`: a boolean's name, or a condition object as in `when` whose parents are discrete. */
  ifSpec(v: unknown, where: string, space: Space): LayerIf {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.ifName(v, where, space);
    const c = this.object(v, where);
    if (Object.keys(c).length === 0) this.fail(where, 'must name at least one hyperparameter');
    const out = Object.create(null) as Condition;
    for (const [name, allowed] of Object.entries(c)) {
      const at = `${where}.${name}`;
      const hp = space.byName.get(name);
      if (!hp) this.fail(at, `refers to an unknown hyperparameter, got ${show(name)}`);
      if (space.repeated.has(name)) this.fail(at, `refers to ${show(name)}, which is declared more than once; a condition needs a name declared once`);
      const options = discreteValues(hp);
      if (!options) this.fail(at, `${show(name)} is a continuous float; a layer's condition needs a discrete hyperparameter`);
      const list = this.array(allowed, at);
      if (list.length === 0) this.fail(at, 'must list at least one allowed value');
      list.forEach((a, k) => {
        if (!options.some((o) => o === a)) this.fail(`${at}[${k}]`, `is not a value of ${show(name)} (${show(options)}), got ${show(a)}`);
      });
      out[name] = list as Value[];
    }
    return out;
  }

  ifName(v: unknown, where: string, space: Space): string {
    const name = this.string(v, where);
    const hp = space.byName.get(name);
    if (!hp) this.fail(where, `refers to an unknown hyperparameter, got ${show(name)}`);
    if (hp.type !== 'boolean') this.fail(where, `must name a boolean hyperparameter, got ${show(name)} (${hp.type})`);
    if (space.repeated.has(name)) this.fail(where, `refers to ${show(name)}, which is declared more than once; a condition needs a name declared once`);
    return name;
  }

  /** `"repeat"`: a whole number, or an int or choice hyperparameter of whole numbers. */
  repeat(v: unknown, where: string, space: Space): { repeat?: Param<number> } {
    if (v === undefined) return {};
    const repeat = this.param(v, where, space, (x, w) => this.int(x, w, 0));
    if (typeof repeat === 'object' && !discreteValues(space.byName.get(repeat.ref)!))
      this.fail(where, `must name an int or a choice of whole numbers, got "$${repeat.ref}"`);
    return { repeat };
  }

  compile(v: unknown, space: Space): CompileSpec {
    const c = this.object(v, 'compile');
    this.only(c, 'compile', ['loss', 'optimizer', 'metrics', 'learning_rate', 'momentum', 'class_weight', 'top_k']);
    const loss = this.oneOf(c['loss'], 'compile.loss', LOSSES);
    const name = this.param(c['optimizer'] ?? 'rmsprop', 'compile.optimizer', space, (x, w) => this.oneOf(x, w, OPTIMIZERS));
    const optimizer: CompileSpec['optimizer'] = { name };
    if (c['learning_rate'] !== undefined) {
      optimizer.learningRate = this.param(c['learning_rate'], 'compile.learning_rate', space, (x, w) => {
        const r = this.number(x, w);
        if (r <= 0) this.fail(w, `must be > 0, got ${r}`);
        return r;
      });
    }
    if (c['momentum'] !== undefined) {
      if (typeof name === 'string' && name !== 'sgd') this.fail('compile.momentum', `applies to the sgd optimizer only, got optimizer ${name}`);
      optimizer.momentum = this.param(c['momentum'], 'compile.momentum', space, (x, w) => {
        const r = this.number(x, w);
        if (!(r >= 0 && r < 1)) this.fail(w, `must be in [0, 1), got ${r}`);
        return r;
      });
    }
    const names = Object.keys(COMPILE_METRICS);
    const metrics =
      c['metrics'] === undefined ? ['accuracy'] : this.array(c['metrics'], 'compile.metrics').map((m, i) => this.oneOf(m, `compile.metrics[${i}]`, names));
    metrics.forEach((m, i) => {
      const metric = COMPILE_METRICS[m];
      if (metric && loss !== 'binary_crossentropy' && (BINARY_METRICS as readonly string[]).includes(metric))
        this.fail(`compile.metrics[${i}]`, `${m} is a metric of two classes (binary_crossentropy), got loss ${loss}`);
    });
    const topK = c['top_k'] === undefined ? DEFAULT_TOP_K : this.int(c['top_k'], 'compile.top_k', 1);
    return { loss, optimizer, metrics, topK, ...this.classWeight(c['class_weight'], space) };
  }

  classWeight(v: unknown, space: Space): { classWeight?: CompileSpec['classWeight'] } {
    const where = 'compile.class_weight';
    if (v === undefined) return {};
    if (typeof v === 'string' && v.startsWith('$')) {
      return {
        classWeight: this.param(v, where, space, (x, w) => {
          const bad = classWeightValueProblem(x);
          if (bad) this.fail(w, bad);
          return x as string;
        }),
      };
    }
    const bad = classWeightProblem(v);
    if (bad) this.fail(where, bad);
    return { classWeight: v as ClassWeight };
  }
}

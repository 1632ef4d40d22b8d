import { existsSync, readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { parseJsonText } from './json-text.js';
import { nameProblem } from './names.js';
import { JsonParser, show, type Json } from './json-parser.js';
import { ModelParser } from './parse-model.js';
import { isValueOf } from './encoding.js';
import { discreteValues, type Condition, type Hyperparameter, type RangeHp, type Value } from './hyperparameter.js';
import { Space } from './space.js';
import { ORACLES, TUNER_DEFAULTS, inferDirection, recordedMetrics, type EarlyStopping, type StudySpec, type TunerSpec } from './study-spec.js';
import { COMPILE_METRICS, METRIC_NAMES, type MetricName } from '../domain/metrics.js';
import { checkLayerConditions } from './check-conditions.js';
import { parseEnqueue, parseStopWhen, parseTimeout } from './parse-budget.js';
import { ActivityContext } from './activity.js';
import { parsePruner } from './parse-pruner.js';
import { parseCrossValidation } from './parse-cross-validation.js';

/**
 * Reads and validates a space file. Nothing in it is executed. Throws InputError naming the
 * file, the place (`hyperparameters[2].when`) and the rule broken, with the value received.
 */
export function readSpaceFile(path: string): StudySpec {
  if (!existsSync(path)) throw new InputError(path, 'file', 'does not exist');
  const text = readFileSync(path, 'utf8');
  if (text.trim() === '') throw new InputError(path, 'file', 'is empty; expected a JSON space file');
  return parseSpace(parseJsonText(text, path), path);
}

/**
 * Validates a space file's JSON; `file` names it in errors. `stored`: the space a study
 * recorded, whose hyperparameters' values are not checked against the layers that read them,
 * so that a study run past a check added since still reads (its value sets that build no
 * model are its invalid trials).
 */
export function parseSpace(json: unknown, file: string, o: { stored?: boolean } = {}): StudySpec {
  const p = new Parser(file);
  const m = new ModelParser(file, o.stored !== true);
  const root = p.object(json, 'top level');
  p.only(root, 'top level', ['name', 'data', 'hyperparameters', 'model', 'compile', 'tuner', 'description']);
  const name = p.string(root['name'], 'name');
  const bad = nameProblem(name);
  if (bad) p.fail('name', bad);
  const data = p.object(root['data'], 'data');
  p.only(data, 'data', ['train', 'valid', 'test']);
  const hyperparameters = p.array(root['hyperparameters'], 'hyperparameters').map((h, i) => p.hyperparameter(h, `hyperparameters[${i}]`));
  const space = new Space(p.checkHyperparameters(hyperparameters));
  p.checkRepeatedNames(space);
  const model = p.array(root['model'], 'model').map((l, i) => m.layer(l, `model[${i}]`, space));
  if (model.length === 0) p.fail('model', 'must have at least one layer');
  const compile = m.compile(root['compile'], space);
  checkLayerConditions(file, space, model, compile);
  const last = model.at(-1)!;
  if (last.kind !== 'dense' || last.if !== undefined || typeof last.units !== 'number') {
    p.fail(`model[${model.length - 1}]`, 'the last layer must be an unconditional dense layer with a fixed number of units (the output)');
  }
  return {
    name,
    data: { train: p.string(data['train'], 'data.train'), valid: p.string(data['valid'], 'data.valid'), test: p.string(data['test'], 'data.test') },
    space,
    model,
    compile,
    tuner: p.tuner(root['tuner'], space, recordedMetrics(compile)),
    source: json,
  };
}

class Parser extends JsonParser {
  hyperparameter(v: unknown, where: string): Hyperparameter {
    const h = this.object(v, where);
    const name = this.string(h['name'], `${where}.name`);
    const bad = nameProblem(name);
    if (bad) this.fail(`${where}.name`, bad);
    const type = this.oneOf(h['type'], `${where}.type`, ['choice', 'float', 'int', 'boolean', 'fixed'] as const);
    const common = { name, ...(h['when'] !== undefined ? { when: this.condition(h['when'], `${where}.when`) } : {}) };
    let hp: Hyperparameter;
    switch (type) {
      case 'choice': {
        this.only(h, where, ['name', 'type', 'values', 'ordered', 'default', 'when']);
        const values = this.array(h['values'], `${where}.values`);
        if (values.length === 0) this.fail(`${where}.values`, 'must list at least one value');
        values.forEach((x, i) => {
          if (!['number', 'string', 'boolean'].includes(typeof x)) this.fail(`${where}.values[${i}]`, `must be a number, string or boolean, got ${show(x)}`);
        });
        if (new Set(values).size !== values.length) this.fail(`${where}.values`, `must not repeat a value, got ${show(values)}`);
        const kinds = new Set(values.map((x) => typeof x));
        if (kinds.size > 1) this.fail(`${where}.values`, `must all be of one type, got ${show(values)}`);
        let ordered: boolean | undefined;
        if (h['ordered'] !== undefined) {
          if (typeof h['ordered'] !== 'boolean') this.fail(`${where}.ordered`, `must be true or false, got ${show(h['ordered'])}`);
          if (h['ordered'] && !kinds.has('number')) this.fail(`${where}.ordered`, 'applies to numbers only');
          ordered = h['ordered'];
        }
        hp = { ...common, type, values: values as Value[], ...(ordered !== undefined ? { ordered } : {}) };
        break;
      }
      case 'boolean':
        this.only(h, where, ['name', 'type', 'default', 'when']);
        hp = { ...common, type };
        break;
      case 'fixed': {
        this.only(h, where, ['name', 'type', 'value', 'when']);
        const value = h['value'];
        if (!['number', 'string', 'boolean'].includes(typeof value)) this.fail(`${where}.value`, `must be a number, string or boolean, got ${show(value)}`);
        hp = { ...common, type, value: value as Value };
        break;
      }
      case 'float':
      case 'int':
        hp = this.range(h, where, type, common);
        break;
    }
    if (h['default'] !== undefined) {
      if (!isValueOf(hp, h['default'] as Value)) this.fail(`${where}.default`, `must be one of the hyperparameter's values, got ${show(h['default'])}`);
      hp.default = h['default'] as Value;
    }
    return hp;
  }

  range(h: Json, where: string, type: 'int' | 'float', common: { name: string; when?: Condition }): RangeHp {
    this.only(h, where, ['name', 'type', 'min', 'max', 'step', 'sampling', 'default', 'when']);
    const isInt = type === 'int';
    const min = isInt ? this.int(h['min'], `${where}.min`, Number.MIN_SAFE_INTEGER) : this.number(h['min'], `${where}.min`);
    const max = isInt ? this.int(h['max'], `${where}.max`, Number.MIN_SAFE_INTEGER) : this.number(h['max'], `${where}.max`);
    if (max < min) this.fail(`${where}.max`, `must be >= min (${min}), got ${max}`);
    const sampling = h['sampling'] === undefined ? 'linear' : this.oneOf(h['sampling'], `${where}.sampling`, ['linear', 'log', 'reverse_log'] as const);
    if (sampling !== 'linear' && min <= 0) this.fail(`${where}.min`, `must be > 0 with ${sampling} sampling, got ${min}`);
    let step: number | undefined;
    if (h['step'] !== undefined) {
      step = isInt ? this.int(h['step'], `${where}.step`, 1) : this.number(h['step'], `${where}.step`);
      if (sampling === 'linear') {
        if (step <= 0) this.fail(`${where}.step`, `must be > 0, got ${step}`);
        if (max > min && step > max - min) this.fail(`${where}.step`, `does not fit the range ${min}..${max}, got ${step}`);
      } else {
        if (step <= 1) this.fail(`${where}.step`, `must be > 1 with ${sampling} sampling (it multiplies), got ${step}`);
        if (max > min && min * step > max) this.fail(`${where}.step`, `does not fit the range ${min}..${max} (${min} x ${step} > ${max}), got ${step}`);
      }
    }
    return { ...common, type, min, max, sampling, ...(step !== undefined ? { step } : {}) };
  }

  condition(v: unknown, where: string): Condition {
    const c = this.object(v, where);
    if (Object.keys(c).length === 0) this.fail(where, 'must name at least one parent');
    const out = Object.create(null) as Condition;
    for (const [parent, allowed] of Object.entries(c)) {
      const list = this.array(allowed, `${where}.${parent}`);
      if (list.length === 0) this.fail(`${where}.${parent}`, 'must list at least one allowed value');
      out[parent] = list as Value[];
    }
    return out;
  }

  /**
   * Parents come first, are discrete, are declared once, and the allowed values are theirs.
   * A name may be declared again only under a condition (checkRepeatedNames decides which).
   */
  checkHyperparameters(hps: Hyperparameter[]): Hyperparameter[] {
    const seen = new Map<string, Hyperparameter>();
    // Counted in one pass: a space may hold thousands of hyperparameters.
    const declared = new Map<string, number>();
    for (const hp of hps) declared.set(hp.name, (declared.get(hp.name) ?? 0) + 1);
    const repeated = new Set([...declared].filter(([, n]) => n > 1).map(([name]) => name));
    hps.forEach((hp, i) => {
      const before = seen.get(hp.name);
      if (before && (!hp.when || !before.when))
        this.fail(`hyperparameters[${i}].name`, `repeats ${show(hp.name)}; a name may repeat only under conditions that exclude each other`);
      for (const [parent, allowed] of Object.entries(hp.when ?? {})) {
        const where = `hyperparameters[${i}].when.${parent}`;
        if (repeated.has(parent)) this.fail(where, `parent ${show(parent)} is declared more than once; a condition needs a name declared once`);
        const p = seen.get(parent);
        if (!p)
          this.fail(where, declared.has(parent) ? `parent ${show(parent)} must be declared before ${show(hp.name)}` : `unknown hyperparameter ${show(parent)}`);
        const options = discreteValues(p);
        if (!options) this.fail(where, `parent ${show(parent)} is a continuous float; conditions need a choice, boolean, fixed, int or stepped float`);
        allowed.forEach((a, k) => {
          if (!options.some((o) => o === a)) this.fail(`${where}[${k}]`, `is not a value of ${show(parent)} (${show(options)}), got ${show(a)}`);
        });
      }
      if (!seen.has(hp.name)) seen.set(hp.name, hp);
    });
    return hps;
  }

  /**
   * A name declared more than once must have declarations that can never be active together
   * (KerasTuner's test_parent_name: "b" under a = 1 and again under a = 2). Decided by the
   * conditions' literals, as the layer checks are: both declarations' `when`, with their
   * parents' own conditions, must leave some hyperparameter no value.
   */
  checkRepeatedNames(space: Space): void {
    const { graph } = space;
    const earlier = new Map<string, number[]>();
    space.hyperparameters.forEach((hp, i) => {
      for (const k of earlier.get(hp.name) ?? []) {
        const literals = [...graph.edges[k]!, ...graph.edges[i]!].map((e): [number, ReadonlySet<Value>] => [e.parent, e.allowed]);
        if (new ActivityContext(graph, literals).satisfiable()) {
          this.fail(
            `hyperparameters[${i}].name`,
            `repeats ${show(hp.name)} (hyperparameters[${k}]) under conditions that can both hold; a name repeats only under exclusive conditions`,
          );
        }
      }
      earlier.set(hp.name, [...(earlier.get(hp.name) ?? []), i]);
    });
  }

  /** `recorded`: the metrics the study's epochs record, which the objective and early stopping's monitor must be. */
  tuner(v: unknown, space: Space, recorded: readonly MetricName[]): TunerSpec {
    const t = v === undefined ? {} : this.object(v, 'tuner');
    this.only(t, 'tuner', [
      'oracle',
      'objective',
      'direction',
      'max_trials',
      'executions_per_trial',
      'epochs',
      'batch_size',
      'validation_batch_size',
      'seed',
      'max_consecutive_failed_trials',
      'max_consecutive_invalid_trials',
      'max_retries_per_trial',
      'early_stopping',
      'max_epochs',
      'factor',
      'hyperband_iterations',
      'keep_weights',
      'enqueue',
      'timeout',
      'stop_when',
      'pruner',
      'cross_validation',
    ]);
    const d = TUNER_DEFAULTS;
    const objective = t['objective'] === undefined ? d.objective : this.metric(t['objective'], 'tuner.objective', recorded);
    return {
      oracle: t['oracle'] === undefined ? d.oracle : this.oneOf(t['oracle'], 'tuner.oracle', ORACLES),
      objective,
      direction: t['direction'] === undefined ? inferDirection(objective) : this.oneOf(t['direction'], 'tuner.direction', ['max', 'min'] as const),
      maxTrials: t['max_trials'] === undefined ? d.maxTrials : this.int(t['max_trials'], 'tuner.max_trials', 1),
      executionsPerTrial: t['executions_per_trial'] === undefined ? d.executionsPerTrial : this.int(t['executions_per_trial'], 'tuner.executions_per_trial', 1),
      epochs: t['epochs'] === undefined ? d.epochs : this.int(t['epochs'], 'tuner.epochs', 1),
      batchSize: t['batch_size'] === undefined ? d.batchSize : this.int(t['batch_size'], 'tuner.batch_size', 1),
      validationBatchSize:
        t['validation_batch_size'] === undefined ? d.validationBatchSize : this.int(t['validation_batch_size'], 'tuner.validation_batch_size', 1),
      seed: t['seed'] === undefined ? d.seed : this.int(t['seed'], 'tuner.seed', 0),
      maxConsecutiveFailedTrials:
        t['max_consecutive_failed_trials'] === undefined
          ? d.maxConsecutiveFailedTrials
          : this.int(t['max_consecutive_failed_trials'], 'tuner.max_consecutive_failed_trials', 1),
      maxConsecutiveInvalidTrials:
        t['max_consecutive_invalid_trials'] === undefined
          ? d.maxConsecutiveInvalidTrials
          : this.int(t['max_consecutive_invalid_trials'], 'tuner.max_consecutive_invalid_trials', 1),
      maxRetriesPerTrial:
        t['max_retries_per_trial'] === undefined ? d.maxRetriesPerTrial : this.int(t['max_retries_per_trial'], 'tuner.max_retries_per_trial', 0),
      ...(t['early_stopping'] === undefined ? {} : { earlyStopping: this.earlyStopping(t['early_stopping'], recorded) }),
      ...(t['max_epochs'] === undefined ? {} : { maxEpochs: this.int(t['max_epochs'], 'tuner.max_epochs', 1) }),
      factor: t['factor'] === undefined ? d.factor : this.int(t['factor'], 'tuner.factor', 2),
      hyperbandIterations:
        t['hyperband_iterations'] === undefined ? d.hyperbandIterations : this.int(t['hyperband_iterations'], 'tuner.hyperband_iterations', 1),
      keepWeights: t['keep_weights'] === undefined ? d.keepWeights : this.int(t['keep_weights'], 'tuner.keep_weights', 0),
      ...(t['enqueue'] === undefined ? {} : { enqueue: parseEnqueue(this, t['enqueue'], space) }),
      ...(t['timeout'] === undefined ? {} : { timeout: parseTimeout(this, t['timeout']) }),
      ...(t['stop_when'] === undefined ? {} : { stopWhen: parseStopWhen(this, t['stop_when']) }),
      pruner: parsePruner(this, t['pruner']),
      ...(t['cross_validation'] === undefined ? {} : { crossValidation: parseCrossValidation(this, t['cross_validation']) }),
    };
  }

  /** One of the recorded metrics; a class metric that compile.metrics does not ask for says so. */
  metric(v: unknown, where: string, recorded: readonly MetricName[]): MetricName {
    const name = this.oneOf(v, where, METRIC_NAMES);
    if (!recorded.includes(name)) {
      const asked = Object.entries(COMPILE_METRICS).find(([, m]) => m === name)?.[0];
      this.fail(where, `${name} is not recorded: add "${asked}" to compile.metrics (recorded: ${recorded.join(', ')})`);
    }
    return name;
  }

  earlyStopping(v: unknown, recorded: readonly MetricName[]): EarlyStopping {
    const where = 'tuner.early_stopping';
    const e = this.object(v, where);
    this.only(e, where, ['monitor', 'patience', 'min_delta']);
    const monitor = e['monitor'] === undefined ? 'val_loss' : this.metric(e['monitor'], `${where}.monitor`, recorded);
    const minDelta = e['min_delta'] === undefined ? 0 : this.number(e['min_delta'], `${where}.min_delta`);
    if (minDelta < 0) this.fail(`${where}.min_delta`, `must be >= 0, got ${minDelta}`);
    return {
      monitor,
      patience: e['patience'] === undefined ? 0 : this.int(e['patience'], `${where}.patience`, 0),
      minDelta,
      direction: inferDirection(monitor),
    };
  }
}

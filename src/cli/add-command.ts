import type { Command } from 'commander';
import { InputError } from '../errors.js';
import type { EpochMetrics } from '../domain/trial.js';
import { show } from '../space/json-parser.js';
import { readSpaceFile } from '../space/parse-space.js';
import type { EpochRecord } from '../storage/storage.js';
import { formatScore, formatValues } from '../tui/format.js';
import { reading, writeOut } from './fail.js';
import { studyFlag } from './parse.js';
import { storageOptions, type StorageFlags } from './storage-flag.js';

interface AddFlags extends StorageFlags {
  values: string;
  score: number;
  epochsFile?: string;
  study?: string;
  json?: boolean;
}

const METRICS = ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const satisfies readonly (keyof EpochMetrics)[];

/**
 * `tune add SPACE.json --values JSON --score N`: a result obtained outside `tune` (another
 * tool, an earlier experiment) recorded as a complete trial, which the oracle then learns from
 * as from its own (Optuna's add_trial). Everything is checked before anything is written.
 */
export function registerAdd(program: Command): void {
  storageOptions(
    program
      .command('add')
      .description("record an outside result as a complete trial that the study's oracle learns from")
      .argument('<space>', 'the space file (JSON) of the study'),
    'to write',
  )
    .requiredOption('--values <json>', 'the value set, as a JSON object')
    .requiredOption('--score <n>', "the result's score on the study's objective", scoreFlag)
    .option('--epochs-file <path>', 'per-epoch metrics, one JSON object a line: loss, accuracy, val_loss, val_accuracy [, epoch, execution]')
    .option('--study <name>', "study name (default: the space file's name)", studyFlag)
    .option('--json', 'print the added trial as a JSON object')
    .action(async (spacePath: string, flags: AddFlags) => {
      const spec = reading(spacePath, () => readSpaceFile(spacePath));
      const { valuesArgument, withSpaceStudy } = await import('./space-study.js');
      const values = valuesArgument(spec.space, flags.values, '--values');
      const epochs = flags.epochsFile !== undefined ? await epochsFile(flags.epochsFile) : [];
      const { addResult } = await import('../study/warm-start.js');
      const { objective, direction } = spec.tuner;
      const trial = await withSpaceStudy(spec, flags, (storage, study) =>
        addResult(storage, study.id, { values, score: flags.score, epochs, objective: objective as keyof EpochMetrics, direction }),
      );
      writeOut(
        flags.json ? `${JSON.stringify(trial)}\n` : `added trial ${trial.number} ${objective}=${formatScore(trial.score!)}: ${formatValues(trial.values)}\n`,
      );
    });
}

function scoreFlag(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InputError('command line', '--score', `must be a finite number, got "${value}"`);
  return n;
}

/**
 * The epochs of a JSON-lines file: each line the four metrics, with `epoch` (default: the next
 * of its execution) and `execution` (default 1). Throws InputError naming the line.
 */
async function epochsFile(path: string): Promise<EpochRecord[]> {
  const { jsonLine, textFile } = await import('./space-study.js');
  const text = textFile(path);
  const out: EpochRecord[] = [];
  const last = new Map<number, number>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `line ${i + 1}`;
    const raw = jsonLine(line, path, i + 1);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError(path, where, `must be a JSON object, got ${show(raw)}`);
    const o = raw as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      if (![...METRICS, 'epoch', 'execution'].includes(key))
        throw new InputError(path, `${where}.${key}`, `is not a metric (allowed: ${METRICS.join(', ')}, epoch, execution)`);
    }
    const whole = (key: 'epoch' | 'execution', fallback: number): number => {
      const v = o[key] ?? fallback;
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
        throw new InputError(path, `${where}.${key}`, `must be a whole number >= 1, got ${show(v)}`);
      return v;
    };
    const execution = whole('execution', 1);
    const epoch = whole('epoch', (last.get(execution) ?? 0) + 1);
    if (epoch <= (last.get(execution) ?? 0)) {
      throw new InputError(path, `${where}.epoch`, `must come after epoch ${last.get(execution)} of execution ${execution}, got ${epoch}`);
    }
    last.set(execution, epoch);
    const metrics = {} as EpochMetrics;
    for (const m of METRICS) {
      const v = o[m];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(path, `${where}.${m}`, `must be a number, got ${show(v)}`);
      metrics[m] = v;
    }
    out.push({ execution, epoch, metrics });
  });
  return out;
}

import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { readSpaceFile } from '../space/parse-space.js';
import type { Values } from '../space/hyperparameter.js';
import { formatValues } from '../tui/format.js';
import { reading, writeOut } from './fail.js';
import { studyFlag } from './parse.js';
import { storageOptions, type StorageFlags } from './storage-flag.js';

interface EnqueueFlags extends StorageFlags {
  file?: string;
  study?: string;
  json?: boolean;
}

/**
 * `tune enqueue SPACE.json VALUES...`: value sets that `tune run` runs before it asks the
 * oracle (Optuna's enqueue_trial, Ray's points_to_evaluate). Every set is checked before
 * anything is written, so one bad set queues none.
 */
export function registerEnqueue(program: Command): void {
  storageOptions(
    program
      .command('enqueue')
      .description('queue value sets (JSON objects) that the next `tune run` trains first')
      .argument('<space>', 'the space file (JSON) of the study')
      .argument('[values...]', 'value sets as JSON, such as \'{"first_dense": 64, "dropout_rate": 0.5}\''),
    'to write',
  )
    .option('--file <path>', 'read the value sets from a JSON-lines file, one object a line')
    .option('--study <name>', "study name (default: the space file's name)", studyFlag)
    .option('--json', 'print each queued trial as a JSON object')
    .action(async (spacePath: string, texts: string[], flags: EnqueueFlags) => {
      const spec = reading(spacePath, () => readSpaceFile(spacePath));
      const { valuesArgument, valuesFile, withSpaceStudy } = await import('./space-study.js');
      const sets: Values[] = texts.map((text, i) => valuesArgument(spec.space, text, `values[${i}]`));
      if (flags.file !== undefined) sets.push(...valuesFile(spec.space, flags.file));
      if (sets.length === 0) throw new InputError('command line', 'values', 'give at least one value set, or --file values.jsonl');
      const { enqueueTrials } = await import('../study/warm-start.js');
      const done = await withSpaceStudy(spec, flags, (storage, study) => enqueueTrials(storage, study.id, spec.space, sets));
      for (const t of done.queued) writeOut(flags.json ? `${JSON.stringify(t)}\n` : `queued trial ${t.number}: ${formatValues(t.values)}\n`);
      for (const s of done.skipped) process.stderr.write(`tune: skipped ${JSON.stringify(s.values)}: trial ${s.number} has these values already\n`);
    });
}

import type { Command } from 'commander';
import { Rng } from '../random/rng.js';
import { readSpaceFile } from '../space/parse-space.js';
import { reading } from './fail.js';
import { intFlag } from './parse.js';

/** `tune space check` and `tune space sample`: the space file on its own, nothing trained. */
export function registerSpace(program: Command): void {
  const space = program.command('space').description('check a space file, or sample values from it');
  space
    .command('check')
    .description('validate a space file; prints a one-line summary, or the first rule broken')
    .argument('<space>', 'the space file (JSON)')
    .action((path: string) => {
      const spec = reading(path, () => readSpaceFile(path));
      const count = spec.space.count();
      const sets = count.kind === 'continuous' ? 'continuous' : `${count.kind === 'exact' ? '' : 'more than '}${count.n} distinct value sets`;
      process.stdout.write(
        `${path}: ok: study ${spec.name}, ${spec.space.dimensions} hyperparameters, ${sets}, ` +
          `${spec.model.length} layers, oracle ${spec.tuner.oracle}, objective ${spec.tuner.objective} (${spec.tuner.direction})\n`,
      );
    });
  space
    .command('sample')
    .description('print N sets of active values drawn at random, one JSON object per line')
    .argument('<space>', 'the space file (JSON)')
    .option('--n <n>', 'how many', intFlag('--n', 1), 10)
    .option('--seed <s>', 'seed of the draws', intFlag('--seed', 0, 0xffffffff), 0)
    .action((path: string, flags: { n: number; seed: number }) => {
      const spec = reading(path, () => readSpaceFile(path));
      const rng = new Rng(flags.seed);
      for (let i = 0; i < flags.n; i++) process.stdout.write(`${JSON.stringify(spec.space.sample(rng))}\n`);
    });
}

/**
 * What both study benches need before they time anything: the peer's folder and the HDF5 files
 * that both sides read. Without --data the files are made by the peer's own generator
 * (make_features.py: 2000 / 340 / 340 rows of imitation VGG features, 84% zeros) with the seed
 * that the figures used, so that a rerun reads the same numbers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from '../test/helpers/tune.js';

export const PYTHON = '/usr/bin/python3';
/** make_features.py's seed in the measurements (issue 10, environment.md). */
export const DATA_SEED = 11;
export const DATA_DIM = 8192;

/**
 * A temporary folder for a bench's files (features, databases, images), removed when the
 * process exits, whether the bench ends or throws: each holds tens of MiB.
 */
export function benchFolder(prefix: string): string {
  const dir = tempDir(prefix);
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The value after `name` on the command line, or undefined. */
export function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** A numeric flag, or `fallback`; throws on a value that is not a number. */
export function numberFlag(name: string, fallback: number): number {
  const text = flag(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new Error(`${name} needs a number, got ${JSON.stringify(text)}`);
  return value;
}

/**
 * The folder of the peer's scripts: --peer-dir, else $TUNE_PEER_DIR, else ../shared/peer next
 * to the repository. Throws, naming every place it looked, when optuna_torch.py is not there.
 */
export function peerDir(): string {
  const candidates = [flag('--peer-dir'), process.env['TUNE_PEER_DIR'], join(ROOT, '..', 'shared', 'peer')].filter((p): p is string => !!p);
  const found = candidates.find((dir) => existsSync(join(dir, 'optuna_torch.py')));
  if (!found) throw new Error(`the peer's scripts are not in ${candidates.join(' nor ')}: pass --peer-dir DIR (the folder of optuna_torch.py)`);
  return found;
}

/** --data DIR, or fresh files made in `work` by make_features.py (--data-seed, --dim). */
export function benchData(work: string): { dir: string; made?: string } {
  const given = flag('--data');
  if (given) return { dir: given };
  const dir = join(work, 'data');
  const args = [
    join(peerDir(), 'make_features.py'),
    dir,
    '--dim',
    String(numberFlag('--dim', DATA_DIM)),
    '--seed',
    String(numberFlag('--data-seed', DATA_SEED)),
  ];
  const made = spawnSync(PYTHON, args, { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`make_features.py failed (${made.status}): ${made.stderr}`);
  return { dir, made: `${PYTHON} ${args.join(' ')}` };
}

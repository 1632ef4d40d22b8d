import { existsSync, realpathSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import type { CopySummary } from '../storage/copy-study.js';
import { parseStorageArgument, sameStorage, shownLocation } from '../storage/location.js';
import type { Storage } from '../storage/storage.js';
import { interruptSignal, writeOut } from './fail.js';
import { studyFlag } from './parse.js';

interface CopyFlags {
  study?: string;
  json?: boolean;
}

/** The files SQLite may make beside a database: removed with a database that the copy created. */
const SQLITE_SIDE_FILES = ['', '-wal', '-shm', '-journal'];

/** `tune storage copy FROM TO`: a study moves between storages (a laptop's SQLite file to the cluster's PostgreSQL, and back). */
export function registerStorage(program: Command): void {
  const storage = program.command('storage').description('move studies between storages');
  storage
    .command('copy')
    .description('copy one study, with its trials, epochs, weights and checkpoints, from one storage into another')
    .argument('<from>', 'the storage to read: a SQLite file, sqlite:///PATH or postgresql://USER@HOST:PORT/DB')
    .argument('<to>', 'the storage to write, as FROM; a SQLite file that does not exist is created')
    .option('--study <name>', 'study name (default: the only study in FROM)', studyFlag)
    .option('--json', 'print what was copied as one JSON object')
    .action(async (fromText: string, toText: string, flags: CopyFlags) => {
      const from = parseStorageArgument(fromText, 'FROM');
      const to = parseStorageArgument(toText, 'TO');
      const [fromShown, toShown] = [shownLocation(from), shownLocation(to)];
      if (sameStorage(from, to, real)) throw new InputError('command line', 'TO', `names the same storage as FROM (got "${fromShown}" and "${toShown}")`);
      if (from.kind === 'sqlite' && !existsSync(from.path)) throw new InputError(from.path, 'file', 'does not exist (the storage to copy from)');
      const [{ chooseStudy, openExisting }, { openStorage }, { copyStudy }] = await Promise.all([
        import('./study-access.js'),
        import('../storage/open-storage.js'),
        import('../storage/copy-study.js'),
      ]);
      const source = await openExisting(from);
      try {
        const study = await chooseStudy(source, fromShown, flags.study);
        // Only what this copy creates may be removed when it fails: never a file that was there.
        const created = to.kind === 'sqlite' ? SQLITE_SIDE_FILES.map((s) => to.path + s).filter((p) => !existsSync(p)) : [];
        let target: Storage | undefined;
        try {
          target = await openStorage(to);
          const there = await target.findStudy(study.name);
          if (there !== undefined) {
            const count = (await target.trials(there.id)).length;
            throw new InputError(toShown, `study "${study.name}"`, `already exists (with ${count} trials); nothing was copied`);
          }
          const summary = await copyStudy(source, target, study, { signal: interruptSignal() });
          writeOut(flags.json ? `${JSON.stringify({ ...summary, from: fromShown, to: toShown })}\n` : `${describe(summary, fromShown, toShown)}\n`);
        } catch (err) {
          await target?.close();
          target = undefined;
          if (to.kind === 'sqlite' && created.includes(to.path)) removeCreated(created);
          throw err;
        } finally {
          await target?.close();
        }
      } finally {
        await source.close();
      }
    });
}

/** The path with its links resolved, or absolute when it does not exist (yet). */
function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Removes the database files this copy created (a new TO), and none that were there before. */
function removeCreated(paths: readonly string[]): void {
  for (const path of paths) rmSync(path, { force: true });
}

/** The command's one line: what was copied, and which trials will run again. */
function describe(s: CopySummary, from: string, to: string): string {
  const counts = `${s.trials} trials, ${s.epochs} epochs, ${s.weights} weights, ${s.checkpoints} checkpoints`;
  const running =
    s.interrupted.length === 0
      ? ''
      : `; ${s.interrupted.length === 1 ? 'trial' : 'trials'} ${s.interrupted.join(', ')} ${s.interrupted.length === 1 ? 'was' : 'were'} running in FROM` +
        ` and ${s.interrupted.length === 1 ? 'arrives' : 'arrive'} interrupted: ${s.interrupted.length === 1 ? 'it runs' : 'they run'} again in TO`;
  return `copied study ${s.study} from ${from} to ${to}: ${counts}${running}`;
}

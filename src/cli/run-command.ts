import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { BACKENDS } from '../engine/backend.js';
import { ENGINES } from '../pool/messages.js';
import { InputError } from '../errors.js';
import { PRUNER_KINDS } from '../pruners/pruner.js';
import { ORACLES } from '../space/study-spec.js';
import { readSpaceFile } from '../space/parse-space.js';
import { shownLocation } from '../storage/location.js';
import type { Storage } from '../storage/storage.js';
import type { StudyListener } from '../domain/events.js';
import type { RunOverrides, RunResult } from '../study/run-study.js';
import { plainReporter } from '../tui/plain-reporter.js';
import { resultsSummary } from '../tui/summary.js';
import { Interrupted, StudyStopped, databaseFault, interruptSignal, reading, writeOut } from './fail.js';
import { choiceFlag, durationFlag, intFlag, studyFlag } from './parse.js';
import { storageLocation, storageOptions } from './storage-flag.js';

interface RunFlags extends RunOverrides {
  data?: string;
  tui: boolean;
  overwrite?: boolean;
  db?: string;
  storage?: string;
  study?: string;
  json?: boolean;
}

export function registerRun(program: Command): void {
  storageOptions(
    program
      .command('run')
      .description('run (or resume) the study a space file describes; results go to the database')
      .argument('<space>', 'the space file (JSON): hyperparameters, model, compile, tuner'),
    'to write',
  )
    .option('--data <dir>', "use DIR/train.hdf5, DIR/valid.hdf5, DIR/test.hdf5 instead of the space file's data")
    .option('--workers <n>', 'trials trained at once (default: one per core; one on a GPU)', intFlag('--workers', 1, 256))
    .option('--max-trials <n>', 'complete trials to reach (overrides tuner.max_trials)', intFlag('--max-trials', 1))
    .option('--epochs <n>', 'epochs per execution (overrides tuner.epochs)', intFlag('--epochs', 1))
    .option('--executions <n>', 'executions per trial (overrides tuner.executions_per_trial)', intFlag('--executions', 1))
    .option('--oracle <name>', `search algorithm: ${ORACLES.join(', ')}`, choiceFlag('--oracle', ORACLES))
    .option(
      '--keep-weights <k>',
      'how many of the best trials keep their weights for tune best (overrides tuner.keep_weights; default 5)',
      intFlag('--keep-weights', 0),
    )
    .option('--pruner <kind>', `stops poor trials early: ${PRUNER_KINDS.join(', ')} (overrides tuner.pruner's kind)`, choiceFlag('--pruner', PRUNER_KINDS))
    .option('--seed <n>', 'seed of the oracle and of every trial', intFlag('--seed', 0, 0xffffffff))
    .option('--backend <name>', `tfjs backend: ${BACKENDS.join(', ')}`, choiceFlag('--backend', BACKENDS))
    .option(
      '--engine <name>',
      `training engine: ${ENGINES.join(', ')} (auto: the native kernels where built, tfjs otherwise and on GPUs)`,
      choiceFlag('--engine', ENGINES),
    )
    .option(
      '--pack <n>',
      'trials each worker trains together (default: up to 4 as memory allows on the native engine and on GPUs, 1 with tfjs on the CPU)',
      intFlag('--pack', 1, 64),
    )
    .option('--timeout <duration>', 'start no trial after this long (90s, 30m, 2h); running ones finish (overrides tuner.timeout)', durationFlag('--timeout'))
    .option('--no-tui', 'plain lines instead of the live leaderboard')
    .option('--overwrite', 'replace a study of the same name whose space differs')
    .option('--study <name>', "study name (default: the space file's name)", studyFlag)
    .option('--json', 'print events as JSON lines')
    .action(async (spacePath: string, flags: RunFlags) => {
      const location = storageLocation(flags);
      const where = shownLocation(location);
      const spec = reading(spacePath, () => readSpaceFile(spacePath));
      // Started together, each module's file reads overlap the others'; only a terminal gets Ink.
      const ink = !flags.json && flags.tui && process.stdout.isTTY;
      const [{ openStorage }, { loadRunData, openRunStudy }, { runStudy }, { PiscinaExecutor }, inkReporter] = await Promise.all([
        import('../storage/open-storage.js'),
        import('../study/run-data.js'),
        import('../study/run-study.js'),
        import('../pool/piscina-executor.js'),
        ink ? import('../tui/ink-reporter.js') : undefined,
      ]);
      // SQLite's errors name no file: a full disk or an I/O error is named by the database's path.
      // Trials whose mark could not be written stay running under a dead process, which the
      // next run's recovery takes over.
      const named = (err: unknown): unknown => databaseFault(err, where) ?? err;
      const open = async (): Promise<Storage> => {
        try {
          return await openStorage(location, { note: (line) => process.stderr.write(`tune: ${line}\n`) });
        } catch (err) {
          throw named(err);
        }
      };
      // An existing database may record the data that the study ran on; a new SQLite file is
      // created only once the data has passed, so that refused data leaves no database behind.
      let storage = location.kind === 'postgresql' || existsSync(location.path) ? await open() : undefined;
      let failed = false;
      try {
        const options = {
          name: flags.study ?? spec.name,
          spec,
          specPath: spacePath,
          ...(flags.data !== undefined ? { dataDir: flags.data } : {}),
          overwrite: flags.overwrite ?? false,
          seed: flags.seed ?? spec.tuner.seed,
        };
        const run = await loadRunData(storage, options);
        storage ??= await open();
        const study = await openRunStudy(storage, run, options);
        const board = inkReporter?.startInkReporter();
        const listener: StudyListener = flags.json
          ? (event) => writeOut(`${JSON.stringify(event)}\n`)
          : (board?.listener ?? plainReporter((line) => writeOut(`${line}\n`)));
        const signal = interruptSignal();
        const result = await runStudy({
          spec,
          study,
          data: run.data,
          storage,
          signal,
          listener,
          overrides: pickDefined(flags),
          executor: (setup, slots) => new PiscinaExecutor(setup, slots),
        }).finally(() => board?.stop());
        if (!flags.json) {
          const trials = (await storage.trials(study.id))
            .filter((t) => t.status === 'complete')
            .map((t) => ({ number: t.number, values: t.values, score: t.score!, bestEpoch: t.bestEpoch, seconds: t.seconds ?? 0 }));
          writeOut(`${resultsSummary(trials, study.objective, study.direction)}\n`);
        }
        const end = endOfRun(result, signal, spacePath, spec.tuner.maxConsecutiveFailedTrials);
        if (end !== undefined) throw end;
      } catch (err) {
        failed = true;
        throw named(err);
      } finally {
        try {
          await storage?.close();
        } catch (err) {
          // A close that fails after the run failed must not hide the run's own error.
          if (!failed) throw named(err);
        }
      }
    });
}

/**
 * The error that the end of a run stands for, or undefined for a run that finished: Ctrl-C or
 * a stdout whose reader went away (the signal's reason tells them apart), the invalid-trial
 * limit (one line naming the range), or `maxFailed` consecutive failed trials. Called by
 * `tune run`, and by the test driver that runs the study loop past the space check.
 */
export function endOfRun(result: RunResult, signal: AbortSignal, spacePath: string, maxFailed: number): Error | undefined {
  if (result.reason === 'interrupted') return signal.reason instanceof Error ? signal.reason : new Interrupted();
  if (result.reason === 'invalid' && result.invalid) return invalidRange(spacePath, result.invalid);
  if (result.reason === 'failures') return new StudyStopped(`the run stopped after ${maxFailed} consecutive failed trials; last error: ${result.lastError}`);
  return undefined;
}

/**
 * The one line for a run that ended on max_consecutive_invalid_trials: it names the
 * hyperparameter whose value the model's complaint quotes (`got VALUE`), or the model.
 */
function invalidRange(spacePath: string, invalid: NonNullable<RunResult['invalid']>): InputError {
  const quoted = Object.entries(invalid.values)
    .filter(([, v]) => invalid.error.endsWith(`got ${String(v)}`))
    .map(([name]) => name);
  const where = quoted.length > 0 ? quoted.map((name) => `hyperparameters.${name}`).join(', ') : 'model';
  return new InputError(
    spacePath,
    where,
    `${invalid.count} consecutive trials drew values that cannot build a model (last: ${invalid.error}); ` +
      'narrow the range, or raise tuner.max_consecutive_invalid_trials',
  );
}

/** The flags that override the space file's tuner section, when given. */
function pickDefined(flags: RunFlags): RunOverrides {
  const keys = ['workers', 'maxTrials', 'epochs', 'executions', 'oracle', 'seed', 'backend', 'engine', 'pack', 'keepWeights', 'timeout', 'pruner'] as const;
  return Object.fromEntries(keys.filter((k) => flags[k] !== undefined).map((k) => [k, flags[k]])) as RunOverrides;
}

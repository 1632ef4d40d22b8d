import { CLASS_METRICS } from '../domain/metrics.js';
import type { Command } from 'commander';
import type { StudyRecord } from '../domain/study.js';
import type { TrialRecord } from '../domain/trial.js';
import { InputError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import { describeSchedule, formatScore, formatValues } from '../tui/format.js';
import { shownLocation } from '../storage/location.js';
import { intFlag, studyFlag } from './parse.js';
import { storageLocation, storageOptions } from './storage-flag.js';
import { foldJson, foldLines, placeEpochs, shownFolds } from './show-folds.js';

interface ReadFlags {
  db?: string;
  storage?: string;
  study?: string;
  json?: boolean;
}

const score = (s: number | null): string => formatScore(s ?? Number.NaN);

export function registerList(program: Command): void {
  storageOptions(program.command('list').description('the trials of a study, as a table'), 'to read')
    .option('--study <name>', 'study name (default: the only study in the database)', studyFlag)
    .option('--json', 'print one JSON object per trial')
    .action(async (flags: ReadFlags) => {
      const location = storageLocation(flags);
      const where = shownLocation(location);
      const { chooseStudy, openExisting } = await import('./study-access.js');
      const storage = await openExisting(location);
      try {
        const study = await chooseStudy(storage, where, flags.study);
        const trials = await storage.trials(study.id);
        if (flags.json) {
          for (const t of trials) process.stdout.write(`${JSON.stringify(t)}\n`);
          return;
        }
        const pruned = trials.filter((t) => t.status === 'pruned').length;
        const prunedNote = pruned > 0 ? `, ${pruned} pruned` : '';
        process.stdout.write(`study ${study.name}: ${trials.length} trials${prunedNote} (${study.objective}, ${study.direction})\n`);
        // Hyperband studies get their schedule columns: where each trial sits, and whom it continues.
        const scheduled = trials.some((t) => t.schedule !== null);
        const scheduleHead = scheduled ? `${'bracket'.padStart(7)}  ${'round'.padStart(5)}  ${'from'.padStart(5)}  ${'epochs'.padStart(7)}  ` : '';
        process.stdout.write(
          `${'trial'.padStart(5)}  ${'status'.padEnd(11)}  ${'score'.padStart(7)}  ${'epoch'.padStart(5)}  ${'time'.padStart(7)}  ${scheduleHead}values\n`,
        );
        for (const t of trials) {
          const time = t.seconds === null ? '-' : `${t.seconds.toFixed(1)}s`;
          const s = t.schedule;
          const place = !scheduled
            ? ''
            : s === null
              ? `${'-'.padStart(7)}  ${'-'.padStart(5)}  ${'-'.padStart(5)}  ${'-'.padStart(7)}  `
              : `${String(s.bracket).padStart(7)}  ${String(s.round).padStart(5)}  ` +
                `${(s.parent === undefined ? '-' : `#${s.parent}`).padStart(5)}  ${`${s.initialEpoch + 1}-${s.epochs}`.padStart(7)}  `;
          process.stdout.write(
            `${String(t.number).padStart(5)}  ${t.status.padEnd(11)}  ${score(t.score).padStart(7)}  ${String(t.bestEpoch ?? '-').padStart(5)}  ` +
              `${time.padStart(7)}  ${place}${formatValues(t.values)}\n`,
          );
        }
      } finally {
        await storage.close();
      }
    });

  storageOptions(
    program
      .command('show')
      .description("one trial: its values, status, score and every epoch's metrics")
      .argument('<number>', 'the trial number', intFlag('trial number', 1)),
    'to read',
  )
    .option('--study <name>', 'study name (default: the only study in the database)', studyFlag)
    .option('--json', 'print the trial and its epochs as one JSON object')
    .action(async (number: number, flags: ReadFlags) => {
      const location = storageLocation(flags);
      const where = shownLocation(location);
      const { chooseStudy, openExisting } = await import('./study-access.js');
      const storage = await openExisting(location);
      try {
        const study = await chooseStudy(storage, where, flags.study);
        const trial = await storage.trial(study.id, number);
        if (!trial)
          throw new InputError(where, `trial ${number}`, `does not exist in study "${study.name}" (it has ${(await storage.trials(study.id)).length} trials)`);
        const folds = await shownFolds(storage, study.id, trial);
        const epochs = placeEpochs(await storage.epochs(trial.id), folds);
        const test = trial.status === 'complete' ? await testSplit(storage, study, trial, where) : undefined;
        if (flags.json) {
          const crossValidation = folds && foldJson(folds);
          const shown = {
            ...trial,
            epochs,
            ...(crossValidation ? { cross_validation: crossValidation } : {}),
            ...(test !== undefined ? { test: test.json } : {}),
          };
          process.stdout.write(`${JSON.stringify(shown)}\n`);
          return;
        }
        process.stdout.write(
          `trial ${trial.number} of study ${study.name}: ${trial.status}, score ${score(trial.score)}, best epoch ${trial.bestEpoch ?? '-'}\n`,
        );
        process.stdout.write(`values: ${formatValues(trial.values)}\n`);
        if (trial.schedule) process.stdout.write(`hyperband: ${describeSchedule(trial.schedule)}\n`);
        if (trial.error) process.stdout.write(`error: ${trial.error}\n`);
        if (folds) process.stdout.write(`${foldLines(folds).join('\n')}\n`);
        const foldHead = folds ? `${'fold'.padStart(4)}  ` : '';
        // The class metrics any epoch of the trial records get a column each.
        const extra = CLASS_METRICS.filter((n) => epochs.some((e) => e.metrics[n] !== undefined));
        const column = (name: string, value: string) => value.padStart(name.length);
        process.stdout.write(
          `${'exec'.padStart(4)}  ${foldHead}${'epoch'.padStart(5)}  ${'loss'.padStart(7)}  ${'accuracy'.padStart(8)}  ` +
            `${'val_loss'.padStart(8)}  ${'val_accuracy'.padStart(12)}${extra.map((n) => `  ${n}`).join('')}\n`,
        );
        for (const e of epochs) {
          const m = e.metrics;
          const fold = e.fold !== undefined ? `${String(e.fold).padStart(4)}  ` : '';
          process.stdout.write(
            `${String(e.execution).padStart(4)}  ${fold}${String(e.epoch).padStart(5)}  ` +
              `${m.loss.toFixed(4).padStart(7)}  ${m.accuracy.toFixed(4).padStart(8)}  ` +
              `${m.val_loss.toFixed(4).padStart(8)}  ${m.val_accuracy.toFixed(4).padStart(12)}` +
              `${extra.map((n) => `  ${column(n, m[n] === undefined ? '-' : m[n].toFixed(4))}`).join('')}\n`,
          );
        }
        if (test !== undefined) process.stdout.write(`${test.text}\n`);
      } finally {
        await storage.close();
      }
    });
}

/**
 * A complete trial on the test split, as `tune best` evaluates it: loss, accuracy and the
 * confusion matrix, from its stored weights; undefined for a trial that keeps none. A test
 * split that is missing or changed leaves the rest of `tune show` standing: its reason is
 * shown in place of the figures.
 */
async function testSplit(
  storage: Storage,
  study: StudyRecord,
  trial: TrialRecord,
  where: string,
): Promise<{ json: Record<string, unknown>; text: string } | undefined> {
  const { openTestContext, testTrial } = await import('./best-test.js');
  try {
    const context = await openTestContext(storage, study, where, { export: false });
    const kept = await context.withWeights(trial);
    if (kept === undefined) return undefined;
    const tested = testTrial(context, kept);
    return { json: tested.json['test'] as Record<string, unknown>, text: `${tested.text}\n${context.confusionText(tested.probabilities)}` };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { json: { error: err.message }, text: `test split: not evaluated (${err.message})` };
  }
}

import type { Command } from 'commander';
import { InputError } from '../errors.js';
import type { ReportData, ReportTest, ReportTrial } from '../report/report.js';
import { shownLocation } from '../storage/location.js';
import type { Storage } from '../storage/storage.js';
import type { StudyRecord } from '../domain/study.js';
import { studyFlag } from './parse.js';
import { storageLocation, storageOptions } from './storage-flag.js';

interface ReportFlags {
  db?: string;
  storage?: string;
  study?: string;
  out: string;
}

/** Where the report goes when --out is not given, in the current directory. */
export const DEFAULT_REPORT = 'report.html';

export function registerReport(program: Command): void {
  storageOptions(
    program.command('report').description("one self-contained HTML file of the study's figures and trials (no network request; opens from disk)"),
    'to read',
  )
    .option('--out <file>', 'the HTML file to write (replaced only when tune wrote it)', DEFAULT_REPORT)
    .option('--study <name>', 'study name (default: the only study in the database)', studyFlag)
    .action(async (flags: ReportFlags) => {
      const location = storageLocation(flags);
      const where = shownLocation(location);
      const { checkReportTarget, writeReport } = await import('../report/write-report.js');
      // Another's file at --out is refused before the study is read and the test split evaluated.
      checkReportTarget(flags.out);
      const { chooseStudy, openExisting } = await import('./study-access.js');
      const storage = await openExisting(location);
      let data: ReportData;
      try {
        const study = await chooseStudy(storage, where, flags.study);
        data = await gatherReport(storage, study, where);
      } finally {
        await storage.close();
      }
      const { renderReport } = await import('../report/html.js');
      const bytes = writeReport(flags.out, await renderReport(data));
      const complete = data.trials.filter((t) => t.status === 'complete').length;
      process.stdout.write(
        `report of study ${data.study.name}: ${data.trials.length} trials (${complete} complete) written to ${flags.out} (${(bytes / 1024).toFixed(0)} KiB)\n`,
      );
    });
}

/**
 * The study's trials with their epochs, and its best trial on the test split when it can be
 * evaluated; `tune dashboard` draws the same data on each change.
 */
export async function gatherReport(storage: Storage, study: StudyRecord, where: string): Promise<ReportData> {
  const { studySpec } = await import('./study-access.js');
  const spec = studySpec(study, where);
  const trials: ReportTrial[] = [];
  for (const t of await storage.trials(study.id)) {
    const epochs = t.status === 'complete' ? await storage.epochs(t.id) : [];
    trials.push({
      number: t.number,
      status: t.status,
      values: t.values,
      score: t.score,
      bestEpoch: t.bestEpoch,
      seconds: t.seconds,
      error: t.error,
      schedule: t.schedule,
      epochs: epochs.map((e) => ({ execution: e.execution, epoch: e.epoch, val_accuracy: e.metrics.val_accuracy, val_loss: e.metrics.val_loss })),
    });
  }
  return {
    study: { name: study.name, objective: study.objective, direction: study.direction },
    hyperparameters: spec.space.hyperparameters,
    trials,
    test: await bestOnTest(storage, study, where),
    made: new Date().toISOString(),
  };
}

/**
 * The best trial that keeps its weights, on the test split, as `tune best` evaluates it. A
 * missing or changed test split, or no trial with weights, leaves the rest of the report
 * standing: the reason is shown where the test figures would be. Evaluated as `tune show` does,
 * on tfjs' default backend: a test split of a few thousand rows needs no faster one.
 */
async function bestOnTest(storage: Storage, study: StudyRecord, where: string): Promise<ReportTest | { note: string }> {
  const { openTestContext, testTrial } = await import('./best-test.js');
  try {
    const context = await openTestContext(storage, study, where, { export: false });
    const [best] = await context.ranked(1);
    const tested = testTrial(context, best!);
    return { trial: tested.trial.number, classNames: context.classNames, probabilities: tested.probabilities, labels: context.test.labels };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { note: `not evaluated: ${err.message}` };
  }
}

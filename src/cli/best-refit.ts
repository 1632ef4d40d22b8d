/*
 * `tune best --refit`: the best trial's values trained again on train and valid together, for
 * its best epoch count scaled by the rows (or --epochs), then tested on the test split as
 * `tune best` tests a trial, and exported. Loaded by best-command.ts when the flag is given.
 */
import type { BackendName } from '../engine/backend.js';
import type { ConcreteModel } from '../engine/model-spec.js';
import { Direction } from '../domain/direction.js';
import type { StoredWeights } from '../domain/weights.js';
import type { ExportMetadata } from '../export/export-metadata.js';
import { InputError } from '../errors.js';
import type { EngineName } from '../pool/messages.js';
import { refitData } from '../refit/refit-data.js';
import { joinRows, scaledEpochs } from '../refit/refit-plan.js';
import { refit, RefitFailed } from '../refit/refit-train.js';
import type { Storage } from '../storage/storage.js';
import { trialSeed } from '../study/trial-job.js';
import { resultsSummary } from '../tui/summary.js';
import { testTrial, type TestContext } from './best-test.js';
import { StudyStopped } from './fail.js';

export interface RefitFlags {
  epochs?: number;
  engine?: EngineName;
  data?: string;
  json?: boolean;
  export?: string;
}

/** Writes the refitted model where --export names; the command's own writer (tfjs or Keras). */
export type ModelWriter = (model: ConcreteModel, weights: StoredWeights, metadata: ExportMetadata) => Promise<void>;

/**
 * Refits the study's best complete trial (by score, ties to the earlier; it need not keep
 * weights, since none are reused), prints the result and exports it with `write`. Throws
 * InputError for a best trial without a best epoch and no --epochs, and what refitData refuses;
 * StudyStopped (exit 1) when training fails, before anything is written.
 */
export async function bestRefit(
  storage: Storage,
  context: TestContext,
  where: string,
  backend: BackendName,
  flags: RefitFlags,
  write?: ModelWriter,
): Promise<void> {
  const { study, spec } = context;
  const complete = (await storage.trials(study.id)).filter((t) => t.status === 'complete' && t.score !== null);
  const best = Direction.best(study.direction, complete, (t) => t.score!)!;
  if (flags.epochs === undefined && best.bestEpoch === null)
    throw new InputError(where, `trial ${best.number}`, 'has no best epoch to scale (a result added with tune add); pass --refit --epochs N');
  const data = await refitData(storage, study, spec, where, flags.data);
  const rows = joinRows(data.train, data.valid);
  const epochs = flags.epochs ?? scaledEpochs(best.bestEpoch!, data.train.rows, data.valid.rows, spec.tuner.crossValidation?.folds);
  const seed = trialSeed(spec.tuner.seed, best.number);
  let refitted;
  try {
    refitted = await refit({
      model: spec.model,
      compile: spec.compile,
      values: best.values,
      rows,
      dataKey: `${data.paths.train}|${data.paths.valid}`,
      batchSize: spec.tuner.batchSize,
      seed,
      epochs,
      // As `tune run` chooses: the native kernels where they can train, except beside a GPU.
      engine: flags.engine ?? (backend === 'node-gpu' ? 'tfjs' : 'auto'),
      backend,
    });
  } catch (err) {
    // The trial's own failure (its loss blew up), as `tune run` fails a trial: no bug of tune.
    if (err instanceof RefitFailed) throw new StudyStopped(`the refit of trial ${best.number} failed: ${err.message}; nothing was written`);
    throw err;
  }
  const tested = testTrial(context, { trial: best, weights: refitted.weights });
  const info = {
    epochs,
    epochsFrom: flags.epochs === undefined ? 'bestEpoch' : '--epochs',
    rows: rows.rows,
    trainRows: data.train.rows,
    validRows: data.valid.rows,
    seed,
    batchSize: spec.tuner.batchSize,
    engine: refitted.engine,
    loss: refitted.loss,
    accuracy: refitted.accuracy,
  };
  if (write !== undefined && flags.export !== undefined)
    await write(tested.model, refitted.weights, { ...context.metadata(best), refit: { epochs, rows: rows.rows } });
  const exported = flags.export !== undefined ? { exported: flags.export } : {};
  if (flags.json) {
    const result = { study: study.name, ...tested.json, refit: info, objective: study.objective, direction: study.direction, backend, ...exported };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const summary = resultsSummary(
    [{ number: best.number, values: best.values, score: best.score!, bestEpoch: best.bestEpoch, seconds: best.seconds ?? 0 }],
    study.objective,
    study.direction,
    1,
  );
  const why = flags.epochs === undefined ? `best epoch ${best.bestEpoch} scaled by ${rows.rows}/${data.train.rows}` : '--epochs';
  process.stdout.write(`${summary}\n\n`);
  process.stdout.write(
    `Refit of trial ${best.number} on train+valid (${rows.rows} rows: ${data.train.rows} + ${data.valid.rows}) ` +
      `for ${epochs} epochs (${why}), ${refitted.engine} engine, seed ${seed}\n`,
  );
  process.stdout.write(`Last epoch: loss ${refitted.loss.toFixed(4)}  accuracy ${refitted.accuracy.toFixed(4)}\n`);
  process.stdout.write(`${tested.text}\n${context.confusionText(tested.probabilities)}\n`);
  if (flags.export !== undefined) process.stdout.write(`Exported the refit of trial ${best.number} to ${flags.export}\n`);
}

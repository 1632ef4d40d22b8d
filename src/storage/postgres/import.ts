import type { TrialRecord } from '../../domain/trial.js';
import type { TrialImport } from '../storage.js';
import { encodeWeights } from '../weights-codec.js';
import type { Queries } from './database.js';
import { EPOCH_METRIC_COLUMNS, IMPORTED_COLUMNS, epochParams, importedRow } from '../sql-rows.js';
import { toTrial, type TrialRow } from '../sql-rows.js';
import { TRIAL_COLUMNS } from './rows.js';

/*
 * The rows of one trial that `tune storage copy` brings in (PostgresStorage.importTrial), kept
 * apart so that the storage's file stays about the study's life, not about moving it.
 */

/** Epochs go in batches of this many rows per INSERT: a long trial is a few statements, not hundreds. */
const EPOCH_BATCH = 200;

/**
 * Inserts the trial as given, then its epochs, attempts, weights and checkpoints; returns the
 * record. The caller holds the study's lock, inside one transaction. A number the study has
 * already breaks UNIQUE (study_id, number), which fails the transaction.
 */
export async function importTrialRows(q: Queries, studyId: number, item: TrialImport): Promise<TrialRecord> {
  const t = item.trial;
  if ((await q.row(`SELECT 1 FROM trials WHERE study_id = $1 AND number = $2`, [studyId, t.number])) !== undefined)
    throw new Error(`trial ${t.number}: the study has that number already`);
  const row = await q.row<TrialRow>(
    `INSERT INTO trials (${IMPORTED_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${TRIAL_COLUMNS}`,
    importedRow(studyId, t),
  );
  const id = row!.id;
  for (let start = 0; start < item.epochs.length; start += EPOCH_BATCH) {
    const batch = item.epochs.slice(start, start + EPOCH_BATCH);
    const rows = batch.map((e) => [id, e.execution, e.epoch, ...epochParams(e.metrics)]);
    const width = rows[0]!.length;
    const tuples = rows.map((_, i) => `(${Array.from({ length: width }, (_, k) => `$${i * width + k + 1}`).join(', ')})`);
    await q.run(`INSERT INTO epochs (trial_id, execution, epoch, ${EPOCH_METRIC_COLUMNS}) VALUES ${tuples.join(', ')}`, rows.flat());
  }
  for (const a of item.attempts) {
    await q.run(`INSERT INTO attempts (trial_id, attempt, outcome, started_at, ended_at, owner, error) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      id,
      a.attempt,
      a.outcome,
      a.startedAt,
      a.endedAt,
      a.owner,
      a.error,
    ]);
  }
  if (item.weights !== undefined) await q.run(`INSERT INTO weights (trial_id, data) VALUES ($1, $2)`, [id, encodeWeights(item.weights)]);
  for (const { execution, checkpoint: c } of item.checkpoints) {
    await q.run(`INSERT INTO checkpoints (trial_id, execution, iterations, weight_count, data) VALUES ($1, $2, $3, $4, $5)`, [
      id,
      execution,
      c.iterations,
      c.weights.tensors.length,
      encodeWeights({ tensors: [...c.weights.tensors, ...c.slots.tensors] }),
    ]);
  }
  return toTrial(row!);
}

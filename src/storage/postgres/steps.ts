import type { Values } from '../../space/hyperparameter.js';
import { checkTransition, type AttemptRecord, type Schedule, type TrialRecord, type TrialStatus } from '../../domain/trial.js';
import type { Queries } from './database.js';
import { toTrial, type TrialRow } from '../sql-rows.js';
import { TRIAL_COLUMNS } from './rows.js';

/*
 * The steps PostgresStorage's write transactions are made of. The rule that keeps them free of
 * deadlocks: a transaction that changes trials locks its study's row first (several studies:
 * in id order), and only then the trial rows, in id order. Writers of one study thus queue on
 * one row and never hold a trial row while waiting for a study. The one exception,
 * claimInterrupted, locks a single interrupted trial and waits for nothing after it.
 */

/** Locks the study's row for this transaction; returns its direction. Throws Error for no such study. */
export async function lockStudy(q: Queries, studyId: number): Promise<'max' | 'min'> {
  const row = await q.row<{ direction: 'max' | 'min' }>(`SELECT direction FROM studies WHERE id = $1 FOR UPDATE`, [studyId]);
  if (row === undefined) throw new Error(`no study with id ${studyId}`);
  return row.direction;
}

/**
 * Locks a trial's study, then the trial; returns the trial's status. Throws Error for no such
 * trial. The study is looked up first without a lock, so that the locks come in the rule's order.
 */
export async function lockTrial(q: Queries, trialId: number): Promise<TrialStatus> {
  const trial = await q.row<{ study_id: number }>(`SELECT study_id FROM trials WHERE id = $1`, [trialId]);
  if (trial === undefined) throw new Error(`no trial with id ${trialId}`);
  await lockStudy(q, trial.study_id);
  const row = await q.row<{ status: TrialStatus }>(`SELECT status FROM trials WHERE id = $1 FOR UPDATE`, [trialId]);
  if (row === undefined) throw new Error(`no trial with id ${trialId}`);
  return row.status;
}

export async function trialById(q: Queries, trialId: number): Promise<TrialRecord> {
  const row = await q.row<TrialRow>(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE id = $1`, [trialId]);
  if (row === undefined) throw new Error(`no trial with id ${trialId}`);
  return toTrial(row);
}

/** Inserts a running trial with the study's next number; the caller holds the study's lock. */
export async function insertTrial(q: Queries, owner: string, studyId: number, values: Values, schedule?: Schedule): Promise<TrialRecord> {
  const row = await q.row<TrialRow>(
    `INSERT INTO trials (study_id, number, status, values_json, schedule_json, started_at, owner, heartbeat_at)
     SELECT $1, COALESCE(MAX(number), 0) + 1, 'running', $2, $3, now(), $4, now() FROM trials WHERE study_id = $1
     RETURNING ${TRIAL_COLUMNS}`,
    [studyId, JSON.stringify(values), schedule === undefined ? null : JSON.stringify(schedule), owner],
  );
  return toTrial(row!);
}

/** Keeps the history of the running trials among `ids`: one attempts row each. */
export async function endAttempts(q: Queries, ids: readonly number[], outcome: AttemptRecord['outcome'], error: string | null): Promise<void> {
  await q.run(
    `INSERT INTO attempts (trial_id, attempt, outcome, started_at, ended_at, owner, error)
     SELECT id, attempt, $2, started_at, now(), owner, $3 FROM trials WHERE status = 'running' AND id = ANY($1::integer[])`,
    [ids, outcome, error],
  );
}

/** Drops what the trials among `ids` produced so far: epochs, weights, checkpoints. */
export async function dropResults(q: Queries, ids: readonly number[]): Promise<void> {
  for (const table of ['epochs', 'weights', 'checkpoints', 'fold_scores']) await q.run(`DELETE FROM ${table} WHERE trial_id = ANY($1::integer[])`, [ids]);
}

/**
 * Marks interrupted the running trials among `ids`, keeping their attempt as history; their
 * epochs, weights and checkpoints are dropped (a run cut short is no result: a restart trains
 * from scratch). Returns how many it marked.
 */
export async function interrupt(q: Queries, ids: readonly number[], outcome: AttemptRecord['outcome'], error: string | null): Promise<number> {
  if (ids.length === 0) return 0;
  await endAttempts(q, ids, outcome, error);
  await dropResults(q, ids);
  return q.run(`UPDATE trials SET status = 'interrupted', finished_at = now() WHERE status = 'running' AND id = ANY($1::integer[])`, [ids]);
}

/** Sets an interrupted, stopped or waiting trial running for `owner`; the caller holds its lock. */
export async function restart(q: Queries, owner: string, trialId: number, status: TrialStatus): Promise<TrialRecord> {
  checkTransition(trialId, status, 'restart');
  await dropResults(q, [trialId]);
  await q.run(
    `UPDATE trials SET status = 'running', started_at = now(), finished_at = NULL, score = NULL, best_epoch = NULL,
     seconds = NULL, error = NULL, attempt = attempt + 1, owner = $2, heartbeat_at = now() WHERE id = $1`,
    [trialId, owner],
  );
  return trialById(q, trialId);
}

/*
 * The columns PostgresStorage reads back (RETURNING and SELECT lists); its rows and their
 * records are the SQL storages' own (src/storage/sql-rows.ts).
 */
export const STUDY_COLUMNS = `id, name, space_json, objective, direction, created_at`;
export const TRIAL_COLUMNS = `id, number, status, values_json, score, best_epoch, started_at, finished_at, seconds, error, schedule_json, attempt`;

/**
 * What the dashboard reads of a study on each poll: its trial counts and a signature of every
 * trial's status and score, which changes exactly when the report's figures would.
 */
import { createHash } from 'node:crypto';
import type { StudyRecord } from '../domain/study.js';
import type { TrialRecord } from '../domain/trial.js';

export interface StudyState {
  name: string;
  objective: string;
  direction: 'max' | 'min';
  createdAt: string;
  trials: number;
  complete: number;
  running: number;
  signature: string;
}

export function studyState(study: StudyRecord, trials: readonly TrialRecord[]): StudyState {
  const hash = createHash('sha1');
  // Running trials' epochs are not drawn, so a status or score change is all that redraws.
  for (const t of trials) hash.update(`${t.number}:${t.status}:${t.score ?? ''};`);
  return {
    name: study.name,
    objective: study.objective,
    direction: study.direction,
    createdAt: study.createdAt,
    trials: trials.length,
    complete: trials.filter((t) => t.status === 'complete').length,
    running: trials.filter((t) => t.status === 'running').length,
    signature: hash.digest('hex').slice(0, 16),
  };
}

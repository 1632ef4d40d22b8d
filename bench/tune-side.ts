/**
 * `tune run` on the seed's space as a user runs it (the built CLI, its own process, default
 * workers and pack unless the bench is told otherwise), measured like the peer.
 */
import { join } from 'node:path';
import type { Values } from '../src/space/hyperparameter.js';
import { TUNE } from '../test/helpers/tune.js';
import { measuredRun, sideFigures } from './measured-run.js';

export interface TuneStudy {
  space: string;
  data: string;
  db: string;
  trials: number;
  executions: number;
  epochs: number;
  /** Undefined: the space file's own oracle. */
  oracle?: string;
  /** Extra flags for `tune run` (--workers, --pack). */
  extra: string[];
}

interface Event {
  type: string;
  values?: Values;
  score?: number;
  seconds?: number;
  reason?: string;
  workers?: number;
  pack?: number;
  backend?: string;
  oracle?: string;
}

/** Runs the study; throws when tune fails or completes fewer trials than asked. */
export async function runTune(study: TuneStudy) {
  const args = [
    TUNE,
    'run',
    study.space,
    '--data',
    study.data,
    '--db',
    study.db,
    '--max-trials',
    String(study.trials),
    '--epochs',
    String(study.epochs),
    '--executions',
    String(study.executions),
    ...(study.oracle ? ['--oracle', study.oracle] : []),
    ...study.extra,
    '--json',
  ];
  const run = await measuredRun(process.execPath, args);
  if (run.status !== 0) throw new Error(`tune run failed with status ${run.status}: ${run.stderr}`);
  const events = run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Event);
  const started = events.find((e) => e.type === 'study-started');
  const finished = events.find((e) => e.type === 'study-finished');
  const complete = events.filter((e) => e.type === 'trial-complete');
  if (complete.length < study.trials) throw new Error(`tune completed ${complete.length} trials of ${study.trials} (ended by ${finished?.reason})`);
  const trialExecutionEpochs = complete.length * study.executions * study.epochs;
  return {
    command: `node ${args.map((a) => (a === TUNE ? join('dist', 'src', 'cli', 'main.js') : a)).join(' ')}`,
    oracle: started?.oracle,
    // tfjs' backend, for what runs on tfjs; the native engine trains where it was built.
    tfjsBackend: started?.backend,
    workers: started?.workers,
    pack: started?.pack,
    trials: complete.length,
    endedBy: finished?.reason,
    // tune's own clock: from the study's start to its end, without Node's start-up and the data load.
    studySeconds: finished?.seconds,
    studyMsPerTrialExecutionEpoch: finished?.seconds === undefined ? undefined : Number(((1000 * finished.seconds) / trialExecutionEpochs).toFixed(2)),
    bestValAccuracy: Math.max(...complete.map((e) => e.score!)),
    // Not printed: the floor takes its first-layer widths from them.
    valueSets: complete.map((e) => e.values!),
    trialExecutionEpochs,
    ...sideFigures(run, trialExecutionEpochs),
  };
}

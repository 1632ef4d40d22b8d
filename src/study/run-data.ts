/**
 * Which data `tune run` trains on, and how the study's record of it is kept: a new study
 * records the files it reads; a resume reads the recorded files (unless --data names others)
 * and refuses them if their bytes changed; --data naming other bytes than the record is
 * refused too. --overwrite starts such a study over, on the data that this run reads.
 */
import { InputError } from '../errors.js';
import type { StudySpec } from '../space/study-spec.js';
import { sameSpace, type Storage } from '../storage/storage.js';
import { dataPaths, loadStudyData, type StudyData } from './load-data.js';
import { checkRecorded, differingSplit, digestSplits, recordedPaths, shortDigest } from './study-data.js';
import { SPLITS, type DataRecord, type StudyRecord } from '../domain/study.js';
import { compareStored, growStoredSpace } from './grow-space.js';

export interface RunData {
  data: StudyData;
  /** The files read, with their digests: what a new study records. */
  digests: DataRecord;
  /** The study of this name and space as it stood, with its record (undefined: none, or no record). */
  prior?: { study: StudyRecord; record: DataRecord };
  /** The prior study must be deleted before it is opened: --overwrite, and its data changed. */
  restart: boolean;
}

export interface RunDataOptions {
  /** The study's name, and its space file's parsed spec and path. */
  name: string;
  spec: StudySpec;
  specPath: string;
  /** --data DIR. */
  dataDir?: string;
  overwrite: boolean;
  /** The run's seed (--seed, else the space's): cross-validation draws its folds from it. */
  seed: number;
}

const OVER = 'pass --overwrite to start the study over on it';

/**
 * Loads the data of a run: `--data DIR`, else the files the study recorded (a resume), else
 * the space file's. `storage` is undefined when the database does not exist yet. Reads the
 * database only; called by `tune run` before it opens the study, so that a refusal leaves the
 * database as it was. Throws InputError for a recorded file that changed or vanished, files
 * of --data whose bytes differ from the record (both unless `overwrite`), and whatever
 * loadStudyData refuses.
 */
export async function loadRunData(storage: Storage | undefined, o: RunDataOptions): Promise<RunData> {
  const study = await storage?.findStudy(o.name);
  // A study whose space differs is replaced or refused by openStudy; its record is not this run's.
  // A space that only grew resumes its study as an equal one does (see growStoredSpace).
  const resumes =
    study !== undefined && (sameSpace(study.space, o.spec.source) || (!o.overwrite && compareStored(study.space, o.spec.source).kind === 'grows'));
  const record = resumes ? await storage!.studyData(study.id) : undefined;
  const prior = record !== undefined ? { study: study!, record } : undefined;
  let restart = false;
  let digests: DataRecord | undefined;
  if (prior !== undefined && o.dataDir === undefined) {
    try {
      // Before the features are read, so that a changed file is named as changed, not by what changed in it.
      const now = await checkRecorded(prior.record, SPLITS, o.name, { changed: OVER, missing: 'pass --data DIR to name where the data is now' });
      digests = Object.freeze({ train: now.get('train')!, valid: now.get('valid')!, test: now.get('test')! });
    } catch (err) {
      if (!(err instanceof InputError && o.overwrite && /^changed since/.test(err.what))) throw err;
      restart = true;
    }
  }
  const paths = prior !== undefined && o.dataDir === undefined ? recordedPaths(prior.record) : dataPaths(o.spec, o.dataDir);
  // Hashed on another thread while the features are read; a read that fails is reported first.
  const digesting = digests === undefined ? digestSplits(paths) : undefined;
  digesting?.catch(() => {});
  // A resume trains on the folds its study recorded; a new study (or one started over) draws them from the seed.
  const recorded = prior !== undefined && !o.overwrite ? await storage!.studyFolds(prior.study.id) : undefined;
  const data = await loadStudyData(o.spec, o.specPath, paths, recorded ? { recorded } : { seed: o.seed });
  digests ??= await digesting!;
  if (prior !== undefined && o.dataDir !== undefined) {
    const split = differingSplit(prior.record, digests);
    if (split !== undefined && !o.overwrite) throw otherData(digests, prior.record, split, o.name);
    restart = split !== undefined;
  }
  return { data, digests, ...(prior !== undefined ? { prior } : {}), restart };
}

/**
 * Opens the study of a run whose data `loadRunData` loaded, and keeps its record: a study
 * started over is deleted first; a new one records the files read; a resume on the same bytes
 * at other paths (--data naming a moved folder) records the new paths; a study of an earlier
 * tune that has trials and no record stays without one (they may have run on other data).
 * A study whose space file only grew is resumed with the grown space stored (growStoredSpace).
 * Returns the study. Throws InputError as openStudy does, for a space that does not only grow
 * (naming its first difference), and when another process created the study first, on other data.
 */
export async function openRunStudy(storage: Storage, run: RunData, o: RunDataOptions): Promise<StudyRecord> {
  if (run.restart) await storage.deleteStudy(run.prior!.study.id);
  else await growStoredSpace(storage, o.spec, o.specPath, o.overwrite);
  const { tuner } = o.spec;
  const study = await storage.openStudy(o.name, o.spec.source, tuner.objective, tuner.direction, o.overwrite);
  const prior = run.prior;
  if (prior !== undefined && !run.restart && prior.study.id === study.id) {
    if (SPLITS.some((s) => prior.record[s].path !== run.digests[s].path)) await storage.recordData(study.id, run.digests, true);
    return study;
  }
  // Trials that only wait, or results added from outside (attempt 0), ran on no data of tune's.
  if ((await storage.studyData(study.id)) === undefined && (await storage.trials(study.id)).some((t) => t.attempt > 0)) return study;
  const kept = await storage.recordData(study.id, run.digests, false);
  const split = differingSplit(kept, run.digests);
  if (split !== undefined) throw otherData(run.digests, kept, split, o.name);
  return study;
}

function otherData(given: DataRecord, record: DataRecord, split: (typeof SPLITS)[number], name: string): InputError {
  return new InputError(
    given[split].path,
    'file',
    `is not the data that study "${name}" ran on (${record[split].path}, ` +
      `sha256 ${shortDigest(record[split].sha256)} -> ${shortDigest(given[split].sha256)}); ${OVER}`,
  );
}

/**
 * `npm run bench:floor [-- --data DIR] [--space FILE] [--executions N] [--packs 1,2,4] [--min-seconds S] [--repeats N]`:
 * the machine's floor for the seed's study, in ms per trial-execution-epoch on every core,
 * measured here by the C probe (native/floor.c) on the study's own shapes. Prints one JSON
 * object with every input, rate and intermediate.
 *
 * Without --data, the files are made by the peer's make_features.py (see bench/bench-data.ts).
 * --executions and the batch default to the space file's tuner section, --pack to tune's
 * packs of 1, 2 and tune's largest pack (src/study/pack-size.ts), the floor being the best of
 * them; --min-seconds is each timed run's least length.
 */
import { join } from 'node:path';
import { readSpaceFile } from '../src/space/parse-space.js';
import { MAX_PACK } from '../src/study/pack-size.js';
import { ROOT } from '../test/helpers/tune.js';
import { benchData, benchFolder, flag, numberFlag } from './bench-data.js';
import { machineFloor } from './machine-floor.js';

/** Long enough that a timer's resolution and one page fault do not count; short enough for CI. */
const MIN_SECONDS = 0.3;
const REPEATS = 3;
/** Pack sizes timed by default: one trial alone, and up to tune's largest pack. */
const PACKS = [1, 2, MAX_PACK];

const spacePath = flag('--space') ?? join(ROOT, 'search-spaces', 'gender.json');
const spec = readSpaceFile(spacePath);
const packs = flag('--packs')?.split(',').map(Number) ?? PACKS;
if (packs.some((p) => !Number.isInteger(p) || p < 1)) throw new Error(`--packs needs whole numbers >= 1 separated by commas, got ${flag('--packs')}`);
const data = benchData(benchFolder('tune-bench-floor-'));
const floor = await machineFloor({
  dataDir: data.dir,
  spacePath,
  batch: spec.tuner.batchSize,
  executions: numberFlag('--executions', spec.tuner.executionsPerTrial),
  packTrials: packs,
  minSeconds: numberFlag('--min-seconds', MIN_SECONDS),
  repeats: numberFlag('--repeats', REPEATS),
  singleCore: true,
});
console.log(JSON.stringify({ bench: 'floor', ...(data.made ? { dataMadeBy: data.made } : {}), node: process.version, ...floor }, null, 2));

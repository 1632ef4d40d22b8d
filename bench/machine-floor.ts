/**
 * The whole floor measurement that bench:floor prints and bench:study divides by: the study's
 * shapes from its files, the probe's rates on one core and on every core at once, and the
 * floor model on both. Every input and intermediate is kept in the result.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { floorModel, fusedStepMs, packWidth, scaledRates, type FloorShape } from './floor-model.js';
import { loadProbe, measureRates, type RateSet } from './floor-probe.js';
import { spaceWidths, studyData } from './study-shape.js';
import type { Values } from '../src/space/hyperparameter.js';

/** Linux's description of the last-level cache (index3 is L3 on x86). */
const LLC_SIZE = '/sys/devices/system/cpu/cpu0/cache/index3/size';
const UNITS: Record<string, number> = { K: 1024, M: 1024 * 1024 };
/** Each stream buffer is this many times the last-level cache (or 256 MiB when it is unknown). */
const STREAM_TIMES_CACHE = 4;
const STREAM_BYTES_UNKNOWN_CACHE = 256 * 1024 * 1024;

export interface FloorOptions {
  dataDir: string;
  spacePath: string;
  batch: number;
  executions: number;
  /** The pack sizes (trials a worker trains together) to time; the floor is the best of them. */
  packTrials: number[];
  minSeconds: number;
  repeats: number;
  /** Also time one core alone, for the scaling and the per-step figures. */
  singleCore: boolean;
  /** The value sets the timed study ran; without them, the space's (see spaceWidths). */
  trials?: readonly Values[];
}

function lastLevelCacheBytes(): number {
  if (!existsSync(LLC_SIZE)) return 0;
  const m = /^(\d+)([KM]?)/.exec(readFileSync(LLC_SIZE, 'utf8').trim());
  return m ? Number(m[1]) * (UNITS[m[2]!] ?? 1) : 0;
}

const round = (x: number, digits = 3): number => Number(x.toPrecision(digits + 1));

/** Measures the floor; throws when the probe was not built or the files cannot be read. */
export async function machineFloor(o: FloorOptions) {
  const probe = loadProbe();
  const { shape: data, nonZerosPerRow, batches } = await studyData(o.dataDir, o.batch);
  const widths = spaceWidths(o.spacePath, data.dim, o.trials);
  const cores = cpus().length;
  const llc = lastLevelCacheBytes();
  const streamBytes = llc ? STREAM_TIMES_CACHE * llc : STREAM_BYTES_UNKNOWN_CACHE;
  const nonZerosPerStep = data.trainNonZeros / batches.blocks;

  /** Every figure at one pack size: its rates by both clocks, per-step times, floors, the model. */
  const atPack = (packTrials: number) => {
    const shape: FloorShape = { ...data, members: widths.members, executions: o.executions, packTrials, cores, lastLevelCacheBytes: llc };
    const width = packWidth(shape);
    const settings = { width, minSeconds: o.minSeconds, repeats: o.repeats, streamBytes };
    const loadavgBefore = loadavg();
    const all = measureRates(probe, batches, { ...settings, threads: cores });
    const one = o.singleCore ? measureRates(probe, batches, { ...settings, threads: 1 }) : undefined;
    const loadavgAfter = loadavg();
    // One pack's step on one core (while the other cores run their own packs, for all cores).
    const perStep = (m: RateSet, threads: number) => ({
      forwardMs: round((1000 * threads * nonZerosPerStep * width) / m.rates.forwardMacsPerS),
      backwardAndRmspropMs: round(1000 * threads * ((nonZerosPerStep * width) / m.rates.gradientMacsPerS + (data.dim * width) / m.rates.updatesPerS.rmsprop)),
      fusedStepMeasuredMs: round((1000 * threads) / (m.stepRmspropPackEpochsPerS * batches.blocks)),
    });
    const giga = (m: RateSet) => ({
      forwardGMacPerS: round(m.rates.forwardMacsPerS / 1e9),
      gradientGMacPerS: round(m.rates.gradientMacsPerS / 1e9),
      updatesGPerS: Object.fromEntries(Object.entries(m.rates.updatesPerS).map(([k, v]) => [k, round(v / 1e9)])),
      copyGBPerS: round(m.copyBytesPerS / 1e9),
      bandwidthGBPerS: round(m.rates.bandwidthBytesPerS / 1e9),
    });
    const floors = (clock: 'cpu' | 'wall') => ({
      allCoresMs: round(floorModel(shape, all[clock].rates).msPerTrialExecutionEpoch),
      fusedStepMs: round(fusedStepMs(shape, all[clock].stepRmspropPackEpochsPerS, all[clock].rates.forwardMacsPerS)),
      ...(one
        ? {
            ifCoresScaledPerfectlyMs: round(
              floorModel(shape, scaledRates(one[clock].rates, cores, all[clock].rates.bandwidthBytesPerS)).msPerTrialExecutionEpoch,
            ),
          }
        : {}),
    });
    const byClock = <T>(f: (m: RateSet, threads: number) => T) => ({
      cpuTime: { allCores: f(all.cpu, cores), ...(one ? { oneCore: f(one.cpu, 1) } : {}) },
      wallClock: { allCores: f(all.wall, cores), ...(one ? { oneCore: f(one.wall, 1) } : {}) },
    });
    const model = floorModel(shape, all.cpu.rates);
    return {
      packTrials,
      width,
      msPerTrialExecutionEpoch: round(model.msPerTrialExecutionEpoch),
      // Below 1 when other processes took some of the cores: the wall-clock figures then read slow.
      cpuShareOfWall: round(all.wall.rates.forwardMacsPerS / all.cpu.rates.forwardMacsPerS),
      floors: { cpuTime: floors('cpu'), wallClock: floors('wall') },
      probe: { ...settings, compiled: '-O3 -march=native -fno-math-errno (binding.gyp, tune_floor)' },
      rates: byClock((m) => giga(m)),
      perPackStep: byClock(perStep),
      model,
      loadavgBefore,
      loadavgAfter,
      runs: { allCores: all.runs, ...(one ? { oneCore: one.runs } : {}) },
    };
  };

  const packs = o.packTrials.map(atPack);
  const best = packs.reduce((a, b) => (b.msPerTrialExecutionEpoch < a.msPerTrialExecutionEpoch ? b : a));
  return {
    msPerTrialExecutionEpoch: best.msPerTrialExecutionEpoch,
    how:
      `the floor model (bench/floor-model.ts) on rates measured with all ${cores} cores at once, each thread timed by its own CPU time; ` +
      `the best of packs of ${o.packTrials.join(', ')} trials (here ${best.packTrials}, ${best.width} wide)`,
    inputs: {
      data: o.dataDir,
      space: o.spacePath,
      ...data,
      nonZerosPerRow,
      firstWidths: {
        valueSets: widths.valueSets,
        wholeSpace: widths.wholeSpace,
        fromTrials: widths.fromTrials ?? false,
        mean: round(best.model.meanFirstWidth),
      },
      executions: o.executions,
      cores,
      lastLevelCacheBytes: llc,
    },
    byPack: packs,
  };
}

/**
 * The C probe (native/floor.c, built as build/Release/tune_floor.node at install): loads it and
 * turns its timings into rates. Each figure is the best of `repeats` runs, since on a shared
 * machine other work only ever slows a run down; every run is kept in the output.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from '../test/helpers/tune.js';
import { UPDATE_KINDS, type FloorRates, type UpdateKind } from './floor-model.js';
import type { BatchColumns } from './study-shape.js';

/** native/floor.c's kernel numbers. */
const KERNEL = {
  forward: 0,
  gradient: 1,
  sgd: 2,
  rmsprop: 3,
  adam: 4,
  momentum: 5,
  stepRmsprop: 6,
  copy: 7,
  triad: 8,
  forwardTiled: 9,
  gradientTiled: 10,
  sgdFlat: 11,
  rmspropFlat: 12,
  adamFlat: 13,
  momentumFlat: 14,
} as const;
type KernelName = keyof typeof KERNEL;

interface Probe {
  measure(spec: Record<string, unknown>): { seconds: number; cpuSeconds: number; passes: number; checksum: number }[];
}

const ADDON = join(ROOT, 'build', 'Release', 'tune_floor.node');

/** The probe; throws when it was not built, saying how to build it. */
export function loadProbe(): Probe {
  if (!existsSync(ADDON)) throw new Error(`${ADDON} is missing: build it with \`node scripts/build-native.mjs\` (npm install does)`);
  return createRequire(import.meta.url)(ADDON) as Probe;
}

export interface ProbeSettings {
  threads: number;
  /** Each timed run lasts at least this long on every thread. */
  minSeconds: number;
  repeats: number;
  /** The pack's width: the row length of every weight, gradient and state row. */
  width: number;
  /** Per buffer of the copy and triad; several times the last-level cache, so that DRAM is timed. */
  streamBytes: number;
}

/** One clock's view of the rates. */
export interface RateSet {
  rates: FloorRates;
  /** Pack-epochs per second of the fused step (forward, then gradient rows with the RMSprop update). */
  stepRmspropPackEpochsPerS: number;
  copyBytesPerS: number;
}

/**
 * Rates by the wall clock (what a quiet machine gives) and by each thread's own CPU time
 * (what this process got while others ran: on a shared machine, the closer to a quiet one).
 */
export interface MeasuredRates {
  wall: RateSet;
  cpu: RateSet;
  /** Every repeat of every kernel by the wall clock, in its unit per second. */
  runs: Record<string, number[]>;
}

type Rate = { wall: number; cpu: number };
type Kernel = (kernel: KernelName, workPerPass: number) => Rate;

/** The faster of two shapes of the same work, clock by clock: the floor is the best the machine does. */
const faster = (a: Rate, b: Rate): Rate => ({ wall: Math.max(a.wall, b.wall), cpu: Math.max(a.cpu, b.cpu) });

/** A kernel's rates: work units per second summed over the threads, best of the repeats. */
function timer(probe: Probe, batches: BatchColumns, s: ProbeSettings, runs: Record<string, number[]>): Kernel {
  return (kernel, workPerPass) => {
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < s.repeats; i++) {
      const threads = probe.measure({ kernel: KERNEL[kernel], threads: s.threads, minSeconds: s.minSeconds, width: s.width, bytes: s.streamBytes, ...batches });
      if (threads.some((t) => !Number.isFinite(t.checksum))) throw new Error(`the probe's ${kernel} kernel overflowed: its results are not finite`);
      wall.push(threads.reduce((sum, t) => sum + (t.passes * workPerPass) / t.seconds, 0));
      cpu.push(threads.reduce((sum, t) => sum + (t.passes * workPerPass) / t.cpuSeconds, 0));
    }
    runs[kernel] = wall;
    return { wall: Math.max(...wall), cpu: Math.max(...cpu) };
  };
}

/**
 * Times every kernel at the pack's width on `threads` threads at once. The forward, gradient
 * and step kernels walk the study's real training batches; the updates touch every row of a
 * dim x width pack once per batch, as a step does.
 */
export function measureRates(probe: Probe, batches: BatchColumns, s: ProbeSettings): MeasuredRates {
  const runs: Record<string, number[]> = {};
  const take = timer(probe, batches, s, runs);
  const macs = batches.values.length * s.width;
  // Each product in two shapes: naive (one axpy per non-zero) and tiled (a row's tile in registers).
  const forward = faster(take('forward', macs), take('forwardTiled', macs));
  const gradient = faster(take('gradient', macs), take('gradientTiled', macs));
  // Each update row by row (as a pack's rows are laid out) and flat (no row tails).
  const perPass = batches.blocks * batches.dim * s.width;
  const updates = UPDATE_KINDS.map((k) => [k, faster(take(k, perPass), take(`${k}Flat`, perPass))] as const);
  const step = take('stepRmsprop', 1);
  // STREAM's convention: a copy moves its bytes twice (read, write), a triad three times.
  const copy = take('copy', 2 * s.streamBytes);
  const triad = take('triad', 3 * s.streamBytes);
  const set = (clock: 'wall' | 'cpu'): RateSet => ({
    rates: {
      forwardMacsPerS: forward[clock],
      gradientMacsPerS: gradient[clock],
      updatesPerS: Object.fromEntries(updates.map(([k, r]) => [k, r[clock]])) as Record<UpdateKind, number>,
      bandwidthBytesPerS: Math.max(copy[clock], triad[clock]),
    },
    stepRmspropPackEpochsPerS: step[clock],
    copyBytesPerS: copy[clock],
  });
  return { wall: set('wall'), cpu: set('cpu'), runs };
}

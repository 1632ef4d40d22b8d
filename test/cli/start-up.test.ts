import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tuneTracingModules, type ModuleLoads } from '../helpers/module-trace.js';
import { tinySpace, writeSpace, writeTinyData } from '../helpers/tiny-study.js';
import { ROOT, tempDir } from '../helpers/tune.js';

/** Packages that cost a command tenths of a second to load, and that only some commands need. */
const HEAVY = ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', 'ink', 'react', 'h5wasm', 'sharp', 'better-sqlite3', 'piscina'];
const heavy = (loads: ModuleLoads): string[] => HEAVY.filter((p) => loads.has(p));
/** The threads in which tfjs' core was loaded, however it was reached. */
const tfjsThreads = (loads: ModuleLoads): string[] => [...(loads.get('@tensorflow/tfjs-core') ?? [])].sort();

describe('start-up: each command loads only what it needs', () => {
  it("tune --help, a command's help and tune space check load none of the heavy packages", () => {
    for (const args of [['--help'], ['space', 'check', 'search-spaces/gender.json'], ['run', '--help'], ['extract', '--help']]) {
      const run = tuneTracingModules(args, ROOT);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(run.loads.has('commander'), `the trace sees the packages a command loads: ${[...run.loads.keys()].join(', ')}`);
      assert.deepEqual(heavy(run.loads), [], `tune ${args.join(' ')}`);
    }
  });

  it('a run that trains on the native engine loads tfjs in no thread, and Ink not off a terminal', () => {
    const dir = tempDir();
    const space = writeSpace(dir, tinySpace(writeTinyData(dir), { max_trials: 2, epochs: 2 }));
    const run = tuneTracingModules(['run', space, '--workers', '2', '--engine', 'native', '--no-tui'], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^study tiny started oracle=random backend=wasm workers=2 /m, 'the backend a tfjs trial would use is still named');
    assert.equal((run.stdout.match(/^trial \d+ complete /gm) ?? []).length, 2);
    assert.deepEqual(heavy(run.loads), ['h5wasm', 'better-sqlite3', 'piscina']);
  });

  it('a run on the tfjs engine loads tfjs in the main thread and in the worker that trains', () => {
    const dir = tempDir();
    const space = writeSpace(dir, tinySpace(writeTinyData(dir), { max_trials: 1, epochs: 1 }));
    const run = tuneTracingModules(['run', space, '--workers', '1', '--engine', 'tfjs', '--no-tui'], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^trial 1 complete /m);
    const threads = tfjsThreads(run.loads);
    assert.equal(threads.length, 2, `main thread and one worker: ${threads.join(', ')}`);
    assert.equal(threads[0], '0');
    assert.equal(run.loads.has('ink'), false);
  });
});

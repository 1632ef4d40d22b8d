import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { wideSpace, writeSpace } from '../helpers/tiny-study.js';
import { TUNE, tempDir } from '../helpers/tune.js';

const TRIALS = 30;

/** Runs `tune run` in `count` processes at once on one database; returns each one's exit and output, and the wall time. */
async function together(dir: string, space: string, count: number): Promise<{ runs: { code: number | null; stderr: string }[]; seconds: number }> {
  const t0 = performance.now();
  const runs = await Promise.all(
    Array.from({ length: count }, () => {
      // tfjs, so that training outweighs each process's start-up (the native engine trains
      // this tiny study in about as long as a start takes).
      const child = spawn(process.execPath, [TUNE, 'run', space, '--workers', '1', '--no-tui', '--engine', 'tfjs'], { cwd: dir });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.resume();
      return new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
    }),
  );
  return { runs, seconds: (performance.now() - t0) / 1000 };
}

describe('several tune run processes on one study', () => {
  it(`three processes share a ${TRIALS}-trial study: each trial run once, no lock error, sooner than one process`, { timeout: 20 * 60_000 }, async () => {
    const study = (dir: string) => writeSpace(dir, wideSpace(dir, { max_trials: TRIALS, epochs: 20, oracle: 'random' }));
    const alone = tempDir();
    const one = await together(alone, study(alone), 1);
    assert.equal(one.runs[0]!.code, 0, one.runs[0]!.stderr);

    const dir = tempDir();
    const three = await together(dir, study(dir), 3);
    for (const run of three.runs) {
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stderr, /locked|busy/i);
    }
    const db = new Database(join(dir, 'trials.db'), { readonly: true });
    try {
      const trials = db.prepare(`SELECT number, status, attempt, owner, values_json FROM trials ORDER BY number`).all() as {
        number: number;
        status: string;
        attempt: number;
        owner: string;
        values_json: string;
      }[];
      assert.equal(trials.length, TRIALS);
      assert.ok(
        trials.every((t) => t.status === 'complete' && t.attempt === 1),
        'every trial complete, at its first attempt',
      );
      assert.equal(new Set(trials.map((t) => t.values_json)).size, TRIALS, 'no values set ran twice');
      const owners = new Set(trials.map((t) => t.owner));
      assert.equal(owners.size, 3, `all three processes ran trials: ${[...owners].join(', ')}`);
      const epochs = db.prepare(`SELECT trial_id, COUNT(*) AS n FROM epochs GROUP BY trial_id`).all() as { n: number }[];
      assert.ok(epochs.length === TRIALS && epochs.every((e) => e.n === 20), 'each trial trained once: 20 epochs each');
      assert.equal(db.prepare(`SELECT COUNT(*) FROM attempts`).pluck().get(), 0);
    } finally {
      db.close();
    }
    process.stdout.write(`# one process ${one.seconds.toFixed(1)} s, three processes ${three.seconds.toFixed(1)} s\n`);
    assert.ok(three.seconds < one.seconds, `three processes took ${three.seconds.toFixed(1)} s, one ${one.seconds.toFixed(1)} s`);
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Rng } from '../../src/random/rng.js';
import { wideSpace, writeSpace } from '../helpers/tiny-study.js';
import { TUNE, tempDir, tune } from '../helpers/tune.js';

/** `npm test` kills a few times; `npm run test:chaos` sets TUNE_CHAOS_KILLS=25 and a larger study. */
const KILLS = Number(process.env['TUNE_CHAOS_KILLS'] ?? 3);
/**
 * Short trials (5 epochs; a run's first trial ends about 2 s after its start, later ones every
 * 0.8 s or so on 2 workers) so that kills late in their window find complete trials to keep,
 * and a study that outlasts the kills (24 trials, about 20 s on tfjs): an 8-trial one ended
 * before the third kill.
 */
const MAX_TRIALS = KILLS > 10 ? 150 : 24;
const EPOCHS = 5;

interface Snapshot {
  numbers: number[];
  complete: Map<number, { score: number; values: string }>;
}

/** Reads the database as another program would, and checks what must hold after any kill. */
function check(db: string): Snapshot {
  const conn = new Database(db, { readonly: true });
  try {
    assert.equal(conn.pragma('integrity_check', { simple: true }), 'ok');
    const rows = conn.prepare(`SELECT number, status, score, values_json FROM trials ORDER BY number`).all() as {
      number: number;
      status: string;
      score: number | null;
      values_json: string;
    }[];
    const numbers = rows.map((r) => r.number);
    assert.deepEqual(
      numbers,
      numbers.map((_, i) => i + 1),
      'trial numbers are unique and gapless',
    );
    const complete = new Map(rows.filter((r) => r.status === 'complete').map((r) => [r.number, { score: r.score!, values: r.values_json }]));
    const orphans = conn.prepare(`SELECT COUNT(*) FROM epochs WHERE trial_id NOT IN (SELECT id FROM trials)`).pluck().get();
    assert.equal(orphans, 0);
    return { numbers, complete };
  } finally {
    conn.close();
  }
}

/** Starts a command, kills it with SIGKILL after `ms` unless it ended first; true when it was killed. */
async function killAfter(dir: string, args: string[], ms: number): Promise<boolean> {
  const child = spawn(process.execPath, [TUNE, ...args], { cwd: dir, stdio: 'ignore' });
  const exited = new Promise<boolean>((resolve) => child.on('exit', (_code, signal) => resolve(signal === 'SIGKILL')));
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const killed = await exited;
  clearTimeout(timer);
  return killed;
}

describe(`chaos: kill -9 at random moments, ${KILLS} times, during one study`, () => {
  it(`ends with exactly ${MAX_TRIALS} complete trials, none lost or run twice, the database intact`, { timeout: 30 * 60_000 }, async () => {
    const dir = tempDir();
    const space = writeSpace(dir, wideSpace(dir, { max_trials: MAX_TRIALS, epochs: EPOCHS, oracle: 'random' }));
    const db = join(dir, 'trials.db');
    const rng = new Rng(Number(process.env['TUNE_CHAOS_SEED'] ?? 11));
    let kills = 0;
    let exportKills = 0;
    let before: Snapshot | undefined;
    for (let tries = 0; kills < KILLS && tries < KILLS * 4; tries++) {
      const exporting = before !== undefined && before.complete.size > 0 && tries % 4 === 3;
      // tfjs trains slowly enough that every kill lands mid-study; the native engine would end
      // the study before the kills do (what is tested here is the storage, not the engine).
      const args = exporting ? ['best', '--db', db, '--export', join(dir, 'model.json')] : ['run', space, '--workers', '2', '--no-tui', '--engine', 'tfjs'];
      // Anywhere from start-up through training to the final writes (an export takes about 0.9 s).
      const killed = await killAfter(dir, args, exporting ? 100 + rng.next() * 1000 : 200 + rng.next() * 3800);
      if (killed) {
        if (exporting) exportKills++;
        else kills++;
      }
      if (!existsSync(db)) continue;
      const now = check(db);
      for (const [number, trial] of before?.complete ?? [])
        assert.deepEqual(now.complete.get(number), trial, `complete trial ${number} survives every kill unchanged`);
      before = now;
      if (existsSync(join(dir, 'model.json'))) JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    }
    assert.equal(kills, KILLS, `${KILLS} runs were killed mid-flight`);
    const keptThroughKills = before?.complete.size ?? 0;

    const final = tune(['run', space, '--workers', '2', '--no-tui', '--engine', 'tfjs'], dir);
    assert.equal(final.code, 0, final.stderr);
    const end = check(db);
    assert.equal(end.complete.size, MAX_TRIALS);
    assert.equal(new Set([...end.complete.values()].map((t) => t.values)).size, MAX_TRIALS, 'no values set ran twice');
    const statuses = new Database(db, { readonly: true }).prepare(`SELECT status, COUNT(*) AS n FROM trials GROUP BY status`).all();
    assert.deepEqual(statuses, [{ status: 'complete', n: MAX_TRIALS }]);
    const exported = tune(['best', '--db', db, '--export', join(dir, 'model.json')], dir);
    assert.equal(exported.code, 0, exported.stderr);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('.tmp')),
      [],
      'a finished export leaves no temporary file',
    );
    process.stdout.write(
      `# chaos: ${kills} runs and ${exportKills} exports killed; ${keptThroughKills} trials complete before the last run; ${end.numbers.length} trials\n`,
    );
  });
});

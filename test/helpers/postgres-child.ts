/*
 * A second process on a PostgreSQL study, as another host's tune would be:
 *   node postgres-child.js URL claim STUDY_ID LIMIT SPREAD   waits for a line on stdin (so that
 *     every process starts at once), then creates trials with values {x: 0..SPREAD-1} in its
 *     own random order until the study is at LIMIT; prints {"made": [...], "taken": N}
 *   node postgres-child.js URL cycle STUDY_ID LIMIT SPREAD   the same start, then runs whole
 *     trial lifecycles (claim or create, epochs, heartbeat, weights, checkpoint, and a quarter of
 *     them interrupted once, as by Ctrl-C, then claimed again) until none is left to run; prints
 *     {"completed": N}
 *   node postgres-child.js URL open                          opens the database (creating or
 *     migrating its schema), prints "opened" and ends
 *   node postgres-child.js URL hold STUDY_ID                 creates one running trial and
 *     heartbeats it; prints {"trialId", "owner"}, then lives until stdin closes
 * TUNE_TEST_CLOCK_SKEW_MS shifts this process's clock (Date) by that many ms: a host whose
 * clock is wrong.
 */
import { createInterface } from 'node:readline';
import { PostgresStorage } from '../../src/storage/postgres/postgres.js';

const skew = Number(process.env.TUNE_TEST_CLOCK_SKEW_MS ?? 0);
if (skew !== 0) {
  const RealDate = Date;
  class SkewedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + skew);
      else super(...(args as [string]));
    }
    static override now(): number {
      return RealDate.now() + skew;
    }
  }
  globalThis.Date = SkewedDate as DateConstructor;
}

const [url, mode, studyArg, ...rest] = process.argv.slice(2);
const studyId = Number(studyArg);
const lines = createInterface({ input: process.stdin });
const nextLine = () => new Promise<void>((resolve) => lines.once('line', () => resolve()));
const storage = await PostgresStorage.open(url!);

if (mode === 'open') {
  console.log('opened');
} else if (mode === 'claim') {
  const [limit, spread] = rest.map(Number) as [number, number];
  const order = Array.from({ length: spread }, (_, i) => i).sort(() => Math.random() - 0.5);
  console.log('ready');
  await nextLine();
  const made: number[] = [];
  let taken = 0;
  for (const x of order) {
    const got = await storage.createTrialWithin(studyId, { x }, limit);
    if (got === 'limit') break;
    if (got === 'taken') taken++;
    else made.push(x);
  }
  console.log(JSON.stringify({ made, taken }));
} else if (mode === 'cycle') {
  const [limit, spread] = rest.map(Number) as [number, number];
  console.log('ready');
  await nextLine();
  let completed = 0;
  for (;;) {
    await storage.recoverStale(studyId, 60_000);
    const trial = (await storage.claimInterrupted(studyId)) ?? (await storage.createTrialWithin(studyId, { x: Math.floor(Math.random() * spread) }, limit));
    if (trial === 'limit') break;
    if (trial === 'taken') continue;
    for (let epoch = 1; epoch <= 3; epoch++) await storage.recordEpoch(trial.id, 1, epoch, { loss: 1 / epoch, accuracy: 0.5, val_loss: 1, val_accuracy: 0.5 });
    await storage.heartbeat();
    const weights = { tensors: [{ shape: [2], values: Float32Array.of(trial.number, trial.attempt) }] };
    await storage.saveWeights(trial.id, weights);
    await storage.saveCheckpoint(trial.id, 1, { weights, iterations: 3, slots: { tensors: [] } });
    if (trial.attempt === 1 && Math.random() < 0.25) {
      await storage.interruptRunning(studyId);
      continue;
    }
    await storage.completeTrial(trial.id, Math.random(), 3, 0.1);
    completed++;
    await storage.pruneWeights(studyId, 3);
    await storage.keepCheckpoints(studyId, [trial.number]);
  }
  console.log(JSON.stringify({ completed }));
} else if (mode === 'hold') {
  const trial = await storage.createTrial(studyId, { held: process.pid });
  await storage.heartbeat();
  console.log(JSON.stringify({ trialId: trial.id, owner: storage.owner }));
  await new Promise((resolve) => lines.once('close', resolve));
} else {
  throw new Error(`postgres-child: unknown mode ${String(mode)}`);
}
await storage.close();
lines.close();

/**
 * `tune dashboard` over PostgreSQL: it serves the study, no request changes a row, and its
 * storage session (PostgresStorage.openReadOnly, as the command opens it) is one that the
 * server keeps read-only, so that even a write the dashboard's code attempted would be refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TrialRecord } from '../../src/domain/trial.js';
import { PostgresStorage } from '../../src/storage/postgres/postgres.js';
import { dashboard, refusedWrites } from '../helpers/dashboard.js';
import { dropTestDatabases, freshDatabase, onServer } from '../helpers/postgres.js';
import { tinySpace, writeSpace, writeTinyData } from '../helpers/tiny-study.js';
import { listed, tempDir, tune } from '../helpers/tune.js';

/** Every row of every table of the database, as one digest per table. */
async function contents(url: string): Promise<Record<string, string>> {
  const tables = await onServer<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`, [], url);
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await onServer<{ digest: string }>(`SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest FROM "${name}" t`, [], url);
    out[name] = row!.digest;
  }
  return out;
}

const listJson = (dir: string, url: string): TrialRecord[] => listed(dir, ['--storage', url]);

describe('tune dashboard on PostgreSQL is read-only', () => {
  let dir: string;
  let url: string;
  before(async () => {
    dir = tempDir();
    url = await freshDatabase();
    const space = writeSpace(dir, tinySpace(writeTinyData(dir), { max_trials: 3, epochs: 2 }));
    const run = tune(['run', space, '--storage', url, '--workers', '1', '--no-tui'], dir);
    assert.equal(run.code, 0, run.stderr);
  });
  after(() => dropTestDatabases());

  it('serves the study and its figures; POST, PUT and DELETE get 405 and change no row', async () => {
    const trials = listJson(dir, url);
    assert.equal(trials.length, 3);
    const before = await contents(url);
    assert.ok(Object.keys(before).includes('trials'), JSON.stringify(Object.keys(before)));
    const dash = await dashboard(dir, url, '--storage');
    try {
      assert.deepEqual(await (await fetch(`${dash.url}api/studies/tiny/trials`)).json(), trials);
      const page = await fetch(`${dash.url}studies/tiny`);
      assert.equal(page.status, 200);
      const html = await page.text();
      for (const chart of ['history', 'curves', 'parallel', 'slice', 'importance', 'confusion', 'roc', 'pr'])
        assert.match(html, new RegExp(`<figure data-chart="${chart}">`));
      await refusedWrites(dash.url);
    } finally {
      dash.child.kill('SIGTERM');
    }
    assert.equal(await dash.exited, 0, dash.out());
    assert.doesNotMatch(dash.out(), /tune: dashboard:/, 'no request failed inside the server');
    assert.deepEqual(await contents(url), before);
  });

  it("refuses, in the server, a write through the dashboard's own storage session", async () => {
    const before = await contents(url);
    const storage = await PostgresStorage.openReadOnly(url);
    try {
      const study = await storage.findStudy('tiny');
      assert.ok(study, 'the session reads');
      assert.equal((await storage.trials(study.id)).length, 3);
      const refused = (err: unknown): boolean => {
        assert.equal((err as { code?: string }).code, '25006', String(err));
        assert.match(String(err), /read-only transaction/);
        return true;
      };
      await assert.rejects(storage.openStudy('other', study.space, 'val_accuracy', 'max', false), refused);
      await assert.rejects(storage.deleteStudy(study.id), refused);
      await assert.rejects(storage.createTrial(study.id, { first_dense: 2, dropout_rate: 0.1 }), refused);
    } finally {
      await storage.close();
    }
    assert.deepEqual(await contents(url), before);
  });

  it('a database with no tune tables is bad input: one line, exit 2, and it stays empty', async () => {
    const empty = await freshDatabase();
    const r = tune(['dashboard', '--port', '0', '--storage', empty], dir);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^tune: postgresql:\/\/\S+: database: has no tune tables yet; run `tune run SPACE\.json --storage URL` first\n$/);
    assert.deepEqual(await contents(empty), {});
  });
});

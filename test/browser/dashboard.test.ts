import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import type { TrialRecord } from '../../src/domain/trial.js';
import { tinySpace, writeSpace, writeTinyData } from '../helpers/tiny-study.js';
import { dashboard, refusedWrites, start, until } from '../helpers/dashboard.js';
import { listed, tempDir, tune } from '../helpers/tune.js';

/** Debian's Chromium, which .ci/run installs; its absence fails the test, it never skips it. */
const CHROMIUM = '/usr/bin/chromium';

const listJson = (dir: string, db: string): TrialRecord[] => listed(dir, ['--db', db]);

describe('tune dashboard against a live tune run, in headless Chromium', () => {
  let browser: Browser;
  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), as .ci/run does`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
  });

  it('the study page counts the trials up while tune run works; the API equals tune list --json; POST and DELETE change nothing', async () => {
    const dir = tempDir();
    const db = join(dir, 'trials.db');
    // tfjs on 3000 rows and six epochs: a trial takes a second or more, so the run lasts several.
    const space = writeSpace(dir, tinySpace(writeTinyData(dir, { rows: { train: 3000, valid: 34, test: 34 } }), { max_trials: 6, epochs: 6 }));
    const run = start(dir, ['run', space, '--db', db, '--workers', '1', '--no-tui', '--engine', 'tfjs']);
    await until('the first trial in the database', () => (existsSync(db) && listJson(dir, db).length > 0 ? true : undefined));
    const dash = await dashboard(dir, db);
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${dash.url}studies/tiny`, { waitUntil: 'load' });
      const count = async (): Promise<number> => Number(await page.$eval('#trial-count', (el) => el.textContent));
      const first = await count();
      assert.ok(first >= 1 && first < 6, `the page opened at ${first} trials, before the run ended`);
      // No reload: the page's own script raises the count and redraws the figures.
      await page.waitForFunction((n) => Number(document.getElementById('trial-count')!.textContent) > n, first, { timeout: 120_000 });
      assert.equal(await run.exited, 0, run.out());
      await page.waitForFunction(
        () =>
          document.querySelectorAll('figure[data-chart="history"] g.trial-point path').length === 6 &&
          document.getElementById('trial-count')!.textContent === '6',
        undefined,
        { timeout: 30_000 },
      );
      assert.equal(await page.$$eval('#trials tbody tr', (els) => els.length), 6, 'the redrawn trial table');
      assert.deepEqual(errors, []);
      await page.close();

      const trials = listJson(dir, db);
      const api = (await (await fetch(`${dash.url}api/studies/tiny/trials`)).json()) as TrialRecord[];
      assert.deepEqual(api, trials);
      const studies = (await (await fetch(`${dash.url}api/studies`)).json()) as { name: string; trials: number; complete: number }[];
      assert.deepEqual(
        studies.map((s) => [s.name, s.trials, s.complete]),
        [['tiny', 6, trials.filter((t) => t.status === 'complete').length]],
      );
      const list = await (await fetch(dash.url)).text();
      assert.match(list, /<a href="\/studies\/tiny">tiny<\/a>/);

      const missing = await fetch(`${dash.url}api/studies/nope/trials`);
      assert.equal(missing.status, 404);
      assert.match(((await missing.json()) as { error: string }).error, /study "nope" does not exist/);
      assert.equal((await fetch(`${dash.url}studies/nope`)).status, 404);

      const bytes = readFileSync(db);
      await refusedWrites(dash.url);
      assert.ok(readFileSync(db).equals(bytes), 'the database file is byte for byte the same');
      assert.deepEqual(listJson(dir, db), trials);
    } finally {
      dash.child.kill('SIGTERM');
    }
    assert.equal(await dash.exited, 0, dash.out());
    assert.match(dash.out(), /tune dashboard: stopped\n$/);
  });

  it('a port in use is bad input: one line, exit 2', async () => {
    const dir = tempDir();
    const db = join(dir, 'trials.db');
    // A study with one queued trial: a database to serve, made without training anything.
    const space = writeSpace(dir, tinySpace(writeTinyData(dir), { max_trials: 1, epochs: 1 }));
    assert.equal(tune(['enqueue', space, '{"first_dense": 2, "dropout_rate": 0.1}', '--db', db], dir).code, 0);
    const first = await dashboard(dir, db);
    try {
      const port = new URL(first.url).port;
      const second = tune(['dashboard', '--port', port, '--db', db], dir);
      assert.equal(second.code, 2, second.stderr);
      assert.equal(second.stderr, `tune: command line: --port: ${port} is in use on 127.0.0.1; pass another --port, or --port 0 for a free one (EADDRINUSE)\n`);
      assert.equal(second.stdout, '');
    } finally {
      first.child.kill('SIGINT');
    }
    assert.equal(await first.exited, 0, first.out());
  });
});

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import sharp from 'sharp';
import { failedStudy, hyperbandStudy, plainStudy, type StudyOnDisk } from '../helpers/report-studies.js';
import { dashboard } from '../helpers/dashboard.js';
import { tune } from '../helpers/tune.js';
import { checkStudyPage } from './study-page.js';

/** Debian's Chromium, which .ci/run installs; its absence fails the test, it never skips it. */
const CHROMIUM = '/usr/bin/chromium';
/** A blank or nearly blank page has a handful of colours; a page of charts has hundreds. */
const MIN_COLOURS = 64;

/** Writes the report of a study and returns its file:// address. */
function reportOf(s: StudyOnDisk): string {
  const out = join(s.dir, 'report.html');
  const r = tune(['report', '--db', s.db, '--out', out], s.dir);
  assert.equal(r.code, 0, r.stderr);
  return pathToFileURL(out).href;
}

/** The studies, by what the tests call them; each is run once, for the report and the dashboard. */
const STUDIES = [
  ['the tiny random study', plainStudy],
  ['a Hyperband study', hyperbandStudy],
  ['a study with failed and invalid trials', failedStudy],
] as const;

describe('tune report, and tune dashboard on finished studies, in headless Chromium', () => {
  let browser: Browser;
  const studies = new Map<string, StudyOnDisk>();
  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), as .ci/run does`);
    // Chromium starts while the studies run: it needs this thread only for the handshake after.
    const launching = chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      for (const [name, make] of STUDIES) studies.set(name, make());
    } finally {
      browser = await launching;
    }
  });
  after(async () => {
    await browser?.close();
  });

  for (const [name] of STUDIES) {
    it(`opens the report of ${name} from disk: every figure drawn, no request, a screenshot that is not blank`, async () => {
      const study = studies.get(name)!;
      const url = reportOf(study);
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url, { waitUntil: 'load' });
      await checkStudyPage(page, study);
      // The sorting script runs: a click on the trial header twice puts the last trial first.
      await page.click('#trials th[data-col="0"]');
      await page.click('#trials th[data-col="0"]');
      assert.equal(await page.$eval('#trials tbody tr td', (td) => td.textContent), String(study.trials.length));
      const png = await page.screenshot({ fullPage: true });
      const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      const colours = new Set<number>();
      for (let i = 0; i < data.length; i += info.channels) colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      assert.ok(colours.size >= MIN_COLOURS, `the screenshot has ${colours.size} distinct colours`);
      assert.deepEqual(requests, [url], 'the page requests nothing but its own file');
      assert.deepEqual(errors, []);
      await page.close();
    });
  }

  // The live run is test/browser/dashboard.test.ts; these are the studies a live run seldom shows.
  for (const [name] of STUDIES.slice(1)) {
    it(`tune dashboard serves ${name}: every figure drawn, every trial in the table with its status, the API as tune list --json`, async () => {
      const study = studies.get(name)!;
      const dash = await dashboard(study.dir, study.db);
      try {
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${dash.url}studies/tiny`, { waitUntil: 'load' });
        await checkStudyPage(page, study);
        assert.equal(await page.$eval('#trial-count', (el) => el.textContent), String(study.trials.length));
        assert.deepEqual(errors, []);
        await page.close();
        assert.deepEqual(await (await fetch(`${dash.url}api/studies/tiny/trials`)).json(), study.trials);
      } finally {
        dash.child.kill('SIGTERM');
      }
      assert.equal(await dash.exited, 0, dash.out());
    });
  }
});

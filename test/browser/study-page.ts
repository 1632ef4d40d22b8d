/**
 * What the report and the dashboard's study page show of a study, checked in Chromium against
 * the study's trials as `tune list --json` prints them: every figure drawn, a history point and
 * a curve per complete trial, an importance per hyperparameter, and every trial in the table
 * with its status (and its error, for one that did not complete).
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { CHARTS, type StudyOnDisk } from '../helpers/report-studies.js';

export async function checkStudyPage(page: Page, study: StudyOnDisk): Promise<void> {
  const complete = study.trials.filter((t) => t.status === 'complete').length;
  for (const chart of CHARTS) {
    // Marks with an area on the page: Vega's mark groups, axes aside, as Chromium lays them out.
    const drawn = await page.$$eval(
      `figure[data-chart="${chart}"] svg g.role-mark > *`,
      (els) =>
        els.filter((el) => {
          const box = (el as SVGGraphicsElement).getBBox();
          return box.width > 0 || box.height > 0;
        }).length,
    );
    assert.ok(drawn > 0, `${chart}: ${drawn} drawn marks`);
  }
  const points = await page.$$eval('figure[data-chart="history"] g.trial-point path', (els) => els.length);
  assert.equal(points, complete, 'a history point per complete trial');
  // Each metric's chart: a bold line with some length, or a point, for every complete trial.
  const curves = await page.$$eval('figure[data-chart="curves"] svg', (svgs) =>
    svgs.map((svg) => {
      const lines = [...svg.querySelectorAll('g.curve-mean path')].filter((p) => {
        const box = (p as SVGGraphicsElement).getBBox();
        return box.width > 0 || box.height > 0;
      });
      return lines.length + svg.querySelectorAll('g.curve-point path').length;
    }),
  );
  assert.deepEqual(curves, [complete, complete], 'a curve per complete trial, for val_accuracy and val_loss');
  const shares = await page.$$eval('figure[data-chart="importance"] g.role-mark text', (els) => els.map((el) => el.textContent ?? ''));
  assert.ok(shares.length > 0 && shares.every((s) => /^(0|1)\.\d{3}$|^too few trials/.test(s)), `importance labels ${JSON.stringify(shares)}`);
  const rows = await page.$$eval('#trials tbody tr', (trs) =>
    trs.map((tr) => {
      const cells = [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '');
      return { number: Number(cells[0]), status: cells[1], error: cells.at(-1) };
    }),
  );
  assert.deepEqual(
    rows.map((r) => [r.number, r.status]),
    study.trials.map((t) => [t.number, t.status]),
    'every trial in the table, with its status',
  );
  for (const t of study.trials.filter((x) => x.status !== 'complete')) {
    assert.equal(rows.find((r) => r.number === t.number)!.error, t.error, `trial ${t.number}'s error`);
  }
}

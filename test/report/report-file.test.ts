import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { CHARTS, failedStudy, hyperbandStudy, plainStudy, threeClassStudy, type StudyOnDisk } from '../helpers/report-studies.js';
import { listing, tune } from '../helpers/tune.js';

/** The inside of one `<figure data-chart=NAME>`. */
function figure(html: string, chart: string): string {
  const start = html.indexOf(`<figure data-chart="${chart}">`);
  assert.ok(start >= 0, `figure ${chart} is in the report`);
  return html.slice(start, html.indexOf('</figure>', start));
}

/** The marks Vega drew in a figure's SVG (paths, rects, lines), axes aside. */
function marks(svgs: string): number {
  const groups = [...svgs.matchAll(/<g class="mark-[a-z]+ role-mark[^"]*"[^>]*>(.*?)<\/g>/gs)];
  return groups.reduce((n, g) => n + (g[1]!.match(/<(path|rect|line|text)\b/g) ?? []).length, 0);
}

function report(s: StudyOnDisk, out = join(s.dir, 'report.html')): { html: string; out: string; stdout: string } {
  const r = tune(['report', '--db', s.db, '--out', out], s.dir);
  assert.equal(r.code, 0, r.stderr);
  return { html: readFileSync(out, 'utf8'), out, stdout: r.stdout };
}

function checkFigures(html: string, s: StudyOnDisk): void {
  for (const chart of CHARTS) {
    const f = figure(html, chart);
    assert.match(f, /<figcaption>[^<]{20,}/, `${chart} has a caption`);
    assert.match(f, /<svg[\s\S]*<\/svg>/, `${chart} has an SVG`);
    assert.ok(marks(f) > 0, `${chart}'s SVG has marks`);
  }
  const complete = s.trials.filter((t) => t.status === 'complete');
  const points = /<g class="mark-symbol role-mark trial-point"[^>]*>(.*?)<\/g>/s.exec(figure(html, 'history'))![1]!;
  assert.equal((points.match(/<path\b/g) ?? []).length, complete.length, 'one history point per complete trial');
  const rows = figure(html, 'table').match(/<tr class="/g) ?? [];
  assert.equal(rows.length, s.trials.length, 'every trial is in the table');
  assert.doesNotMatch(html, /<(script|link|img|iframe)[^>]*\s(src|href)=/i, 'nothing is loaded from anywhere');
  assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org\/)/, 'no address but the SVG namespaces');
}

describe('tune report (real tune run, real SQLite and HDF5)', () => {
  let plain: StudyOnDisk;
  before(() => {
    plain = plainStudy();
  });

  it('writes one HTML file under 2 MB with every figure drawn and a point per complete trial', () => {
    const { html, out, stdout } = report(plain);
    assert.ok(statSync(out).size < 2 * 1024 * 1024, `${statSync(out).size} bytes`);
    assert.match(stdout, /^report of study tiny: 6 trials \(6 complete\) written to .*report\.html/);
    checkFigures(html, plain);
    assert.match(figure(html, 'roc'), /AUC \d\.\d{3}/);
    assert.match(figure(html, 'pr'), /AP \d\.\d{3}/);
    const curves = figure(html, 'curves');
    // Two metrics, each with a thin line per execution (6 trials x 2) and a bold mean per trial.
    assert.equal((curves.match(/<g class="mark-line role-mark curve-(run|mean)"/g) ?? []).length, 2 * (12 + 6));
  });

  it('replaces a report of its own, and leaves no temporary file', () => {
    const out = join(plain.dir, 'again.html');
    report(plain, out);
    const before = listing(plain.dir);
    report(plain, out);
    assert.deepEqual(listing(plain.dir), before);
  });

  it('refuses a file of another at --out, and leaves it byte-identical', () => {
    const out = join(plain.dir, 'notes.html');
    const mine = '<!doctype html><p>my notes</p>\n';
    writeFileSync(out, mine);
    const r = tune(['report', '--db', plain.db, '--out', out], plain.dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^tune: .*notes\.html: file: already exists and is not a report that tune wrote .*\n$/);
    assert.equal(readFileSync(out, 'utf8'), mine);
    const dir = tune(['report', '--db', plain.db, '--out', plain.dir], plain.dir);
    assert.equal(dir.code, 2);
    assert.match(dir.stderr, /^tune: .*: file: is a directory; tune report writes only regular files of its own\n$/);
  });

  it('reports a Hyperband study: every bracket in the table, the brackets as columns', () => {
    const hb = hyperbandStudy();
    assert.equal(hb.trials.length, 15);
    const { html } = report(hb);
    checkFigures(html, hb);
    assert.match(figure(html, 'table'), /<th data-col="\d+" title="sort">bracket<\/th>/);
  });

  it('reports a study with failed and invalid trials: in the table, not in the score figures', () => {
    const s = failedStudy();
    const statuses = s.trials.map((t) => t.status);
    assert.deepEqual(
      ['complete', 'failed', 'invalid'].map((status) => statuses.filter((x) => x === status).length),
      [6, 6, 4],
    );
    const { html } = report(s);
    checkFigures(html, s);
    const table = figure(html, 'table');
    assert.equal((table.match(/<tr class="failed">[^\n]*loss became (NaN|Infinity) at epoch 1/g) ?? []).length, 6);
    assert.equal((table.match(/<tr class="invalid">[^\n]*a dense layer needs a whole number of units &#62;= 1, got 0/g) ?? []).length, 4);
  });

  it('reports a three-class study: a 3 x 3 confusion matrix, ROC and PR curves one-vs-rest with an area per class', () => {
    const s = threeClassStudy();
    const { html } = report(s);
    checkFigures(html, s);
    const cells = /<g class="mark-rect role-mark"[^>]*>(.*?)<\/g>/s.exec(figure(html, 'confusion'))![1]!;
    assert.equal((cells.match(/<path\b/g) ?? []).length, 9);
    assert.match(figure(html, 'roc'), /one-vs-rest/);
    for (const name of ['cat', 'dog', 'fox']) {
      assert.match(figure(html, 'roc'), new RegExp(`${name}: AUC \\d\\.\\d{3}`));
      assert.match(figure(html, 'pr'), new RegExp(`${name}: AP \\d\\.\\d{3}`));
    }
  });
});

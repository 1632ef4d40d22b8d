/**
 * The report as one HTML document: every figure's SVG inline, the trial table, a small sorting
 * script and the styles, so that it makes no request of any kind and opens from a mail
 * attachment. Its meta tag REPORT_MARK tells `tune report` that a file at --out is its own.
 */
import { MIN_TOP, TOP_QUANTILE, importanceSpec, pedAnova } from './importance.js';
import { reportCurves } from './class-curves.js';
import { parallelSpec } from './parallel-chart.js';
import { REPORT_MARK, scored, type ReportData } from './report.js';
import { curveSpec, historySpec, sliceSpec } from './study-charts.js';
import { toSvg } from './svg.js';
import { SORT_SCRIPT, escapeHtml, trialTable } from './table.js';
import { confusionSpec, curveChartSpec } from './test-charts.js';

const STYLE = `<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
main { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; margin-bottom: 16px; }
figure { margin: 0; padding: 12px; border: 1px solid #ddd; border-radius: 6px; max-width: 100%; box-sizing: border-box; }
figcaption { contain: inline-size; } /* the caption wraps to its figure's width, never widens it */
figure > div { display: flex; flex-wrap: wrap; gap: 12px; }
figcaption { font-weight: 600; margin-bottom: 8px; }
figcaption small { font-weight: normal; color: #555; display: block; }
.note { color: #a33; }
table { border-collapse: collapse; font-size: 12px; }
th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: right; }
th { cursor: pointer; background: #f4f4f4; position: sticky; top: 0; }
th[aria-sort=ascending]::after { content: ' ▲'; } th[aria-sort=descending]::after { content: ' ▼'; }
tr.failed, tr.invalid { color: #a33; } tr.pruned, tr.stopped, tr.interrupted { color: #777; }
</style>`;

async function figure(chart: string, caption: string, svgs: Promise<string>[] | string): Promise<string> {
  const body = typeof svgs === 'string' ? `<p class="note">${escapeHtml(svgs)}</p>` : (await Promise.all(svgs)).join('\n');
  return `<figure data-chart="${chart}"><figcaption>${caption}</figcaption><div>\n${body}\n</div></figure>`;
}

/** The whole document; rejects only when Vega refuses a spec (a bug here). */
export async function renderReport(d: ReportData): Promise<string> {
  const complete = d.trials.filter(scored);
  const none = complete.length === 0 ? 'no complete trial yet' : undefined;
  const objective = escapeHtml(d.study.objective);
  const figures = [
    await figure(
      'history',
      `Optimisation history: ${objective} of each of the ${complete.length} complete trials by trial number (points), ` +
        `and the best so far (red line, ${d.study.direction === 'max' ? 'highest' : 'lowest'})`,
      none ?? [toSvg(historySpec(d))],
    ),
    await figure(
      'curves',
      'Learning curves: val_accuracy and val_loss per epoch of every complete trial; ' +
        'each execution a thin line, the mean of its executions a bold one (a point for a trial of one epoch), coloured by trial number; ' +
        'a promoted trial continues the line of the trial it was promoted from',
      none ?? [toSvg(curveSpec(d, 'val_accuracy')), toSvg(curveSpec(d, 'val_loss'))],
    ),
    await figure(
      'parallel',
      `Parallel coordinates: each complete trial's hyperparameters and ${objective}, one line per trial coloured by ${objective}; ` +
        'a line breaks where a hyperparameter is inactive',
      none ?? [toSvg(parallelSpec(d))],
    ),
    await figure(
      'slice',
      `Slice plots: ${objective} against each hyperparameter's value, over the complete trials where it is active`,
      none ?? d.hyperparameters.filter((hp) => hp.type !== 'fixed').map((hp) => toSvg(sliceSpec(d, hp))),
    ),
    await figure(
      'importance',
      "Hyperparameter importance (PED-ANOVA): how much each hyperparameter's values among the best trials " +
        'differ from its values among all trials where it is active' +
        `<small>Shares of the summed Pearson divergence; the top set is the best ${TOP_QUANTILE * 100}% of the trials ` +
        `where it is active, at least ${MIN_TOP}; a promoted trial stands for the trial it was promoted from.</small>`,
      none ?? [toSvg(importanceSpec(d, pedAnova(d)))],
    ),
    ...(await testFigures(d)),
  ];
  const title = `tune report: study ${escapeHtml(d.study.name)}`;
  const counts = [...new Set(d.trials.map((t) => t.status))].map((s) => `${d.trials.filter((t) => t.status === s).length} ${s}`).join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${REPORT_MARK}
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${title}</title>${STYLE}</head>
<body><h1>${title}</h1>
<p>${d.trials.length} trials (${escapeHtml(counts || 'none')}); objective ${objective} (${d.study.direction}); made ${escapeHtml(d.made)}.</p>
<main>
${figures.join('\n')}
</main>
<figure data-chart="table"><figcaption>Every trial, whatever its status (click a header to sort)</figcaption>
<div>${trialTable(d)}</div></figure>
${SORT_SCRIPT}
</body></html>
`;
}

async function testFigures(d: ReportData): Promise<string[]> {
  const t = d.test;
  if ('note' in t) return Promise.all(['confusion', 'roc', 'pr'].map((chart) => figure(chart, `Best trial on the test split: not evaluated`, t.note)));
  const curves = reportCurves(t.probabilities, t.labels);
  const binary = t.probabilities.classes === 2;
  const which = binary ? `class ${escapeHtml(t.classNames[1] ?? '1')} as positive` : 'each class against the rest (one-vs-rest)';
  const noCurve = curves.length === 0 ? 'the test split holds only one class: no curve can be drawn' : undefined;
  const rows = t.probabilities.rows;
  return [
    await figure(
      'confusion',
      `Confusion matrix of trial ${t.trial}, the best trial, on the ${rows} rows of the test split: true class by row, predicted class by column`,
      [toSvg(confusionSpec(t))],
    ),
    await figure(
      'roc',
      `ROC curve of trial ${t.trial} on the test split, ${which}, with the area under it (AUC)`,
      noCurve ?? [toSvg(curveChartSpec(t, curves, 'roc'))],
    ),
    await figure(
      'pr',
      `Precision-recall curve of trial ${t.trial} on the test split, ${which}, with its average precision (AP)`,
      noCurve ?? [toSvg(curveChartSpec(t, curves, 'pr'))],
    ),
  ];
}

/**
 * The table of every trial, whatever its status, as HTML: each cell carries its sort key, and a
 * small inline script (no request, no library) sorts the rows when a header is clicked.
 */
import type { Hyperparameter } from '../space/hyperparameter.js';
import type { ReportData, ReportTrial } from './report.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface Column {
  head: string;
  /** The text shown, and the key it sorts by (a number sorts as one; absent sorts last). */
  cell(t: ReportTrial): { text: string; key: string | number | undefined };
}

const num = (v: number | null | undefined, digits?: number) => ({
  text: v == null ? '–' : digits === undefined ? String(v) : v.toFixed(digits),
  key: v ?? undefined,
});

function columns(d: ReportData): Column[] {
  const scheduled = d.trials.some((t) => t.schedule !== null);
  const hp = (h: Hyperparameter): Column => ({
    head: h.name,
    cell: (t) => {
      const v = t.values[h.name];
      return v === undefined ? { text: '–', key: undefined } : { text: String(v), key: typeof v === 'number' ? v : String(v) };
    },
  });
  return [
    { head: 'trial', cell: (t) => num(t.number) },
    { head: 'status', cell: (t) => ({ text: t.status, key: t.status }) },
    { head: d.study.objective, cell: (t) => num(t.score, 4) },
    { head: 'best epoch', cell: (t) => num(t.bestEpoch) },
    { head: 'seconds', cell: (t) => num(t.seconds, 1) },
    ...(scheduled
      ? [
          { head: 'bracket', cell: (t: ReportTrial) => num(t.schedule?.bracket) },
          { head: 'round', cell: (t: ReportTrial) => num(t.schedule?.round) },
          { head: 'epochs', cell: (t: ReportTrial) => num(t.schedule?.epochs) },
        ]
      : []),
    ...d.hyperparameters.map(hp),
    { head: 'error', cell: (t) => ({ text: t.error ?? '', key: t.error ?? undefined }) },
  ];
}

export function trialTable(d: ReportData): string {
  const cols = columns(d);
  const head = cols.map((c, i) => `<th data-col="${i}" title="sort">${escapeHtml(c.head)}</th>`).join('');
  const rows = d.trials.map((t) => {
    const cells = cols.map((c) => {
      const { text, key } = c.cell(t);
      const attr = key === undefined ? '' : ` data-key="${escapeHtml(String(key))}"${typeof key === 'number' ? ' data-num' : ''}`;
      return `<td${attr}>${escapeHtml(text)}</td>`;
    });
    return `<tr class="${t.status}">${cells.join('')}</tr>`;
  });
  return `<table id="trials"><thead><tr>${head}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

/** Sorts the table by a clicked header, ascending then descending; absent values go last. */
export const SORT_SCRIPT = `<script>
(() => {
  const table = document.getElementById('trials');
  let by = -1, up = true;
  table.tHead.addEventListener('click', (e) => {
    const th = e.target.closest('th'); if (!th) return;
    const col = Number(th.dataset.col); up = col === by ? !up : true; by = col;
    const key = (tr) => tr.cells[col];
    const rows = [...table.tBodies[0].rows].sort((a, b) => {
      const x = key(a), y = key(b);
      if (!x.hasAttribute('data-key') || !y.hasAttribute('data-key')) return x.hasAttribute('data-key') ? -1 : y.hasAttribute('data-key') ? 1 : 0;
      const c = x.hasAttribute('data-num') ? Number(x.dataset.key) - Number(y.dataset.key) : x.dataset.key.localeCompare(y.dataset.key);
      return up ? c : -c;
    });
    table.tBodies[0].append(...rows);
    for (const h of table.tHead.rows[0].cells) h.removeAttribute('aria-sort');
    th.setAttribute('aria-sort', up ? 'ascending' : 'descending');
  });
})();
</script>`;

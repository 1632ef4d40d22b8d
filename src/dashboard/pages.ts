/**
 * The dashboard's HTML: the study list, and a study's page, which holds the report's figures
 * and a small script that follows the study's events and redraws them when its trials change.
 */
import type { StudyState } from './state.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
nav { margin-bottom: 12px; color: #555; }
table.studies { border-collapse: collapse; }
table.studies th, table.studies td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; }
</style>`;

/**
 * The page's policy: scripts and styles of its own only, requests back to this server only.
 * The report's own policy forbids every request, which the live script needs; so the report's
 * document is not served as it is, only its style and body.
 */
export const PAGE_POLICY = "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

export function studyListPage(studies: readonly StudyState[], where: string): string {
  const rows = studies.map(
    (s) =>
      `<tr data-study="${escapeHtml(s.name)}"><td><a href="/studies/${encodeURIComponent(s.name)}">${escapeHtml(s.name)}</a></td>` +
      `<td>${s.trials}</td><td>${s.complete}</td><td>${s.running}</td>` +
      `<td>${escapeHtml(s.objective)} (${s.direction})</td><td>${escapeHtml(s.createdAt)}</td></tr>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tune dashboard</title>${STYLE}</head>
<body><h1>tune dashboard</h1>
<nav>${escapeHtml(where)}: ${studies.length} ${studies.length === 1 ? 'study' : 'studies'}</nav>
<table class="studies"><thead><tr><th>study</th><th>trials</th><th>complete</th><th>running</th><th>objective</th><th>created</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>
</body></html>
`;
}

/** The style and body of a report document, as renderReport writes it. */
export function reportParts(doc: string): { style: string; body: string } {
  const style = /<style>[\s\S]*?<\/style>/.exec(doc)?.[0] ?? '';
  const body = /<body>([\s\S]*)<\/body>/.exec(doc)?.[1] ?? doc;
  return { style, body };
}

/**
 * Follows the study's events; the counts change at once, the figures after a fetch of the
 * report's body. Scripts in a body set by innerHTML do not run, so the table's sorting script
 * is put back as a new element.
 */
const LIVE_SCRIPT = `<script>
(() => {
  const root = document.getElementById('report');
  const count = document.getElementById('trial-count');
  const complete = document.getElementById('complete-count');
  const live = document.getElementById('live');
  let shown = root.dataset.signature, fetching = false, again = false;
  const events = new EventSource(root.dataset.events);
  const redraw = async () => {
    // An event during a fetch asks for one more, which then reads the newest trials.
    if (fetching) { again = true; return; }
    fetching = true;
    try {
      const r = await fetch(location.pathname + '?part=report', { cache: 'no-store' });
      if (!r.ok) return;
      root.innerHTML = await r.text();
      shown = r.headers.get('x-tune-signature') || shown;
      root.dataset.signature = shown;
      for (const old of root.querySelectorAll('script')) {
        const s = document.createElement('script'); s.textContent = old.textContent; old.replaceWith(s);
      }
    } finally { fetching = false; }
    if (again) { again = false; redraw(); }
  };
  events.onmessage = (e) => {
    const s = JSON.parse(e.data);
    count.textContent = String(s.trials); complete.textContent = String(s.complete);
    live.textContent = 'live, ' + s.running + ' running, checked ' + new Date().toLocaleTimeString();
    if (s.signature !== shown) redraw();
  };
  events.onerror = () => { live.textContent = 'disconnected, retrying'; };
})();
</script>`;

export function studyPage(state: StudyState, report: { style: string; body: string }): string {
  const name = escapeHtml(state.name);
  const events = `/api/studies/${encodeURIComponent(state.name)}/events`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tune dashboard: study ${name}</title>${STYLE}${report.style}</head>
<body><nav><a href="/">all studies</a> · study ${name}: <span id="trial-count">${state.trials}</span> trials,
<span id="complete-count">${state.complete}</span> complete · <span id="live">connecting</span></nav>
<div id="report" data-signature="${state.signature}" data-events="${escapeHtml(events)}">
${report.body}
</div>
${LIVE_SCRIPT}
</body></html>
`;
}

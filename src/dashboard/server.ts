/**
 * The dashboard's HTTP server over one storage. It only reads: every method but GET and HEAD
 * is refused with 405 before anything is read, and no route writes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { StudyRecord } from '../domain/study.js';
import type { Storage } from '../storage/storage.js';
import { PAGE_POLICY, reportParts, studyListPage, studyPage } from './pages.js';
import { studyState, type StudyState } from './state.js';

/** How often an events stream reads its study's trials. */
export const POLL_MS = 1000;

export interface DashboardOptions {
  storage: Storage;
  /** The storage as the user named it, shown on the study list. */
  where: string;
  /** The report's HTML document of a study, as `tune report` writes it. */
  report: (study: StudyRecord) => Promise<string>;
  /** Told of a request that failed inside the server (a bug or a storage error). */
  log: (line: string) => void;
}

interface Cached {
  signature: string;
  parts: Promise<{ style: string; body: string }>;
}

class NotFound extends Error {}

export function createDashboard(o: DashboardOptions): Server {
  // A study's figures are drawn again only when its trials' statuses or scores change.
  const cache = new Map<string, Cached>();

  const study = async (name: string): Promise<StudyRecord> => {
    const s = await o.storage.findStudy(name);
    if (!s) throw new NotFound(`study "${name}" does not exist`);
    return s;
  };
  const stateOf = async (s: StudyRecord): Promise<StudyState> => studyState(s, await o.storage.trials(s.id));
  const figures = (s: StudyRecord, state: StudyState): Promise<{ style: string; body: string }> => {
    const hit = cache.get(s.name);
    if (hit && hit.signature === state.signature) return hit.parts;
    const parts = o.report(s).then(reportParts);
    cache.set(s.name, { signature: state.signature, parts });
    parts.catch(() => cache.delete(s.name));
    return parts;
  };

  const routes: [RegExp, (res: ServerResponse, m: string[], url: URL, req: IncomingMessage) => Promise<void>][] = [
    [
      /^\/$/,
      async (res) => {
        const states = await Promise.all((await o.storage.listStudies()).map(stateOf));
        send(res, 200, 'text/html; charset=utf-8', studyListPage(states, o.where));
      },
    ],
    [
      /^\/api\/studies\/?$/,
      async (res) => {
        const states = await Promise.all((await o.storage.listStudies()).map(stateOf));
        json(res, 200, states);
      },
    ],
    [
      /^\/api\/studies\/([^/]+)\/trials\/?$/,
      async (res, m) => {
        const s = await study(m[0]!);
        json(res, 200, await o.storage.trials(s.id));
      },
    ],
    [/^\/api\/studies\/([^/]+)\/events\/?$/, async (res, m, _url, req) => events(res, req, await study(m[0]!))],
    [
      /^\/studies\/([^/]+)\/?$/,
      async (res, m, url) => {
        const s = await study(m[0]!);
        const state = await stateOf(s);
        const parts = await figures(s, state);
        if (url.searchParams.get('part') === 'report') {
          res.setHeader('X-Tune-Signature', state.signature);
          send(res, 200, 'text/html; charset=utf-8', parts.body);
        } else {
          send(res, 200, 'text/html; charset=utf-8', studyPage(state, parts));
        }
      },
    ],
  ];

  /** Server-sent events: the study's state now, then each time it changes. */
  const events = async (res: ServerResponse, req: IncomingMessage, s: StudyRecord): Promise<void> => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.write(`retry: ${POLL_MS}\n\n`);
    let last = '';
    let polling = false;
    const poll = async (): Promise<void> => {
      if (polling) return;
      polling = true;
      try {
        const state = await stateOf(s);
        const line = JSON.stringify(state);
        if (line !== last) res.write(`data: ${line}\n\n`);
        last = line;
      } catch (err) {
        o.log(`events of study "${s.name}": ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        polling = false;
      }
    };
    const timer = setInterval(() => void poll(), POLL_MS);
    res.on('close', () => clearInterval(timer));
    await poll();
  };

  return createServer((req, res) => {
    res.setHeader('Content-Security-Policy', PAGE_POLICY);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      json(res, 405, { error: `method ${req.method ?? '?'} not allowed: the dashboard is read-only (GET and HEAD only)` });
      req.resume();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://dashboard');
    void (async () => {
      for (const [pattern, handle] of routes) {
        const m = pattern.exec(url.pathname);
        if (!m) continue;
        let names: string[];
        try {
          names = m.slice(1).map((p) => decodeURIComponent(p));
        } catch {
          json(res, 400, { error: `bad path ${url.pathname}` });
          return;
        }
        await handle(res, names, url, req);
        return;
      }
      json(res, 404, { error: `no such page: ${url.pathname}` });
    })().catch((err: unknown) => {
      if (err instanceof NotFound) {
        json(res, 404, { error: err.message });
        return;
      }
      o.log(`${req.method} ${url.pathname}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (!res.headersSent) json(res, 500, { error: 'internal error; see the dashboard process stderr' });
      else res.end();
    });
  });
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', `${JSON.stringify(value)}\n`);
}

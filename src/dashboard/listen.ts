import type { Server } from 'node:net';
import { InputError } from '../errors.js';

/** The address a browser opens, with an IPv6 host in brackets. */
export function dashboardUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
}

/**
 * Listens on host:port and resolves with the port it got (port 0 picks a free one). A port in
 * use, one this user may not bind, or a host that is not this machine's is bad input.
 */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException): void => {
      const why: Record<string, string> = {
        EADDRINUSE: `is in use on ${host}; pass another --port, or --port 0 for a free one`,
        EACCES: `may not be opened by this user on ${host} (ports below 1024 need privileges); pass another --port`,
        EADDRNOTAVAIL: `cannot be opened: --host ${host} is not an address of this machine`,
        ENOTFOUND: `cannot be opened: --host ${host} does not resolve`,
        EAI_AGAIN: `cannot be opened: --host ${host} does not resolve`,
      };
      const what = why[err.code ?? ''];
      if (what === undefined) reject(err);
      else reject(new InputError('command line', '--port', `${port} ${what} (${err.code})`));
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

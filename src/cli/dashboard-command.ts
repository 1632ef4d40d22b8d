import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { InputError } from '../errors.js';
import { shownLocation, type StorageLocation } from '../storage/location.js';
import type { Storage } from '../storage/storage.js';
import { intFlag } from './parse.js';
import { storageLocation, storageOptions } from './storage-flag.js';

interface DashboardFlags {
  db?: string;
  storage?: string;
  port: number;
  host: string;
}

export const DEFAULT_PORT = 8080;
/** Loopback only: the dashboard shows a study to whoever reaches the port, and asks no password. */
export const DEFAULT_HOST = '127.0.0.1';

export function registerDashboard(program: Command): void {
  storageOptions(
    program
      .command('dashboard')
      .description("a local, read-only web server of the storage's studies and their report figures, updated live while `tune run` works"),
    'to read',
  )
    .option('--port <n>', 'the TCP port to listen on (0: a free one, printed)', intFlag('--port', 0, 65535), DEFAULT_PORT)
    .option('--host <address>', 'the address to listen on (loopback by default; 0.0.0.0 shows the studies to the network)', DEFAULT_HOST)
    .action(async (flags: DashboardFlags) => {
      if (flags.host.trim() === '') throw new InputError('command line', '--host', 'must name an address, got ""');
      const location = storageLocation(flags);
      const where = shownLocation(location);
      const storage = await openReading(location);
      try {
        await serve(storage, where, flags);
      } finally {
        await storage.close();
      }
    });
}

/**
 * Opened read-only, so that nothing the server does can write: a SQLite file by its read-only
 * open, a PostgreSQL database in sessions that the server keeps read-only.
 */
async function openReading(location: StorageLocation): Promise<Storage> {
  if (location.kind === 'postgresql') {
    const { PostgresStorage } = await import('../storage/postgres/postgres.js');
    return await PostgresStorage.openReadOnly(location.url);
  }
  if (!existsSync(location.path)) throw new InputError(location.path, 'file', 'does not exist; run `tune run SPACE.json` first (or pass --db or --storage)');
  const { SqliteStorage } = await import('../storage/sqlite.js');
  return await SqliteStorage.openReadOnly(location.path, (line) => process.stderr.write(`tune: ${line}\n`));
}

/** Serves until SIGINT or SIGTERM, then closes every connection (event streams stay open otherwise). */
async function serve(storage: Storage, where: string, flags: DashboardFlags): Promise<void> {
  const { createDashboard } = await import('../dashboard/server.js');
  const { dashboardUrl, listen } = await import('../dashboard/listen.js');
  const { gatherReport } = await import('./report-command.js');
  const { renderReport } = await import('../report/html.js');
  const server = createDashboard({
    storage,
    where,
    report: async (study) => renderReport(await gatherReport(storage, study, where)),
    log: (line) => process.stderr.write(`tune: dashboard: ${line}\n`),
  });
  const port = await listen(server, flags.port, flags.host);
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  process.stdout.write(`tune dashboard: ${dashboardUrl(flags.host, port)} (read-only, ${where}; Ctrl-C stops)\n`);
  await stopped;
  process.stdout.write('tune dashboard: stopped\n');
}

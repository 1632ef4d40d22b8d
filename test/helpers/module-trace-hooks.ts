import { appendFileSync } from 'node:fs';

/**
 * A module load hook (registered by module-trace-register) that appends the npm package of
 * every ES module a thread loads, one line each, to the file TUNE_MODULE_TRACE names.
 */
export async function load(url: string, context: unknown, next: (url: string, context: unknown) => Promise<unknown>): Promise<unknown> {
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  if (pkg) appendFileSync(process.env['TUNE_MODULE_TRACE']!, `${pkg}\n`);
  return next(url, context);
}

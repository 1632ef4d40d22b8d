import { appendFileSync } from 'node:fs';

/**
 * A module load hook (registered by module-trace-register) that appends `esm <package>` to the
 * file TUNE_MODULE_TRACE names for every ES module loaded from an npm package. It runs on the
 * loader's own thread, so it cannot say which thread asked.
 */
export async function load(url: string, context: unknown, next: (url: string, context: unknown) => Promise<unknown>): Promise<unknown> {
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  if (pkg) appendFileSync(process.env['TUNE_MODULE_TRACE']!, `esm ${pkg}\n`);
  return next(url, context);
}

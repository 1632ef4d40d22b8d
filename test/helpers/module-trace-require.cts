import { appendFileSync } from 'node:fs';
import Module from 'node:module';
import { threadId } from 'node:worker_threads';

/*
 * Given to node with --require, which runs it in every thread before anything else (piscina's
 * workers inherit it): appends `<threadId> <package>` to TUNE_MODULE_TRACE for each npm package
 * that CommonJS code requires. tfjs is CommonJS; its package requires its parts (tfjs-core ...).
 */
type Load = (request: string, ...rest: unknown[]) => unknown;
const loader = Module as unknown as { _load: Load };
const original = loader._load;
loader._load = function (this: unknown, request: string, ...rest: unknown[]) {
  const pkg = /^((?:@[^/]+\/)?[^/.][^/]*)/.exec(request)?.[1];
  if (pkg && !request.startsWith('node:')) appendFileSync(process.env['TUNE_MODULE_TRACE']!, `${threadId} ${pkg}\n`);
  return original.call(this, request, ...rest);
};

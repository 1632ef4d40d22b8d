import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Makes `dir` and the folders above it that are missing, one at a time: Node 20's recursive
 * mkdir spins forever where the kernel answers ENOENT to a mkdir under a folder that exists
 * (/proc). A link to a folder counts as the folder. Throws the system's error (ENOENT, EACCES),
 * or ENOTDIR where a part of the path is a file.
 */
export function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let at = resolve(dir); ; at = dirname(at)) {
    const st = statSync(at, { throwIfNoEntry: false });
    if (st?.isDirectory()) break;
    if (st) throw Object.assign(new Error(`ENOTDIR: ${at} is not a folder`), { code: 'ENOTDIR', path: at });
    missing.push(at);
    if (dirname(at) === at) break;
  }
  for (const folder of missing.reverse()) mkdirSync(folder);
}

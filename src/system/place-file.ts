import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * The name a file is written under before it is renamed into place: beside it (a rename across
 * file systems is not atomic), hidden, and named by this process, so that a later run can tell a
 * dead process's leftovers from a live one's.
 */
export function temporaryBeside(path: string, name = basename(path)): string {
  return join(dirname(path), `.${name}.${process.pid}.tmp`);
}

/**
 * Writes a file through a temporary one and a rename, so that a reader never sees half of it.
 * `beforeRename` runs last, to prove the place again: it may have changed while the bytes were
 * written. On any failure the temporary file is removed and the error rethrown as it came.
 */
export async function placeWritten(
  path: string,
  write: (tmp: string) => void | Promise<void>,
  beforeRename: () => void,
  tmp = temporaryBeside(path),
): Promise<void> {
  try {
    await write(tmp);
    beforeRename();
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** placeWritten for bytes in hand, without waiting: the temporary file must not exist yet. */
export function placeFile(path: string, bytes: string | Uint8Array, beforeRename: () => void, tmp = temporaryBeside(path)): void {
  try {
    writeFileSync(tmp, bytes, { flag: 'wx' });
    beforeRename();
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

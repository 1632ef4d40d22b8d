import type { Stats } from 'node:fs';

/**
 * What kind of thing a path is, in words for a one-line error: "a directory", "a character
 * device"... The writers and the loaders of model files both refuse anything that is not a
 * regular file, and say which kind they found. Returns "a regular file" for a regular file.
 */
export function fileKind(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

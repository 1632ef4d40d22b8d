/**
 * Puts a report in place without touching anything that is not tune's: the path is absent, or
 * a regular file that carries REPORT_MARK near its start. The document goes to a temporary file
 * beside it first and is renamed over the path, so that a reader never sees half a report.
 */
import { closeSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { InputError, reason, writeFailure } from '../errors.js';
import { placeFile } from '../system/place-file.js';
import { fileKind } from '../system/file-kind.js';
import { REPORT_MARK } from './report.js';

/** How far into a file the mark is looked for: the head of a report holds it. */
const HEAD_BYTES = 4096;

/**
 * Throws InputError unless `path` can take a report: an empty name, anything not a regular
 * file (a directory, a link, a device), or a file without the mark. Never writes. Called
 * before the study is read, and again just before the rename.
 */
export function checkReportTarget(path: string): void {
  if (path.trim() === '') throw new InputError('command line', '--out', 'is empty; give the path of the HTML file to write');
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return;
    throw new InputError(path, 'file', `cannot be written (${reason(err)})`);
  }
  if (!st.isFile()) throw new InputError(path, 'file', `is ${fileKind(st)}; tune report writes only regular files of its own`);
  const head = Buffer.alloc(HEAD_BYTES);
  let read = 0;
  try {
    const fd = openSync(path, 'r');
    try {
      read = readSync(fd, head, 0, HEAD_BYTES, 0);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new InputError(path, 'file', `cannot be read (${reason(err)})`);
  }
  if (!head.subarray(0, read).toString('utf8').includes(REPORT_MARK))
    throw new InputError(
      path,
      'file',
      'already exists and is not a report that tune wrote (no tune mark in its head); remove it yourself or pass another --out',
    );
}

/** Writes `html` at `path` through a temporary file and a rename; returns the bytes written. */
export function writeReport(path: string, html: string): number {
  checkReportTarget(path);
  try {
    placeFile(path, html, () => checkReportTarget(path));
  } catch (err) {
    throw writeFailure(path, err);
  }
  return Buffer.byteLength(html);
}

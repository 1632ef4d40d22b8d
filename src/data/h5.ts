import fs, { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import h5wasm from 'h5wasm/node';
import { InputError, reason } from '../errors.js';

export type H5File = InstanceType<typeof h5wasm.File>;
export type H5Dataset = InstanceType<typeof h5wasm.Dataset>;

/** HDF5's type classes, as h5wasm reports them in `metadata.type`. */
export const H5T_INTEGER = 0;
export const H5T_FLOAT = 1;
export const H5T_ENUM = 8;

let ready: Promise<unknown> | undefined;

/** Loads the HDF5 library once per thread; every other function here awaits it. */
export async function h5ready(): Promise<void> {
  ready ??= h5wasm.ready;
  await ready;
}

/**
 * Opens an existing HDF5 file for reading. Throws InputError when the file is missing, is a
 * folder, is empty or is not HDF5 (h5wasm itself only reports a negative id or throws).
 */
export async function openForRead(path: string): Promise<H5File> {
  await h5ready();
  if (!existsSync(path)) throw new InputError(path, 'file', 'does not exist');
  const st = statSync(path);
  if (st.isDirectory()) throw new InputError(path, 'file', 'is a folder, not an HDF5 file');
  if (st.size === 0) throw new InputError(path, 'file', 'is empty (0 bytes)');
  const { value: file, diagnostic } = quietly(() => {
    try {
      return new h5wasm.File(resolve(path), 'r');
    } catch (err) {
      return err;
    }
  });
  if (!(file instanceof h5wasm.File) || file.file_id < 0n) {
    const why = diagnostic ?? (file instanceof h5wasm.File ? undefined : reason(file));
    const cut = why?.match(/truncated file: eof = (\d+).*stored_eof = (\d+)/);
    if (cut) {
      const [have, want] = [Number(cut[1]), Number(cut[2])];
      throw new InputError(path, 'file', `is truncated: ${have} bytes, but its HDF5 superblock records ${want} (${want - have} bytes missing)`);
    }
    throw new InputError(path, 'file', `is not a readable HDF5 file${why ? ` (${why})` : ''}`);
  }
  return file;
}

/** What `quietly` saw while its function ran. */
export interface Quiet<T> {
  value: T;
  /** The innermost message of the HDF5 error stack printed meanwhile, if one was. */
  diagnostic?: string;
  /** Files other than `onlyFile` that the library tried to open (and was refused). */
  foreign: string[];
}

/**
 * Runs synchronous h5wasm calls with the HDF5 library's own error stack (which it writes
 * straight to file descriptor 2, many lines long) held back, so that bad input still gets the
 * contract's single line. With `onlyFile`, the library may open no other file meanwhile: a
 * dataset with external storage or virtual sources would otherwise read any file the HDF5
 * file names, and HDF5 fills a short or missing one with zeros without an error. Such an
 * open fails as EACCES inside the library and is reported in `foreign`.
 */
export function quietly<T>(fn: () => T, onlyFile?: string): Quiet<T> {
  const original = fs.writeSync;
  const originalOpen = fs.openSync;
  const foreign: string[] = [];
  let text = '';
  if (onlyFile !== undefined) {
    const allowed = resolve(onlyFile);
    fs.openSync = function (this: unknown, file: fs.PathLike, ...rest: unknown[]) {
      if (resolve(String(file)) !== allowed) {
        foreign.push(String(file));
        // A `code` makes Emscripten's file layer turn this into an errno that HDF5 handles.
        throw Object.assign(new Error(`tune refuses to open ${String(file)}`), { code: 'EACCES' });
      }
      return (originalOpen as (...args: unknown[]) => number).call(fs, file, ...rest);
    } as typeof fs.openSync;
  }
  fs.writeSync = function (this: unknown, fd: number, buffer: unknown, ...rest: unknown[]) {
    if (fd !== 2) return (original as (...args: unknown[]) => number).call(fs, fd, buffer, ...rest);
    if (typeof buffer === 'string') {
      text += buffer;
      return Buffer.byteLength(buffer);
    }
    const view = buffer as ArrayBufferView;
    const offset = typeof rest[0] === 'number' ? rest[0] : 0;
    const length = typeof rest[1] === 'number' ? rest[1] : view.byteLength - offset;
    text += Buffer.from(view.buffer, view.byteOffset + offset, length).toString('utf8');
    return length;
  } as typeof fs.writeSync;
  try {
    const value = fn();
    const messages = [...text.matchAll(/in [\w.]+\(\): (.+)$/gm)].map((m) => m[1]!.trim());
    const diagnostic = messages.at(-1);
    return diagnostic === undefined ? { value, foreign } : { value, diagnostic, foreign };
  } finally {
    fs.writeSync = original;
    fs.openSync = originalOpen;
  }
}

/**
 * The system errors that the library's file writes met while a file was open for writing. HDF5
 * reports a failed write (a full disk) only on stderr and then returns success, so that a
 * truncated file would be renamed into place as if whole; closeWritten throws the first one.
 */
const writeErrors: NodeJS.ErrnoException[] = [];
let openWriters = 0;
let tracking = false;

function trackWrites(): void {
  if (tracking) return;
  tracking = true;
  const original = fs.writeSync;
  fs.writeSync = function (this: unknown, fd: number, ...rest: unknown[]) {
    // HDF5's account of a failed write (a page of stack on stderr) is left out: closeWritten
    // reports the failure in tune's one line.
    if (fd === 2 && openWriters > 0 && writeErrors.length > 0) return byteLength(rest);
    try {
      return (original as (...args: unknown[]) => number).call(fs, fd, ...rest);
    } catch (err) {
      // stdin, stdout and stderr are tune's own (a closed pipe there is its own fault).
      if (openWriters > 0 && fd > 2) writeErrors.push(err as NodeJS.ErrnoException);
      throw err;
    }
  } as typeof fs.writeSync;
}

/** The length of what fs.writeSync(fd, ...rest) would write: a string, or a buffer with its offset and length. */
function byteLength(rest: unknown[]): number {
  const [data, offset, length] = rest;
  if (typeof data === 'string') return Buffer.byteLength(data);
  const view = data as ArrayBufferView;
  return typeof length === 'number' ? length : view.byteLength - (typeof offset === 'number' ? offset : 0);
}

const marks = new WeakMap<H5File, number>();

/** Creates (truncates) an HDF5 file for writing; the caller writes to a temporary name and ends with closeWritten. */
export async function openForWrite(path: string): Promise<H5File> {
  await h5ready();
  trackWrites();
  const file = new h5wasm.File(resolve(path), 'w');
  marks.set(file, writeErrors.length);
  openWriters++;
  return file;
}

/**
 * Closes a file from openForWrite, and throws the first system error (ENOSPC, EIO) that a write
 * to it met, naming `path` (the file the user asked for, not the temporary one) where it names none.
 */
export function closeWritten(file: H5File, path: string): void {
  const mark = marks.get(file);
  if (mark === undefined) throw new Error('closeWritten: the file was not opened by openForWrite');
  marks.delete(file);
  const status = file.close();
  const failed = writeErrors[mark];
  if (--openWriters === 0) writeErrors.length = 0;
  if (failed) throw Object.assign(failed, { path: failed.path ?? path });
  if (typeof status === 'number' && status < 0) throw new Error(`HDF5 could not close the file (status ${status})`);
}

/** Closes a file from openForWrite that is being abandoned: whatever its writes met no longer matters. */
export function abandonWritten(file: H5File): void {
  if (!marks.delete(file)) return;
  file.close();
  if (--openWriters === 0) writeErrors.length = 0;
}

/** A dataset at `name`, or InputError naming the file and the missing path. */
export function requireDataset(file: H5File, path: string, name: string): H5Dataset {
  let entity: unknown;
  try {
    entity = file.get(name);
  } catch (err) {
    throw new InputError(path, `/${name}`, `cannot be read (${reason(err)})`);
  }
  if (!(entity instanceof h5wasm.Dataset)) {
    throw new InputError(path, `/${name}`, entity == null ? 'dataset is missing' : 'is not a dataset');
  }
  return entity;
}

/** A string or string-list attribute, or undefined when absent or of another type. */
export function stringAttr(file: H5File, name: string): string | string[] | undefined {
  const attr = file.attrs[name];
  if (attr === undefined) return undefined;
  const value = attr.json_value;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return undefined;
}

/** A numeric attribute, or undefined when absent or of another type. */
export function numberAttr(file: H5File, name: string): number | undefined {
  const value = file.attrs[name]?.json_value;
  if (typeof value === 'number') return value;
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'number') return value[0];
  return undefined;
}

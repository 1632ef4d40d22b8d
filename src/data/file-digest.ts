import { Worker } from 'node:worker_threads';
import type { HashReply, HashRequest } from './hash-messages.js';

export interface FileDigest {
  size: number;
  /** sha256 of the bytes, in hex. */
  sha256: string;
}

/*
 * Hashing runs on a thread of its own: on the main thread it took 0.09 s of a one-trial run's
 * start-up (three splits), serially with reading the features; there it overlaps that reading
 * on the other core.
 */
let hasher: Worker | undefined;
let nextId = 0;
const pending = new Map<number, { path: string; resolve: (d: FileDigest) => void; reject: (e: Error) => void }>();

function start(): Worker {
  const worker = new Worker(new URL('./hash-thread.js', import.meta.url));
  worker.on('message', (reply: HashReply) => {
    const job = pending.get(reply.id)!;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if (reply.error === undefined) job.resolve({ size: reply.size, sha256: reply.sha256 });
    else job.reject(Object.assign(new Error(reply.error.message), { ...reply.error, path: job.path }));
  });
  // A hasher that dies (out of memory, say) fails what it held; the next digest starts another.
  worker.on('error', (err) => fail(worker, err));
  worker.on('exit', (code) => fail(worker, new Error(`the hashing thread exited (code ${code})`)));
  return worker;
}

function fail(worker: Worker, err: Error): void {
  if (hasher !== worker) return;
  hasher = undefined;
  for (const job of pending.values()) job.reject(err);
  pending.clear();
}

/**
 * The size and sha256 of a file's bytes, streamed (never the whole file in memory) on the
 * hashing thread. Called by `tune run` and `tune best` on the data files of a study. Throws
 * the system's error (ENOENT, EIO) with the path on it.
 */
export function digestFile(path: string): Promise<FileDigest> {
  hasher ??= start();
  // Held only while it works, so that an idle hasher never keeps the process alive.
  hasher.ref();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { path, resolve, reject });
    hasher!.postMessage({ id, path } satisfies HashRequest);
  });
}

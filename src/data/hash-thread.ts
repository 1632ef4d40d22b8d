/** The hashing thread of file-digest.ts: streams each file it is sent and answers its sha256. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { CHUNK_BYTES, type HashReply, type HashRequest } from './hash-messages.js';

parentPort!.on('message', async ({ id, path }: HashRequest) => {
  let reply: HashReply;
  try {
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
    reply = { id, size, sha256: hash.digest('hex') };
  } catch (err) {
    const { message, code, errno, syscall } = err as NodeJS.ErrnoException;
    reply = {
      id,
      error: { message, ...(code !== undefined ? { code } : {}), ...(errno !== undefined ? { errno } : {}), ...(syscall !== undefined ? { syscall } : {}) },
    };
  }
  parentPort!.postMessage(reply);
});

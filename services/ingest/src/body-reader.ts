import type { IncomingMessage } from 'node:http';
import { gunzip } from 'node:zlib';

export class BodyTooLargeError extends Error {
  constructor(
    readonly limit: number,
    readonly stage: 'compressed' | 'decompressed',
  ) {
    super(`request body exceeds ${limit} bytes (${stage})`);
    this.name = 'BodyTooLargeError';
  }
}

export class BadBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadBodyError';
  }
}

/** A request body as the chunks it arrived in, in order. */
export type BodyChunks = readonly Buffer[];

/** Bytes in a body, whole or in chunks. */
export function bodyLength(body: Buffer | BodyChunks): number {
  if (Buffer.isBuffer(body)) return body.length;
  let n = 0;
  for (const chunk of body) n += chunk.length;
  return n;
}

/**
 * Reads a request body up to `maxBytes`; stops reading (and rejects) as soon as the limit is
 * passed. Resolves to the chunks as they arrived: they are not joined into one buffer, since the
 * protobuf transcoder copies them into its own arena anyway (joining cost a buffer of the body's
 * size per request, and its share of garbage collection).
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyChunks> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(new BodyTooLargeError(maxBytes, 'compressed'));
  return new Promise<BodyChunks>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        req.pause();
        reject(new BodyTooLargeError(maxBytes, 'compressed'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks);
    });
    req.on('error', (error) => {
      if (!failed) reject(error);
    });
  });
}

/** Gunzips with a hard cap on the output size (gzip-bomb guard). */
export function gunzipLimited(body: BodyChunks, maxOutputBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gunzip(body.length === 1 ? (body[0] as Buffer) : Buffer.concat(body), { maxOutputLength: maxOutputBytes }, (error, result) => {
      if (!error) return resolve(result);
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
        return reject(new BodyTooLargeError(maxOutputBytes, 'decompressed'));
      }
      reject(new BadBodyError(`invalid gzip body: ${error.message}`));
    });
  });
}

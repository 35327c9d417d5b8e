/**
 * Errors crossing the unpack worker's thread boundary (its result, the auth relay's answers): a structured clone
 * keeps only a plain object, so the kind that decides the gRPC status (RuntimeError's kind, an HTTP status, the
 * unpacker's LayerError / TarFormatError, zlib and errno codes) travels as fields and is rebuilt on the other side.
 */
import { RuntimeError, type ErrorKind } from '../errors.js';
import { LayerError } from './layer-paths.js';
import { TarFormatError } from './tar/format.js';
import { HttpStatusError } from './pull/errors.js';
import type { BlobDigest } from './blob-tee.js';

export type WorkerError = { name: string; message: string; code?: string; kind?: ErrorKind; status?: number; blob?: BlobDigest };

export function toWorkerError(e: unknown, blob?: BlobDigest): WorkerError {
  const err = e as NodeJS.ErrnoException | undefined;
  return {
    name: err?.name ?? 'Error', message: err?.message ?? String(e),
    ...(err?.code !== undefined ? { code: String(err.code) } : {}),
    ...(e instanceof RuntimeError ? { kind: e.kind } : {}),
    ...(e instanceof HttpStatusError ? { status: e.status } : {}),
    ...(blob ? { blob } : {}),
  };
}

export function fromWorkerError(e: WorkerError): Error {
  let err: Error;
  if (e.kind !== undefined) err = new RuntimeError(e.kind, e.message);
  else if (e.status !== undefined) err = new HttpStatusError(e.status, e.message);
  else if (e.name === 'LayerError') err = new LayerError(e.message);
  else if (e.name === 'TarFormatError') err = new TarFormatError(e.message);
  else err = new Error(e.message);
  if (e.code !== undefined) (err as NodeJS.ErrnoException).code = e.code;
  if (e.blob) Object.defineProperty(err, 'wincriBlob', { value: e.blob, enumerable: false });
  return err;
}

/**
 * A call's status without an answer before it: one HEADERS block that ends the stream (a trailers-only response),
 * with the fields and order grpc-js 1.14's server sends (server-interceptors.js sendStatus, metadata not sent),
 * and an error turned into a status as grpc-js turns a handler's error (server-call.js serverErrorToStatus).
 */
import type { ServerHttp2Stream } from 'node:http2';
import { status as Status, type Metadata } from '@grpc/grpc-js';

export interface CallStatus { code: number; details: string; metadata?: Metadata | null }

export function errorToStatus(error: unknown): CallStatus {
  const e = (error ?? {}) as { code?: unknown; details?: unknown; message?: unknown; metadata?: Metadata | null };
  const s: CallStatus = { code: Status.UNKNOWN, details: 'message' in e ? String(e.message) : 'Unknown Error', metadata: e.metadata ?? null };
  if (typeof e.code === 'number' && Number.isInteger(e.code)) {
    s.code = e.code;
    if (typeof e.details === 'string') s.details = e.details;
  }
  return s;
}

/** Sends `s` as a trailers-only response; nothing when the stream has answered or gone. */
export function sendStatus(stream: ServerHttp2Stream, s: CallStatus): void {
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  const headers = {
    'grpc-status': s.code, 'grpc-message': encodeURI(s.details), ':status': 200, 'content-type': 'application/grpc+proto',
    ...s.metadata?.toHttp2Headers(),
  };
  try {
    stream.respond(headers, { endStream: true });
  } catch {
    // the stream went away in between: there is nobody to tell
  }
}

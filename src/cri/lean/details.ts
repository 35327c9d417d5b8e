/**
 * The details of a status the lean path makes itself for a failure inside the call, as grpc-js 1.14's server
 * words them (server.js handleUnary, server-interceptors.js): with GRPC_NODE_DEBUG_SEND_ERROR_DETAILS=true, read
 * once at load as grpc-js's environment.js reads it, they carry the error's message; otherwise a fixed text.
 */
export const SEND_ERROR_DETAILS = (process.env.GRPC_NODE_DEBUG_SEND_ERROR_DETAILS ?? 'false') === 'true';

/** The handler threw; deserializing the request or serializing the answer failed. */
export type Failure = 'threw' | 'deserialize' | 'serialize';

const messageOf = (e: unknown): unknown => (e as { message?: unknown } | null | undefined)?.message;

export function failureDetails(kind: Failure, error: unknown, send = SEND_ERROR_DETAILS): string {
  switch (kind) {
    case 'threw': return send ? `Server method handler threw error ${String(messageOf(error))}` : 'Unknown error';
    case 'deserialize': return send ? `Error deserializing request: ${String(messageOf(error))}` : 'Error deserializing request';
    case 'serialize': return send ? `Error serializing response: ${error instanceof Error ? error.message : String(error)}` : 'Error serializing response';
  }
}

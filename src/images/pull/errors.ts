/** Pull errors as domain errors (mapped to gRPC codes at the edge), plus the transient-error test for retries. */
import { RuntimeError, notFound, unavailable, errorMessage } from '../../errors.js';
import { PlatformError } from '../../platform/hresult.js';
import { platformFailureIn } from './platform-failure.js';

/** The registry refused our credentials (or we had none). No secret is ever part of the message. */
export const unauthenticated = (msg: string) => new RuntimeError('FailedPrecondition', msg);

/** An HTTP response we did not expect. */
export class HttpStatusError extends Error {
  constructor(readonly status: number, message: string) { super(message); this.name = 'HttpStatusError'; }
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN',
  'ERR_STREAM_PREMATURE_CLOSE', 'IDLE_TIMEOUT',
]);

/** 5xx (but 501), 408, 429, connection resets, timeouts and premature ends are worth another try. */
export function isTransient(e: unknown): boolean {
  if (e instanceof HttpStatusError) return (e.status >= 500 && e.status !== 501) || e.status === 408 || e.status === 429;
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code && TRANSIENT_CODES.has(code)) return true;
  const msg = (e as Error)?.message ?? '';
  return msg === 'aborted' || /socket hang up|premature close/i.test(msg);
}

export class IdleTimeoutError extends Error {
  readonly code = 'IDLE_TIMEOUT';
  constructor(ms: number) { super(`no data from the registry for ${Math.round(ms / 1000)} s`); }
}

/** The error a cancelled pull ends with: the abort reason when it is a domain error, else Cancelled. */
export function cancelledError(signal: AbortSignal): Error {
  const r = signal.reason as unknown;
  if (r instanceof RuntimeError) return r;
  return new RuntimeError('Cancelled', 'the pull was cancelled');
}

/** Maps a final transport/HTTP failure to a domain error (NotFound for 404, Unavailable otherwise); platform failures keep their HRESULT. */
export function toDomainError(e: unknown, what: string): Error {
  if (e instanceof RuntimeError) return e;
  if (e instanceof PlatformError) return platformFailureIn(e, what);
  if (e instanceof HttpStatusError) return e.status === 404 ? notFound(`${what}: ${e.message}`) : unavailable(`${what}: ${e.message}`);
  const code = (e as NodeJS.ErrnoException).code;
  return unavailable(`${what}: ${errorMessage(e)}${code && !errorMessage(e).includes(code) ? ` (${code})` : ''}`);
}

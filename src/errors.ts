/**
 * Domain errors. Everything below the gRPC edge throws these (or PlatformError); src/cri/errors.ts maps them to
 * gRPC status codes in one table. Messages are written for the person reading `crictl` output.
 */
export type ErrorKind =
  | 'NotFound' | 'InvalidArgument' | 'AlreadyExists' | 'FailedPrecondition' | 'DeadlineExceeded'
  | 'Unimplemented' | 'ResourceExhausted' | 'Unavailable' | 'Internal' | 'Cancelled';

export class RuntimeError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = `${kind}Error`;
    this.kind = kind;
  }
}

export const notFound = (msg: string) => new RuntimeError('NotFound', msg);
export const invalidArgument = (msg: string) => new RuntimeError('InvalidArgument', msg);
export const alreadyExists = (msg: string) => new RuntimeError('AlreadyExists', msg);
export const failedPrecondition = (msg: string) => new RuntimeError('FailedPrecondition', msg);
export const deadlineExceeded = (msg: string) => new RuntimeError('DeadlineExceeded', msg);
export const unimplemented = (msg: string) => new RuntimeError('Unimplemented', msg);
export const resourceExhausted = (msg: string) => new RuntimeError('ResourceExhausted', msg);
export const unavailable = (msg: string) => new RuntimeError('Unavailable', msg);
export const internal = (msg: string, cause?: unknown) => new RuntimeError('Internal', msg, { cause });

export function isRuntimeError(e: unknown, kind?: ErrorKind): e is RuntimeError {
  return e instanceof RuntimeError && (kind === undefined || e.kind === kind);
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

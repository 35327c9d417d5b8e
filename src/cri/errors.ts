/** One table: domain / platform errors → gRPC status. */
import { status as Status, Metadata, type ServiceError } from '@grpc/grpc-js';
import { RuntimeError, type ErrorKind } from '../errors.js';
import { PlatformError, HRESULT, type HResultName } from '../platform/hresult.js';
import { DocumentError } from '../platform/hcs/document/index.js';
import { HRESULT_ADVICE, PLATFORM_RETRY_ADVICE } from '../platform/hresult-advice.js';

const KIND: Record<ErrorKind, Status> = {
  NotFound: Status.NOT_FOUND,
  InvalidArgument: Status.INVALID_ARGUMENT,
  AlreadyExists: Status.ALREADY_EXISTS,
  FailedPrecondition: Status.FAILED_PRECONDITION,
  DeadlineExceeded: Status.DEADLINE_EXCEEDED,
  Unimplemented: Status.UNIMPLEMENTED,
  ResourceExhausted: Status.RESOURCE_EXHAUSTED,
  Unavailable: Status.UNAVAILABLE,
  Internal: Status.INTERNAL,
  Cancelled: Status.CANCELLED,
};

export const HRESULT_STATUS: Partial<Record<HResultName, Status>> = {
  HCS_E_SYSTEM_NOT_FOUND: Status.NOT_FOUND,
  ERROR_NOT_FOUND: Status.NOT_FOUND,
  ERROR_FILE_NOT_FOUND: Status.NOT_FOUND,
  ERROR_PATH_NOT_FOUND: Status.NOT_FOUND,
  HCN_E_NETWORK_NOT_FOUND: Status.NOT_FOUND,
  HCN_E_ENDPOINT_NOT_FOUND: Status.NOT_FOUND,
  HCS_E_SYSTEM_ALREADY_EXISTS: Status.ALREADY_EXISTS,
  ERROR_ALREADY_EXISTS: Status.ALREADY_EXISTS,
  HCN_E_NETWORK_ALREADY_EXISTS: Status.ALREADY_EXISTS,
  HCS_E_INVALID_STATE: Status.FAILED_PRECONDITION,
  HCS_E_SYSTEM_ALREADY_STOPPED: Status.FAILED_PRECONDITION,
  HCS_E_PROCESS_ALREADY_STOPPED: Status.FAILED_PRECONDITION,
  HCS_E_IMAGE_MISMATCH: Status.FAILED_PRECONDITION,
  HCS_E_INVALID_LAYER: Status.FAILED_PRECONDITION,
  ERROR_SHARING_VIOLATION: Status.FAILED_PRECONDITION,
  HCS_E_INVALID_JSON: Status.INVALID_ARGUMENT,
  HCN_E_INVALID_JSON: Status.INVALID_ARGUMENT,
  E_INVALIDARG: Status.INVALID_ARGUMENT,
  HCS_E_OPERATION_TIMEOUT: Status.DEADLINE_EXCEEDED,
  HCS_E_CONNECTION_TIMEOUT: Status.DEADLINE_EXCEEDED,
  HCS_E_ACCESS_DENIED: Status.PERMISSION_DENIED,
  E_ACCESSDENIED: Status.PERMISSION_DENIED,
  HCS_E_SERVICE_NOT_AVAILABLE: Status.UNAVAILABLE,
  HCS_E_SERVICE_DISCONNECT: Status.UNAVAILABLE,
  // The connection to the platform closed: the emulator client closed on purpose (its owner shutting down; the
  // service going away mid-call is SERVICE_DISCONNECT: emulator/connection-errors.ts), the guest connection on
  // Windows: transient like the two above (platform/transient.ts serviceAway), not Internal.
  HCS_E_CONNECTION_CLOSED: Status.UNAVAILABLE,
  HCN_E_MANAGER_STOPPED: Status.UNAVAILABLE,
  E_NOTIMPL: Status.UNIMPLEMENTED,
  HCN_E_PORT_ALREADY_EXISTS: Status.ALREADY_EXISTS,
  ERROR_NOT_ENOUGH_QUOTA: Status.RESOURCE_EXHAUSTED,
  ERROR_DISK_FULL: Status.RESOURCE_EXHAUSTED,
};
const BY_CODE = new Map<number, Status>(Object.entries(HRESULT_STATUS).map(([k, v]) => [HRESULT[k as HResultName] >>> 0, v!]));

/**
 * Failures of the container's own process creation that the caller's configuration causes (its command, its
 * working directory, its image): the code says so and the message says what to check. They take precedence over
 * the per-HRESULT table (ERROR_FILE_NOT_FOUND there means an object that does not exist: NotFound).
 */
const PROCESS_CAUSE = 'check the container\'s command/args and working_dir and the image\'s Entrypoint, Cmd and WorkingDir';
const CALLER_FAULTS: { operation: RegExp; hresults: HResultName[]; code: Status; hint: string }[] = [
  { operation: /CreateProcess$/, hresults: ['ERROR_FILE_NOT_FOUND', 'ERROR_PATH_NOT_FOUND'], code: Status.FAILED_PRECONDITION, hint: `the program to run was not found in the container; ${PROCESS_CAUSE}` },
  { operation: /CreateProcess$/, hresults: ['ERROR_BAD_EXE_FORMAT'], code: Status.FAILED_PRECONDITION, hint: `the program to run is not an executable for this host; ${PROCESS_CAUSE}` },
  { operation: /CreateProcess$|CreateContainerDirectory$/, hresults: ['ERROR_DIRECTORY'], code: Status.FAILED_PRECONDITION, hint: `the working directory is not a usable directory in the container; ${PROCESS_CAUSE}` },
  { operation: /^LogonUserW$/, hresults: ['ERROR_LOGON_FAILURE'], code: Status.FAILED_PRECONDITION, hint: 'the HostProcess container\'s run_as_username cannot log on on this host; use NT AUTHORITY\\SYSTEM, NT AUTHORITY\\Local service, NT AUTHORITY\\Network service, a local group, or a host user allowed to log on' },
];
const callerFault = (e: PlatformError) => CALLER_FAULTS.find((f) => f.operation.test(e.operation) && e.is(...f.hresults));

export function toStatusCode(e: unknown): Status {
  if (e instanceof RuntimeError) return KIND[e.kind];
  if (e instanceof PlatformError) return callerFault(e)?.code ?? BY_CODE.get(e.hresult) ?? Status.INTERNAL;
  if (e instanceof DocumentError) return Status.INVALID_ARGUMENT;
  if ((e as { code?: unknown })?.code === 'ENOSPC') return Status.RESOURCE_EXHAUSTED;
  return Status.INTERNAL;
}

export function toServiceError(e: unknown): Partial<ServiceError> {
  const code = toStatusCode(e);
  const fault = e instanceof PlatformError ? callerFault(e) : undefined;
  const message = fault ? `${fault.hint}: ${(e as Error).message}` : e instanceof PlatformError ? platformMessage(e, code) : e instanceof Error ? e.message : String(e);
  return { code, details: message, message, metadata: new Metadata() };
}

/** A platform failure says what failed and what to do: the advice for its HRESULT, or how to go on. */
function platformMessage(e: PlatformError, code: Status): string {
  const advice = HRESULT_ADVICE[e.code as HResultName];
  if (advice) return `${e.message} (${advice})`;
  if (code === Status.INTERNAL || code === Status.UNAVAILABLE) return `${e.message} (${PLATFORM_RETRY_ADVICE})`;
  return e.message;
}

/**
 * HRESULT codes returned by the Windows Host Compute Service (computecore / computestorage), the Host
 * Networking Service (computenetwork) and the Win32 errors the runtime handles. Both backends (Windows FFI
 * and the Linux emulator) report failures as PlatformError with one of these codes.
 */
export const HRESULT = {
  S_OK: 0x00000000,
  E_NOTIMPL: 0x80004001,
  E_INVALIDARG: 0x80070057,
  E_FAIL: 0x80004005,
  E_ACCESSDENIED: 0x80070005,
  E_OUTOFMEMORY: 0x8007000e,
  E_POINTER: 0x80004003,
  E_HANDLE: 0x80070006,

  // HCS_E_* (computecore), facility 0x37
  HCS_E_TERMINATED_DURING_START: 0x80370100,
  HCS_E_IMAGE_MISMATCH: 0x80370101,
  HCS_E_HYPERV_NOT_INSTALLED: 0x80370102,
  HCS_E_INVALID_STATE: 0x80370105,
  HCS_E_UNEXPECTED_EXIT: 0x80370106,
  HCS_E_TERMINATED: 0x80370107,
  HCS_E_CONNECT_FAILED: 0x80370108,
  HCS_E_CONNECTION_TIMEOUT: 0x80370109,
  HCS_E_CONNECTION_CLOSED: 0x8037010a,
  HCS_E_UNKNOWN_MESSAGE: 0x8037010b,
  HCS_E_UNSUPPORTED_PROTOCOL_VERSION: 0x8037010c,
  HCS_E_INVALID_JSON: 0x8037010d,
  HCS_E_SYSTEM_NOT_FOUND: 0x8037010e,
  HCS_E_SYSTEM_ALREADY_EXISTS: 0x8037010f,
  HCS_E_SYSTEM_ALREADY_STOPPED: 0x80370110,
  HCS_E_PROTOCOL_ERROR: 0x80370111,
  HCS_E_INVALID_LAYER: 0x80370112,
  HCS_E_WINDOWS_INSIDER_REQUIRED: 0x80370113,
  HCS_E_SERVICE_NOT_AVAILABLE: 0x80370114,
  HCS_E_OPERATION_NOT_STARTED: 0x80370115,
  HCS_E_OPERATION_ALREADY_STARTED: 0x80370116,
  HCS_E_OPERATION_PENDING: 0x80370117,
  HCS_E_OPERATION_TIMEOUT: 0x80370118,
  HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET: 0x80370119,
  HCS_E_OPERATION_RESULT_ALLOCATION_FAILED: 0x8037011a,
  HCS_E_ACCESS_DENIED: 0x8037011b,
  HCS_E_GUEST_CRITICAL_ERROR: 0x8037011c,
  HCS_E_PROCESS_INFO_NOT_AVAILABLE: 0x8037011d,
  HCS_E_SERVICE_DISCONNECT: 0x8037011e,
  HCS_E_PROCESS_ALREADY_STOPPED: 0x8037011f,

  // HRESULT_FROM_WIN32 values
  ERROR_FILE_NOT_FOUND: 0x80070002,
  ERROR_PATH_NOT_FOUND: 0x80070003,
  ERROR_INVALID_DATA: 0x8007000d,
  ERROR_SHARING_VIOLATION: 0x80070020,
  ERROR_NOT_SUPPORTED: 0x80070032,
  ERROR_ALREADY_EXISTS: 0x800700b7,
  ERROR_NOT_FOUND: 0x80070490,
  ERROR_DIR_NOT_EMPTY: 0x80070091,
  ERROR_BAD_EXE_FORMAT: 0x800700c1,
  ERROR_DIRECTORY: 0x8007010b,
  ERROR_LOGON_FAILURE: 0x8007052e,
  ERROR_NOT_ENOUGH_QUOTA: 0x80070718,
  ERROR_DISK_FULL: 0x80070070,

  // HCN (computenetwork) errors, facility 0x3B (Reference/HCNHResult.md)
  HCN_E_NETWORK_NOT_FOUND: 0x803b0001,
  HCN_E_ENDPOINT_NOT_FOUND: 0x803b0002,
  HCN_E_LAYER_NOT_FOUND: 0x803b0003,
  HCN_E_SWITCH_NOT_FOUND: 0x803b0004,
  HCN_E_SUBNET_NOT_FOUND: 0x803b0005,
  HCN_E_ADAPTER_NOT_FOUND: 0x803b0006,
  HCN_E_PORT_NOT_FOUND: 0x803b0007,
  HCN_E_POLICY_NOT_FOUND: 0x803b0008,
  HCN_E_INVALID_NETWORK: 0x803b000a,
  HCN_E_INVALID_NETWORK_TYPE: 0x803b000b,
  HCN_E_INVALID_ENDPOINT: 0x803b000c,
  HCN_E_INVALID_POLICY: 0x803b000d,
  HCN_E_INVALID_POLICY_TYPE: 0x803b000e,
  HCN_E_INVALID_REMOTE_ENDPOINT_OPERATION: 0x803b000f,
  HCN_E_NETWORK_ALREADY_EXISTS: 0x803b0010,
  HCN_E_POLICY_ALREADY_EXISTS: 0x803b0012,
  HCN_E_PORT_ALREADY_EXISTS: 0x803b0013,
  HCN_E_ENDPOINT_ALREADY_ATTACHED: 0x803b0014,
  HCN_E_REQUEST_UNSUPPORTED: 0x803b0015,
  HCN_E_MAPPING_NOT_SUPPORTED: 0x803b0016,
  HCN_E_DEGRADED_OPERATION: 0x803b0017,
  HCN_E_GUID_CONVERSION_FAILURE: 0x803b0019,
  HCN_E_INVALID_JSON: 0x803b001b,
  HCN_E_INVALID_JSON_REFERENCE: 0x803b001c,
  HCN_E_INVALID_IP: 0x803b001e,
  HCN_E_MANAGER_STOPPED: 0x803b0020,
  HCN_E_DEFAULTNAMESPACE_EXISTS: 0x803b0029,
  HCN_E_ENDPOINT_NAMESPACE_ALREADY_EXISTS: 0x803b002b,
  HCN_E_ENTITY_HAS_REFERENCES: 0x803b002c,
  HCN_E_INVALID_INTERNAL_PORT: 0x803b002d,
  HCN_E_NAMESPACE_ATTACH_FAILED: 0x803b002e,
  HCN_E_ADDR_INVALID_OR_RESERVED: 0x803b002f,
  HCN_E_INVALID_PREFIX: 0x803b0030,
  HCN_E_INVALID_SUBNET: 0x803b0032,
  HCN_E_ENDPOINT_NOT_ATTACHED: 0x803b0034,
  HCN_E_ENDPOINT_NOT_LOCAL: 0x803b0035,
  HCN_E_VFP_NOT_ALLOWED: 0x803b0037,
  ERROR_OBJECT_ALREADY_EXISTS: 0x80071392,
} as const;

export type HResultName = keyof typeof HRESULT;

const NAMES = new Map<number, string>(Object.entries(HRESULT).map(([k, v]) => [v >>> 0, k]));

/** Normalises an HRESULT to unsigned 32 bits. Legacy vmcompute reports 0xC037xxxx for the same HCS codes. */
export function normalizeHResult(code: number): number {
  const u = code >>> 0;
  if (((u & 0xffff0000) >>> 0) === 0xc0370000) return (0x80370000 | (u & 0xffff)) >>> 0;
  // Bare Win32 codes (as hcsshim's generated bindings hand them out) become HRESULT_FROM_WIN32.
  if (u !== 0 && u < 0x10000) return (0x80070000 | u) >>> 0;
  return u;
}

export function hresultName(code: number): string {
  const n = normalizeHResult(code);
  return NAMES.get(n) ?? `0x${n.toString(16).padStart(8, '0').toUpperCase()}`;
}

export function hex(code: number): string {
  return '0x' + (code >>> 0).toString(16).padStart(8, '0').toUpperCase();
}

/**
 * A failed platform call: the HRESULT, its symbolic name, the operation that failed and the service's error
 * document (HCS ResultError / HCN error record) when there is one.
 */
export class PlatformError extends Error {
  readonly hresult: number;
  readonly code: string;
  readonly operation: string;
  readonly errorDocument?: unknown;
  constructor(hresult: number, operation: string, detail?: string, errorDocument?: unknown) {
    const n = normalizeHResult(hresult);
    super(`${operation}: ${hresultName(n)} (${hex(n)})${detail ? `: ${detail}` : ''}`);
    this.name = 'PlatformError';
    this.hresult = n;
    this.code = hresultName(n);
    this.operation = operation;
    this.errorDocument = errorDocument;
  }
  is(...codes: HResultName[]): boolean {
    return codes.some((c) => HRESULT[c] >>> 0 === this.hresult);
  }
}

export function isPlatformError(e: unknown, ...codes: HResultName[]): e is PlatformError {
  return e instanceof PlatformError && (codes.length === 0 || e.is(...codes));
}

/** The call failed without saying whether it took effect: it timed out or lost the service on the way. */
export function isIndeterminate(e: unknown): boolean {
  return isPlatformError(e, 'HCS_E_OPERATION_TIMEOUT', 'HCS_E_SERVICE_NOT_AVAILABLE', 'HCS_E_CONNECTION_TIMEOUT');
}

/**
 * A shutdown that failed so was asked all the same: the system is gone or stopped, or a shutdown is under way (HCS
 * answers a repeat as pending, which hcsshim takes as asked too).
 */
export function isShutdownAsked(e: unknown): boolean {
  return isGone(e) || isPlatformError(e, 'HCS_E_OPERATION_PENDING');
}

/** Gone, or no longer in a state to take the call (HCS_E_INVALID_STATE: stopped under it): either way it has ended. */
export function isEnded(e: unknown): boolean {
  return isGone(e) || isPlatformError(e, 'HCS_E_INVALID_STATE');
}

/** The system or process is gone (hcsshim IsNotExist / IsAlreadyStopped classifiers). */
export function isGone(e: unknown): boolean {
  return isPlatformError(e, 'HCS_E_SYSTEM_NOT_FOUND', 'ERROR_NOT_FOUND', 'HCS_E_SYSTEM_ALREADY_STOPPED',
    'HCS_E_PROCESS_ALREADY_STOPPED', 'HCN_E_ENDPOINT_NOT_FOUND', 'HCN_E_NETWORK_NOT_FOUND');
}

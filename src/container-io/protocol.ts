/**
 * Wire protocol between the daemon (KeeperClient) and the per-node IO keeper (keeper.ts): JSON lines over a
 * Unix socket / Windows named pipe.
 *
 *   request   {"id": 7, "method": "start", "params": {...}}
 *   response  {"id": 7, "result": {...}}   or   {"id": 7, "error": {"code": "NotFound", "message": "..."}}
 *   event     {"event": "exit", "containerId": "...", "pid": 4, "exitCode": 0, "exitedAt": "1732442400123456789",
 *              "shutdownAsked": true, "shutdownUnconfirmed": true}
 *
 * A request that cannot be parsed gets a response with `"id": null`. Events go only to connections that sent
 * `subscribe`. An `attach` request turns its connection into a framed attach stream (./attach-frames.ts).
 */
import type { ProcessParametersDoc } from '../platform/hcs/schema/index.js';
import type { SystemKind } from '../platform/backends.js';
import { PlatformError } from '../platform/hresult.js';
import { reportedPlatformSeconds } from '../util/rpc-clock.js';

/** 2: attach, start.backend/tty/stdinOnce, list log counts (./keeper-compat.ts: what an older keeper gets). */
export const KEEPER_PROTOCOL_VERSION = 2;
export const KEEPER_VERSION = `wincri-io-keeper/${KEEPER_PROTOCOL_VERSION}`;
/** Longest accepted request line (bytes); longer lines are answered with an error and the connection closed. */
export const MAX_REQUEST_LINE = 4 * 1024 * 1024;

export interface StartParams {
  containerId: string;
  /** The compute system the process is created in. */
  systemId: string;
  /** Which platform service opens systemId: 'compute' (HCS, the default) or 'job' (HostProcess job container). */
  backend?: SystemKind;
  /** HcsCreateProcess parameters; Create*Pipe decide which stdio streams exist. */
  process: ProcessParametersDoc;
  /** Absolute CRI log path; empty or absent → output is drained and discarded. */
  logPath?: string;
  /** ≤ 0 = unlimited; default 16384. */
  maxLineSize?: number;
  /** Container config `stdin_once`: the first attach that closes its stdin closes the process's stdin for good. */
  stdinOnce?: boolean;
  /** Container config `tty`: the process has a console (its stdout is the terminal output; resize applies). */
  tty?: boolean;
}
export interface StartResult {
  pid: number;
  /**
   * Time of the start spent waiting on platform calls with none of the keeper's own I/O pending
   * (platform-wait.ts); keepers before it do not say.
   */
  platformSeconds?: number;
}

export interface ContainerIdParams { containerId: string }

export interface ExitInfo {
  exitCode: number;
  /** Nanoseconds since the Unix epoch, as a decimal string. */
  exitedAt: string;
  /** The keeper restarted while the process ran and could not reopen it: exit code unknown (255). */
  lost?: boolean;
  /** In `list` only (not stored here: PersistedRecord.shutdownAsked): as ExitEvent.shutdownAsked. */
  shutdownAsked?: boolean;
  /** In `list` only: as ExitEvent.shutdownUnconfirmed. */
  shutdownUnconfirmed?: boolean;
  /** As ExitEvent.oomKilled (stored with the exit). */
  oomKilled?: boolean;
}

export interface AttachmentInfo {
  containerId: string;
  systemId: string;
  backend?: SystemKind;
  pid: number;
  logPath: string;
  /** When the keeper started the process (ns since the epoch, decimal); absent from keepers before it was listed. */
  startedAt?: string;
  exited?: ExitInfo;
  /** The exit was acknowledged with `ack`. */
  acked?: boolean;
  /** The keeper restarted while the process ran: stdio was lost, only the exit is tracked. */
  recovered?: boolean;
  /** Attach sessions currently connected (absent when none). */
  attachers?: number;
  /** Log records (lines, partial ones included) and bytes this keeper wrote for the container. */
  logLines?: number;
  logBytes?: number;
}

export interface ExitEvent {
  event: 'exit';
  containerId: string;
  pid: number;
  exitCode: number;
  exitedAt: string;
  /**
   * The keeper asked the container's system to shut down after this exit (processes left behind held its stdio:
   * keeper-exit-shutdown.ts), and the ask did not fail: the daemon waits for the system to stop instead of asking
   * again (a second CtrlShutdown tells a program to quit now). Absent from keepers before it: the daemon asks.
   */
  shutdownAsked?: boolean;
  /**
   * With shutdownAsked: the ask got no answer (timed out, or the connection broke under it), so it may or may not
   * have been delivered; it counts as asked all the same (platform/shutdown-ask.ts). Daemons before it read only
   * shutdownAsked, which is what they should do.
   */
  shutdownUnconfirmed?: boolean;
  /**
   * The system's OOM count was not 0 at the init's exit (./keeper-exit-oom.ts): reason OOMKilled even when the
   * system is gone by the time the daemon records the exit. Absent from keepers before it: the daemon's query only.
   */
  oomKilled?: boolean;
}

/** `attach`: turns the connection into an attach connection (./attach-frames.ts) to a running container. */
export interface AttachParams { containerId: string; stdin: boolean; stdout: boolean; stderr: boolean }
/** stdin: whether stdin frames reach the process (false when it has no stdin or stdin_once already closed it). */
export interface AttachResult { tty: boolean; stdin: boolean }

export interface PingResult { pid: number; version: string; protocol: number }

/** Method name → params and result. */
export interface KeeperMethods {
  start: { params: StartParams; result: StartResult };
  reopenLog: { params: ContainerIdParams; result: Record<string, never> };
  list: { params: Record<string, never> | undefined; result: AttachmentInfo[] };
  subscribe: { params: Record<string, never> | undefined; result: Record<string, never> };
  ack: { params: ContainerIdParams; result: Record<string, never> };
  forget: { params: ContainerIdParams; result: Record<string, never> };
  ping: { params: Record<string, never> | undefined; result: PingResult };
  attach: { params: AttachParams; result: AttachResult };
}
export type KeeperMethod = keyof KeeperMethods;
export const KEEPER_METHODS: readonly KeeperMethod[] = ['start', 'reopenLog', 'list', 'subscribe', 'ack', 'forget', 'ping', 'attach'];

export interface KeeperRequest<M extends KeeperMethod = KeeperMethod> {
  id: number;
  method: M;
  params?: KeeperMethods[M]['params'];
}

export type KeeperErrorCode =
  | 'InvalidArgument' | 'NotFound' | 'AlreadyExists' | 'FailedPrecondition' | 'Unavailable' | 'Internal' | 'Platform';

export interface WireError {
  code: KeeperErrorCode;
  message: string;
  /** Set when code is 'Platform': the PlatformError's HRESULT and operation. */
  hresult?: number;
  operation?: string;
  errorDocument?: unknown;
  /** A failed start's time waiting on the platform alone, as StartResult.platformSeconds. */
  platformSeconds?: number;
}

export type KeeperResponse =
  | { id: number | null; result: unknown }
  | { id: number | null; error: WireError };

/** An error reported by the keeper (or about reaching it). Platform failures are rebuilt as PlatformError. */
export class KeeperError extends Error {
  readonly code: KeeperErrorCode;
  constructor(code: KeeperErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeeperError';
    this.code = code;
  }
}

export function isKeeperError(e: unknown, code?: KeeperErrorCode): e is KeeperError {
  return e instanceof KeeperError && (code === undefined || e.code === code);
}

/** Error → wire form. */
export function toWireError(e: unknown): WireError {
  const s = reportedPlatformSeconds(e);
  const timing = s > 0 ? { platformSeconds: s } : {};
  if (e instanceof PlatformError) {
    return { code: 'Platform', message: e.message, hresult: e.hresult, operation: e.operation,
      errorDocument: e.errorDocument, ...timing };
  }
  if (e instanceof KeeperError) return { code: e.code, message: e.message, ...timing };
  return { code: 'Internal', message: e instanceof Error ? e.message : String(e), ...timing };
}

/** Wire form → Error (PlatformError for platform failures, KeeperError otherwise), with its platformSeconds. */
export function fromWireError(w: WireError): Error {
  let e: Error;
  if (w.code === 'Platform' && typeof w.hresult === 'number') {
    e = new PlatformError(w.hresult, w.operation ?? 'keeper', undefined, w.errorDocument);
    e.message = w.message;
  } else {
    e = new KeeperError(w.code, w.message);
  }
  if (typeof w.platformSeconds === 'number') Object.assign(e, { platformSeconds: w.platformSeconds });
  return e;
}

/** Container ids become file names in the keeper's state directory. */
export const CONTAINER_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

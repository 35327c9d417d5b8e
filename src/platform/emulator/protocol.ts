/**
 * Wire protocol between emulator clients (src/platform/emulator/index.ts) and the emulator service
 * (service/main.ts). Transport: a unix socket `<state>/service.sock`, one JSON object per line.
 *
 * Control connections:
 *   client → service  {"id": n, "method": "...", "params": {...}}
 *   service → client  {"id": n, "result": ...}  |  {"id": n, "error": {"hresult", "message", "document"}}
 *   service → client  {"event": "SystemExited"|"ProcessExited", "systemId", "pid"?, "data"}   (unsolicited)
 * Documents travel as JSON *text* (params.document / params.settings ...) so that the service parses them itself
 * and reports malformed text with HCS_E_INVALID_JSON like HCS does.
 *
 * Stream attachments (the emulation of the stdio pipe handles HCS returns from HcsCreateProcess): a dedicated
 * connection whose first line is {"attach": {"systemId", "pid", "stream": "stdin"|"stdout"|"stderr"}}; the service
 * answers one line {"ok": true} or {"error": {...}} and from then on the connection is a raw byte stream.
 * An output attachment may ask for acknowledged delivery ("acked": true, "from": <offset>): the answer then says
 * where it starts ({"ok": true, "start", "gap"}), and the client writes "<offset>\n" lines back once it has
 * stored the bytes below that offset; unacknowledged bytes are replayed to the next attachment (service/relay.ts).
 * A stdin attachment of a process whose stdin is spooled (service/stdin-spool.ts) is answered with "start" (the
 * bytes the spool holds) and "eof" (its end is recorded); the service writes "<offset>\n" once bytes are spooled
 * and "eof\n" once the attachment's end is recorded (durable-stdin.ts resends what a killed service did not ack).
 * An output attachment with "waitMs" that finds its stream attached to another reader is answered once that reader's
 * connection closes (then attached), or after waitMs with the refusal (E_ACCESSDENIED): a new reader taking the
 * output over waits on the previous one's going, not on a poll (reopen-output.ts).
 * An attachment with "greet": true is first answered {"service": {"pid"}} (before anything else happens to it), so a
 * cut of it is blamed on the service instance that took it, not on the one the client's control connection last
 * greeted (which may be gone already, its close not yet seen: connection-errors.ts servicePid).
 */
import { join } from 'node:path';
import { PlatformError } from '../hresult.js';

export const SOCKET_NAME = 'service.sock';
export const PID_NAME = 'service.pid';
/** Where the service keeps its records (persist.ts), one JSON file per kind. */
export const recordsDir = (stateDir: string): string => join(stateDir, 'records');
export const recordsFile = (stateDir: string, kind: string): string => join(recordsDir(stateDir), `${kind}.json`);
export const LOG_NAME = 'service.log';
/**
 * How long the service's namespace deletion waits for the kernel to remove the namespace's veths before deleting
 * them itself (service/network-reaper.ts; tests set it); clients that wait for removals to settle scale on it.
 */
export const REAP_WAIT_MS = Number(process.env.WINCRI_EMU_REAP_WAIT_MS) || 500;

export type StreamName = 'stdin' | 'stdout' | 'stderr';

export interface WireError { hresult: number; message: string; operation?: string; document?: unknown }

export interface WireRequest { id: number; method: string; params?: Record<string, unknown> }
export interface WireResponse { id: number; result?: unknown; error?: WireError }
export interface WireEvent { event: 'SystemExited' | 'ProcessExited'; systemId: string; pid?: number; data: unknown }
/**
 * keep (stdin): the attachment's end only detaches it; the stream ends at an endStdin request (stdin-spool.ts).
 * waitMs (stdout, stderr): how long a stream attached to another reader is waited for (above).
 * greet: the service names itself first (AttachGreeting; services of older wincri versions ignore it).
 */
export interface AttachRequest { attach: { systemId: string; pid: number; stream: StreamName; acked?: boolean; from?: number; resumeAt?: number; keep?: boolean; waitMs?: number; greet?: boolean } }
/** The first line of an attachment that asked `greet`: the pid of the service instance that took it. */
export interface AttachGreeting { service: { pid: number } }
/**
 * The answer to `hello`: the service's host, its pid, and what it can do that services of older wincri versions
 * (still running across an upgrade: the service outlives the daemon) cannot. `attachWaits`: an output attachment's
 * `waitMs` is honoured (above); absent, a refusal "already attached" comes at once and the client polls.
 * `attachGreets`: an attachment's `greet` is answered (AttachGreeting); absent, only hello names the service.
 */
export interface HelloAnswer { osVersion: string; architecture: string; pid: number; attachWaits?: boolean; attachGreets?: boolean }
/** The answer to an output attachment: the stream offset of its first byte and how many bytes before it are gone. */
export interface AttachAnswer { ok: true; start?: number; gap?: number; eof?: boolean }

export function toWireError(e: unknown, operation: string): WireError {
  if (e instanceof PlatformError) {
    return { hresult: e.hresult, message: e.message, operation: e.operation, document: e.errorDocument };
  }
  const msg = e instanceof Error ? e.message : String(e);
  return { hresult: 0x80004005, message: `${operation}: ${msg}`, operation }; // E_FAIL
}

export function fromWireError(w: WireError, operation: string): PlatformError {
  // The service's message already starts with "<operation>: <NAME> (0x...)"; keep only its detail part.
  const detail = w.message.replace(/^[^:]*: [A-Z0-9_x]+ \(0x[0-9A-F]+\)(: )?/, '');
  return new PlatformError(w.hresult, w.operation ?? operation, detail || undefined, w.document);
}

export { TextLineSplitter as LineSplitter } from '../../util/lines.js';

/** Key of a process in per-process maps (handles, live entries, record writes): `${systemId}/${pid}`. */
export const procKey = (systemId: string, pid: number | string): string => `${systemId}/${pid}`;
/** The system id and pid of a procKey (a system id may hold '/': the pid is after the last one). */
export function parseProcKey(key: string): { id: string; pid: number } {
  const at = key.lastIndexOf('/');
  return { id: key.slice(0, at), pid: Number(key.slice(at + 1)) };
}

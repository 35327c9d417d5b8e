/**
 * A new reader takes a process's output back (EmuProcess.reopenOutput: a restarted IO keeper's takeover). Each
 * stream is attached apart, and the service's answer decides:
 * - no such pipe (E_INVALIDARG: created without one) or none any more (HCS_E_PROCESS_INFO_NOT_AVAILABLE: drained after
 *   the exit, or the service restarted without it): that stream is absent, as ComputeProcess.reopenOutput says;
 * - already attached (E_ACCESSDENIED): the service has waited up to `busyMs` for the previous reader's attachment
 *   to go (it goes once the service sees that reader's connection close: a killed keeper's, or the one a failed
 *   takeover attempt has just destroyed; AttachRequest.waitMs) and it did not: another live reader holds it (a
 *   second IO keeper?). That stream is named in ProcessStdio.held with ERROR_SHARING_VIOLATION, which no retry loop
 *   takes for transient (transient.ts), and the other stream is returned all the same: the keeper logs what it can
 *   and runs the container on without the held output instead of reporting it lost;
 * - anything else (the process or system gone, the service away, a broken handshake) rejects as the service answered.
 * On a rejection the streams already attached are destroyed first: the retry that may follow finds them free.
 */
import { isPlatformError, PlatformError, HRESULT } from '../hresult.js';
import type { ProcessStdio } from '../types.js';
import type { EmulatorClient } from './client.js';
import { ackedInto, heldOutput } from './output-streams.js';

export const REOPEN_BUSY_MS = 10_000;
const NAMES = ['stdout', 'stderr'] as const;

type Name = typeof NAMES[number];
type From = { stdout?: number; stderr?: number };

/** The process's output streams; `from` given, acknowledged from those offsets. */
export async function reopenOutputOf(c: EmulatorClient, systemId: string, pid: number, from?: From, busyMs = REOPEN_BUSY_MS): Promise<ProcessStdio> {
  const stdio: ProcessStdio = {};
  const held: NonNullable<ProcessStdio['held']> = {};
  const attachOne = async (name: Name, waitMs: number): Promise<void> => {
    if (from) ackedInto(c, systemId, pid, stdio, name, await c.attachAcked(systemId, pid, name, from[name] ?? 0, undefined, waitMs));
    else stdio[name] = heldOutput(await c.attach(systemId, pid, name, waitMs));
  };
  // A service that says it waits (hello: attachWaits) is asked once per stream; an older one is polled (untilFree).
  const waits = (await c.hello()).attachWaits === true;
  const results = await Promise.allSettled(NAMES.map((name) => (waits ? attachOne(name, busyMs) : untilFree((ms) => attachOne(name, ms), busyMs, () => c.isClosed)).catch((e: unknown) => {
    if (absent(e)) return;
    if (busy(e) && !c.isClosed) { held[name] = explained(e, name, systemId, pid, busyMs); return; }
    throw e;
  })));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failed) return Object.keys(held).length > 0 ? { ...stdio, held } : stdio;
  for (const name of NAMES) stdio[name]?.destroy();
  throw failed.reason;
}

/**
 * For a service that does not say it waits (protocol.ts HelloAnswer.attachWaits): one started by an older wincri,
 * still running across an upgrade (it outlives the daemon and the keeper), ignores the wait and answers "already
 * attached" at once, so an early refusal is tried again every OLD_SERVICE_RETRY_MS while time is left, as those
 * services' clients did; each attempt asks with the time left as its wait (a service that waits after all answers
 * only once that is up). A service of this version waits on the previous reader itself: asked once.
 */
async function untilFree(attempt: (waitMs: number) => Promise<void>, ms: number, closed: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try { return await attempt(Math.max(1, until - Date.now())); } catch (e) {
      if (!busy(e) || closed() || Date.now() + OLD_SERVICE_RETRY_MS >= until) throw e;
    }
    await new Promise((r) => setTimeout(r, OLD_SERVICE_RETRY_MS));
  }
}
const OLD_SERVICE_RETRY_MS = 50;

const absent = (e: unknown): boolean => isPlatformError(e, 'E_INVALIDARG', 'HCS_E_PROCESS_INFO_NOT_AVAILABLE');
const busy = (e: unknown): boolean => isPlatformError(e, 'E_ACCESSDENIED');

/** A stream another reader holds, named, with what to check. */
function explained(e: unknown, name: Name, systemId: string, pid: number, busyMs: number): PlatformError {
  return new PlatformError(HRESULT.ERROR_SHARING_VIOLATION, 'AttachStdio',
    `${name} of process ${pid} in ${systemId} is still attached to another reader after ${busyMs / 1000}s (${(e as Error).message}): ` +
    'check that one IO keeper alone serves this node; the container runs on and its output goes to that reader');
}

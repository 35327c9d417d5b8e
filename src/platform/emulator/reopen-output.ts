/**
 * A new reader takes a process's output back (EmuProcess.reopenOutput: a restarted IO keeper's takeover). Each
 * stream is attached apart, and the service's answer decides:
 * - no such pipe (E_INVALIDARG: created without one) or none any more (HCS_E_PROCESS_INFO_NOT_AVAILABLE: drained after
 *   the exit, or the service restarted without it): that stream is absent, as ComputeProcess.reopenOutput says;
 * - already attached (E_ACCESSDENIED): the previous reader's attachment, dropped once the service sees its connection
 *   close (a killed keeper's, or the one a failed takeover attempt has just destroyed). Tried again every
 *   BUSY_RETRY_EVERY_MS for `busyMs`; still attached then, another live reader holds it (a second IO keeper?):
 *   ERROR_SHARING_VIOLATION, which no retry loop takes for transient (transient.ts), so the keeper runs the
 *   container on without that output instead of reporting it lost;
 * - anything else (the process or system gone, the service away, a broken handshake) rejects as the service answered.
 * On a rejection the streams already attached are destroyed first: the retry that may follow finds them free.
 */
import { isPlatformError, PlatformError, HRESULT } from '../hresult.js';
import type { ProcessStdio } from '../types.js';
import type { EmulatorClient } from './client.js';
import { ackedInto, heldOutput } from './output-streams.js';

export const REOPEN_BUSY_MS = 10_000;
const BUSY_RETRY_EVERY_MS = 50;
const NAMES = ['stdout', 'stderr'] as const;

type Name = typeof NAMES[number];
type From = { stdout?: number; stderr?: number };

/** The process's output streams; `from` given, acknowledged from those offsets. */
export async function reopenOutputOf(c: EmulatorClient, systemId: string, pid: number, from?: From, busyMs = REOPEN_BUSY_MS): Promise<ProcessStdio> {
  const stdio: ProcessStdio = {};
  const attachOne = async (name: Name): Promise<void> => {
    if (from) ackedInto(c, systemId, pid, stdio, name, await c.attachAcked(systemId, pid, name, from[name] ?? 0));
    else stdio[name] = heldOutput(await c.attach(systemId, pid, name));
  };
  const results = await Promise.allSettled(NAMES.map((name) => untilFree(() => attachOne(name), busyMs, () => c.isClosed)
    .catch((e: unknown) => { if (!absent(e)) throw c.isClosed ? e : explained(e, name, systemId, pid, busyMs); })));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failed) return stdio;
  for (const name of NAMES) stdio[name]?.destroy();
  throw failed.reason;
}

const absent = (e: unknown): boolean => isPlatformError(e, 'E_INVALIDARG', 'HCS_E_PROCESS_INFO_NOT_AVAILABLE');
const busy = (e: unknown): boolean => isPlatformError(e, 'E_ACCESSDENIED');

/** Runs `attempt` again while it fails "already attached", for `ms` at most (and not once the client is closed). */
async function untilFree(attempt: () => Promise<void>, ms: number, closed: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try { return await attempt(); } catch (e) {
      if (!busy(e) || closed() || Date.now() >= until) throw e;
    }
    await new Promise((r) => setTimeout(r, BUSY_RETRY_EVERY_MS).unref());
  }
}

/** A stream another reader holds, named, with what to check; any other failure as the service gave it (its HRESULT is what the caller's retry decisions read). */
function explained(e: unknown, name: Name, systemId: string, pid: number, busyMs: number): unknown {
  if (!busy(e)) return e;
  return new PlatformError(HRESULT.ERROR_SHARING_VIOLATION, 'AttachStdio',
    `${name} of process ${pid} in ${systemId} is still attached to another reader after ${busyMs / 1000}s (${(e as Error).message}): ` +
    'check that one IO keeper alone serves this node; the container runs on and its output goes to that reader');
}

/**
 * A container whose init exited while processes it left behind (a backgrounded child, a helper) still hold its
 * stdout/stderr: without help its exit waits for the drain timeout and their last output is cut off. Its system is
 * shut down after the init's exit anyway (the daemon does it once the exit is reported; hcsshim after a ≤ 1 s IO
 * wait), so when the pipes are still open EXIT_SHUTDOWN_GRACE_MS after the exit the keeper asks the container's
 * system (compute system, HostProcess job, Hyper-V container: entry.system) to shut down gracefully: the remaining
 * processes end, what they write on the way out drains into the log, and the exit is reported once the pipes close.
 * The drain timeout still bounds the wait. A stop already under way makes the ask fail or repeat a shutdown under
 * way, both harmless: errors are logged and never thrown.
 *
 * The exit's report says the keeper asked (PersistedRecord.shutdownAsked, unless the platform refused the ask: an
 * ask answered "stopped", "gone" or "under way" counts, and so does one that got no answer — timed out or cut off,
 * it may have been delivered: then shutdownUnconfirmed says so too; platform/shutdown-ask.ts): the daemon then only
 * waits for the system to stop, and terminates it after its shutdown timeout. Asking again
 * is harmless on HCS and the emulator, which signal once per system, but not for HostProcess job containers: the
 * keeper and the daemon each track the shutdown they sent, and the job's processes would get two CtrlShutdowns.
 *
 * A system this shut down may be stopped before the exit is reported, and a stopped system disappears with its last
 * handle (HCS, and the emulator) — the daemon still reads it (the OOM count) when it records the exit. The keeper's
 * handle is therefore kept until the daemon acks or forgets the exit (holdStopped / releaseStopped).
 */
import { shutdownAskOutcome } from '../platform/shutdown-ask.js';
import type { Entry, PersistedRecord } from './keeper-state.js';
import type { KeeperContext } from './keeper-context.js';
import type { ExitEvent } from './protocol.js';
import { noteOom } from './keeper-exit-oom.js';

/**
 * Output of an init with nothing else holding its pipes reaches EOF within milliseconds of its exit (tens on a busy
 * host, through the emulator's relay); 200 ms leaves that ample room, so a system is not shut down under an exit
 * that was about to be reported, while the restart of a container with lingering children is about 10x sooner than
 * the 2 s drain timeout and sooner than hcsshim's 1 s IO wait.
 */
export const EXIT_SHUTDOWN_GRACE_MS = 200;

/** Asks the system to shut down unless cancelled within the grace (the pumps ended); returns the cancel. */
export function shutdownAfterGrace(k: KeeperContext, entry: Entry, graceMs = EXIT_SHUTDOWN_GRACE_MS): () => void {
  const timer = setTimeout(() => void ask(k, entry), graceMs);
  timer.unref();
  return () => clearTimeout(timer);
}

async function ask(k: KeeperContext, entry: Entry): Promise<void> {
  const system = entry.system;
  if (k.closed || entry.forgotten || !system || entry.phase !== 'draining') return;
  const rec = entry.record;
  const container = rec.containerId;
  if (rec.shutdownAsked) {
    // The keeper before a restart asked already (its process's exit is watched again): a second ask is a second signal.
    k.log.info('stdio still open after the process exit; the shutdown asked before the keeper restarted stands', { container });
    return;
  }
  // The OOM count read at the exit goes into the ask's record write: the system may disappear after the ask.
  await noteOom(entry);
  if (k.closed || entry.forgotten || entry.phase !== 'draining') return;
  entry.shutdownAsked = true;
  rec.shutdownAsked = true;
  // Written while the ask goes out (a failed write costs what a keeper restart cost before: a second ask); not
  // durable: a power cut ends the container anyway.
  const record = (): void => void k.records.persist(entry, { durable: false })
    .catch((e: unknown) => k.log.warn('recording the shutdown ask failed', { container, err: e }));
  record();
  k.log.info('stdio still open after the process exit; shutting the container down', { container });
  try {
    await system.shutdown();
  } catch (e) {
    const outcome = shutdownAskOutcome(e);
    if (outcome === 'asked') {
      // Stopped or gone already, or a shutdown under way (a stop, the daemon's own shutdown): what was asked for.
      k.log.debug('container already stopped or stopping', { container });
    } else if (outcome === 'unconfirmed') {
      k.log.warn('the shutdown ask got no answer; it may have been delivered, so it stands (the daemon terminates the container after its shutdown timeout)', { container, err: e });
      rec.shutdownUnconfirmed = true;
      record();
    } else {
      k.log.info('asking the container to shut down failed; its stdio is closed after the drain timeout', { container, err: e });
      // Not asked after all: the daemon shuts the system down itself (an exit reported meanwhile said asked: the
      // daemon then terminates the system once its shutdown timeout has passed).
      delete rec.shutdownAsked;
      record();
    }
  }
}

/** What an exit's report (event, list) says of the keeper's ask. */
export function askReport(rec: PersistedRecord): Pick<ExitEvent, 'shutdownAsked' | 'shutdownUnconfirmed'> {
  if (!rec.shutdownAsked) return {};
  return rec.shutdownUnconfirmed ? { shutdownAsked: true, shutdownUnconfirmed: true } : { shutdownAsked: true };
}

/**
 * At the exit's report: the system handle is kept for the daemon's ack if the keeper shut the system down, else
 * closed — closed too when no ack can come (the entry forgotten: its start undone; the keeper closing).
 */
export function holdStopped(k: KeeperContext, entry: Entry): void {
  if (entry.shutdownAsked && !k.closed && !entry.forgotten) entry.stoppedSystem = entry.system;
  else entry.system?.close();
}

/** The daemon acked or forgot the exit (or the keeper closes): a handle kept by holdStopped is closed. */
export function releaseStopped(entry: Entry): void {
  entry.stoppedSystem?.close();
  entry.stoppedSystem = undefined;
}

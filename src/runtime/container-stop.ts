/** StopContainer: graceful, then forced (RemoveContainer: container-remove.ts). Idempotent for unknown containers. */
import { isEnded, isGone } from '../platform/hresult.js';
import { shutdownAskOutcome } from '../platform/shutdown-ask.js';
import { signalOptions } from '../platform/hcs/document/index.js';
import { logger } from '../util/log.js';
import { errorMessage } from '../errors.js';
import { within } from './locks.js';
import type { RuntimeState, Termination } from './state.js';
import { markExited, waitExit } from './exits.js';
import { destroySystem } from './systems.js';
import { endUnended, unendedError } from './stop-unended.js';
import { clearUnended, isUnended, markUnended } from './unended-mark.js';
import { endStopTurn, takeStopTurn, type StopTurn } from './stop-turn.js';
import { backendOf } from './backend.js';
import { openForStop } from './stop-open.js';

const log = logger('runtime');

/**
 * Graceful stop (CtrlShutdown to the init process), forced termination after `timeoutSeconds`. Synchronous:
 * returns once the container is EXITED. Unknown, created and exited containers: no-op. One stop per container at
 * a time: a stop asked meanwhile cuts this one's grace to its own timeout and waits for it (stop-turn.ts).
 */
export async function stopContainer(st: RuntimeState, idOrPrefix: string, timeoutSeconds: number): Promise<void> {
  const id = st.index.resolve(idOrPrefix, 'container ID');
  if (!id || !st.containers.get(id)) return;
  const turn = await takeStopTurn(st, id, timeoutSeconds);
  try {
    await stopInTurn(st, id, turn);
  } finally {
    endStopTurn(st, id, turn);
  }
}

async function stopInTurn(st: RuntimeState, id: string, turn: StopTurn): Promise<void> {
  const c = st.containers.get(id);
  if (!c) return;
  const compute = backendOf(st, c);
  if (c.state === 'CONTAINER_UNKNOWN') {
    await destroySystem(compute, id);
    await clearUnended(st, id);
    await markExited(st, c, 255, 'Unknown', c.message || 'container state unknown');
    return;
  }
  // An earlier stop could not terminate it: its system may run on under an exit recorded since.
  if (c.state !== 'CONTAINER_RUNNING') { if (isUnended(c)) await endUnended(st, compute, id); return; }
  // Its grace period was spent by that stop, whose signal went out: this one terminates at once.
  if (isUnended(c)) turn.shorten(0);
  const { system, proc } = await openForStop(compute, id, c.pid);
  // The container may have exited while it was being opened: nothing is left to stop.
  if (c.state !== 'CONTAINER_RUNNING') { proc?.close(); system?.close(); return; }
  const exited = waitExit(st, id);
  let mine: Termination | undefined;
  let settle: ((ok: boolean) => void) | undefined;
  try {
    const graceful = !turn.graceful ? undefined : proc ? proc.signal(signalOptions('graceful')) : system?.shutdown();
    // The system asked to shut down: the exit this causes asks no second time (exits.ts).
    if (graceful && !proc) st.stopAsked.add(id);
    if (graceful) {
      // Windows containers get a console CtrlShutdown; HCS may block the signal call until the target
      // exits, so it runs in the background while we wait for the exit or the timeout. Without a handle on the
      // process (it could not be opened) the whole system is asked to shut down gracefully instead (HCS: the guest
      // shuts down; the emulator: SIGTERM to its processes), within the same grace period.
      graceful.catch((e) => {
        if (!isEnded(e)) log.warn('graceful stop failed', { container: id, error: errorMessage(e) });
        if (!proc && shutdownAskOutcome(e) === 'failed') st.stopAsked.delete(id); // refused: nothing was asked
      });
      if (await turn.graceWait(exited)) return;
      log.info('container did not stop within its grace period; terminating', { container: id, timeoutSeconds: turn.timeoutSeconds });
    }
    // The system is terminated right after its process: the exit this causes needs no shutdown unless the
    // termination fails (exits.ts).
    if (system) {
      mine = { system, terminated: new Promise<boolean>((r) => { settle = r; }) };
      st.terminating.set(id, mine);
    }
    try {
      if (proc) await proc.terminate().catch((e) => { if (!isGone(e)) throw e; });
      if (system) await system.terminate().catch((e) => { if (!isEnded(e)) throw e; });
    } catch (e) {
      // Marked (in memory at once, then on disk) before the exit handling learns of it (settle below): it
      // terminates again, never shuts down.
      await markUnended(st, c);
      throw unendedError(id, e);
    }
    settle?.(true);
    await clearUnended(st, id);
    if (await within(exited, st.opts.exitReportWaitMs ?? 10_000)) return;
    // The keeper never reported the exit (process or keeper gone): record it ourselves.
    const cur = st.containers.get(id);
    if (cur && cur.state === 'CONTAINER_RUNNING') {
      log.warn('no exit report after termination; marking exited', { container: id });
      await markExited(st, cur, 137, 'Error', 'terminated by the runtime; exit status unavailable');
    }
  } finally {
    settle?.(false); // no-op after success; a throw above means the system may still be running
    st.stopAsked.delete(id);
    if (mine && st.terminating.get(id) === mine) st.terminating.delete(id);
    proc?.close();
    system?.close();
  }
}

/** Container exits: the IO keeper's reports, exits the runtime records itself, and waiting for either. */
import { logger } from '../util/log.js';
import { errorMessage } from '../errors.js';
import { nowNs } from './model.js';
import type { ExitReport } from './ports.js';
import type { RuntimeState, StoredContainer } from './state.js';
import { shutdownSystem, type ShutdownOptions } from './systems.js';
import { oomKilled } from './oom.js';
import { backendOf } from './backend.js';
import { endUnendedLater } from './stop-unended.js';
import { isUnended } from './unended-mark.js';
import { diedWithUtilityVm, VM_EXITED_REASON } from './hyperv/vm-watches.js';

const log = logger('runtime');

function wake(st: RuntimeState, id: string): void {
  for (const w of st.exitWaiters.get(id) ?? []) w();
  st.exitWaiters.delete(id);
}

/** Who asked the system of an exited container to shut down already: its IO keeper, or the stop that ended it. */
function askedBy(st: RuntimeState, e: ExitReport): ShutdownOptions['alreadyAsked'] {
  if (e.shutdownAsked === true) return e.shutdownUnconfirmed === true ? 'unconfirmed' : 'keeper';
  return st.stopAsked.has(e.containerId) ? 'stop' : undefined;
}

/** Applies an init-process exit reported by the IO keeper (after its output was drained into the log). */
export async function handleExit(st: RuntimeState, e: ExitReport): Promise<void> {
  const c = st.containers.get(e.containerId);
  if (!c) {
    await st.opts.keeper.forget(e.containerId).catch(() => undefined);
    return;
  }
  if (c.state === 'CONTAINER_CREATED') {
    st.earlyExits.set(c.id, e); // start still in progress; applied when it finishes
    return;
  }
  // Asked before anything changes (the system is still there: it is shut down below).
  // A stop terminating the system holds it open: the OOM query uses that handle when it is a compute system's. An
  // OOM kill the keeper saw at the exit counts without it (the system may be gone: keeper-exit-oom.ts).
  const stopping = st.terminating.get(c.id);
  const compute = st.opts.platform.compute;
  const oom = c.state === 'CONTAINER_RUNNING' && (e.oomKilled === true || await oomKilled(compute, c.id, backendOf(st, c) === compute ? stopping?.system : undefined));
  const vmExit = c.state === 'CONTAINER_RUNNING' ? await diedWithUtilityVm(st, c.sandboxId) : undefined;
  if (c.state === 'CONTAINER_RUNNING') {
    c.state = 'CONTAINER_EXITED';
    c.exitCode = e.exitCode;
    c.finishedAt = e.exitedAt && e.exitedAt !== '0' ? e.exitedAt : nowNs();
    c.reason = vmExit ? VM_EXITED_REASON : oom ? 'OOMKilled' : e.exitCode === 0 ? 'Completed' : 'Error';
    c.message = vmExit ?? '';
    c.pid = undefined;
    await st.containers.save(c);
    st.emit(c.id, 'CONTAINER_STOPPED_EVENT', c.sandboxId);
    log.info('container exited', { container: c.id, exitCode: e.exitCode });
    // A stop that is terminating the system does it itself; when that stop's terminate fails (HCS timeout, access
    // denied, emulator error) it is terminated again, not shut down: the stop's grace is spent and its signal (maybe
    // the keeper's too) went out (stop-unended.ts). Otherwise the system of an ended process is shut down — only
    // waited for when the keeper, or a stop without a handle on the init, asked its shutdown already.
    const backend = backendOf(st, c);
    const alreadyAsked = askedBy(st, e);
    if (stopping) void stopping.terminated.then((ok) => (ok ? undefined : endUnendedLater(st, backend, c.id)));
    else if (isUnended(c)) endUnendedLater(st, backend, c.id);
    else void shutdownSystem(backend, c.id, st.opts.shutdownTimeoutSeconds, { alreadyAsked });
  }
  // A container being removed whose exit the runtime recorded itself (a stop that saw no report) may have had its
  // forget refused while the keeper still ran it: the keeper forgets it now instead (container-remove.ts).
  if (st.removing.has(c.id)) {
    await st.opts.keeper.forget(c.id).catch((err) => log.warn('keeper forget failed', { container: c.id, error: errorMessage(err) }));
    wake(st, c.id);
    return;
  }
  // The exit is recorded (saved above): the ack only lets the keeper drop its copy, and a keeper that never gets it
  // reports the exit again, which is acked then. It is sent before the waiters wake (the keeper sees it before any
  // request they make, e.g. RemoveContainer's forget) but a stop does not wait for the keeper's answer.
  const acked = st.opts.keeper.ack(c.id).catch((err) => log.warn('keeper ack failed', { container: c.id, error: errorMessage(err) }));
  wake(st, c.id);
  await acked;
}

/** Records an exit the keeper could not report (lost process, forced termination, unknown state). */
export async function markExited(st: RuntimeState, c: StoredContainer, exitCode: number, reason: string, message: string): Promise<void> {
  c.state = 'CONTAINER_EXITED';
  c.exitCode = exitCode;
  c.reason = reason;
  c.message = message;
  c.finishedAt = nowNs();
  c.pid = undefined;
  await st.containers.save(c);
  st.emit(c.id, 'CONTAINER_STOPPED_EVENT', c.sandboxId);
  wake(st, c.id);
}

/** Resolves once the container is no longer RUNNING. */
export function waitExit(st: RuntimeState, id: string): Promise<void> {
  const c = st.containers.get(id);
  if (!c || c.state !== 'CONTAINER_RUNNING') return Promise.resolve();
  return new Promise((r) => {
    const list = st.exitWaiters.get(id) ?? [];
    list.push(r);
    st.exitWaiters.set(id, list);
  });
}

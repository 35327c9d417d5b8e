/**
 * Forgetting exited processes, as HCS does: a process's record (and what it holds: live entry, output relays,
 * FIFOs, spills, exit-status file) goes once the process has exited, its exit has been reported (persisted, event
 * sent, waiters answered) and its last handle is closed. Without this a long-lived system that is exec'd into
 * periodically (kubelet exec probes: 8 640 a day) keeps a record per exec for ever, and every record write
 * rewrites them all.
 *
 * Kept anyway:
 *  - the system's first process (its init: the container's process, whose exit the IO keeper and the runtime ask
 *    for by pid, also after a restart of either, when no handle is open meanwhile);
 *  - a process whose process group still has members (a child it left behind): the group is the system's to
 *    signal, pause and count (pgids()), so its leader's record stays until the group is empty;
 *  - the processes loaded at a service start, for a grace period (forgetGraceMs): handles are the clients' and
 *    live on in them, so a reconnecting client re-opens them (emulator/compute.ts) before they count here;
 *  - likewise the processes whose handles a dropped connection released (releaseDropped): the client may be
 *    alive and reconnecting (its re-open stalled, client.ts), holding those handles still.
 */
import type { LiveProc } from './live-proc.js';
import type { ProcRecord, SystemRecord } from './records.js';
import { anyInGroups } from './signals.js';
import { removeFifos } from './stdio-fifo.js';
import { removeSpills } from './spill.js';
import { removeStatusFile } from './exit-status.js';
import { ProcessHandles } from './process-handles.js';
import type { PendingRecords } from './pending-records.js';

/**
 * How long after a service start no exited process is forgotten (clients re-open their handles meanwhile; a
 * reconnecting client retries at least every 2 s). WINCRI_EMULATOR_FORGET_GRACE_MS sets another (tests).
 */
export function forgetGraceMs(): number {
  const v = Number(process.env.WINCRI_EMULATOR_FORGET_GRACE_MS ?? '');
  return process.env.WINCRI_EMULATOR_FORGET_GRACE_MS && Number.isFinite(v) && v >= 0 ? v : 30_000;
}

export { procKey, parseProcKey } from '../protocol.js';
import { procKey } from '../protocol.js';

/** What decides whether an exited process may go (the emulator's bookkeeping, compute-base.ts). */
export interface ForgetState {
  handles(key: string): number;
  /** Its exit is being reported, or it was loaded at a restart whose grace runs. */
  kept(key: string): boolean;
  live(key: string): LiveProc | undefined;
}

/** The processes of `s` that can be forgotten now (never its first: the init process). */
export function forgettable(s: SystemRecord, st: ForgetState): ProcRecord[] {
  const out: ProcRecord[] = [];
  for (let i = 1; i < s.processes.length; i++) {
    const p = s.processes[i]!;
    if (!p.exited) continue;
    const k = procKey(s.id, p.pid);
    if (st.handles(k) > 0 || st.kept(k) || (st.live(k)?.waiters.length ?? 0) > 0) continue;
    if (anyInGroups([p.pid])) continue; // its group lives on (or the pid leads a new one): see the top
    out.push(p);
  }
  return out;
}

/**
 * Releases what a forgotten process held: its stdin spool (fds, attachment, timer) now; an output relay still
 * attached to a reader is left to finish on its own (it ends the attachment once the pipe ended and all was sent),
 * and closed when that attachment closes. The FIFOs, stdin segments and `.eof` record go once no relay is attached.
 */
export function releaseProcess(p: ProcRecord, lp: LiveProc | undefined, log: (m: string) => void): void {
  if (lp?.poll) clearInterval(lp.poll);
  lp?.console?.destroy();
  lp?.stdin?.close();
  const relays = [lp?.out, lp?.err].filter((r) => r !== undefined);
  let left = relays.length + 1;
  const one = () => {
    if (--left > 0) return;
    try { removeFifos(p.fifos); removeSpills(p.fifos); } catch (e) { log(`removing the stdio files of process ${p.pid}: ${(e as Error).message}`); }
  };
  // Later, from an attachment's 'close': a throw there would end the service.
  for (const r of relays) r.whenDetached(() => { try { r.close(); } catch { /* its files go below */ } one(); });
  one();
  removeStatusFile(p.statusFile);
}

/**
 * The processes a service start loaded from the records, kept for the grace period (see the top): handles held
 * by clients are not counted until they re-open them.
 */
export class RestartGrace {
  private readonly keys = new Set<string>();
  private until = 0;

  add(key: string): void { this.keys.add(key); }
  holds(key: string): boolean { return this.keys.has(key) && Date.now() < this.until; }

  /** (Re)starts the period; `ended` runs once it is over (not for a period re-armed meanwhile). */
  arm(ended: () => void): void {
    if (this.keys.size === 0) return;
    const ms = forgetGraceMs();
    const until = this.until = Date.now() + ms;
    setTimeout(() => {
      if (this.until !== until) return;
      this.keys.clear();
      ended();
    }, ms + 10).unref();
  }
}

/** The emulator's bookkeeping the forgetting works on (compute-base.ts). */
export interface ForgetHost {
  readonly systems: Map<string, SystemRecord>;
  readonly live: Map<string, LiveProc>;
  /** Record writes of processes created with `recordLater`. */
  readonly recording: PendingRecords;
  /** Processes whose exit is recorded but not yet reported. */
  readonly reporting: Set<string>;
  readonly log: (msg: string) => void;
}

/** Handles on processes, and forgetting the exited ones nobody can ask about any more (see the top). */
export class ProcessForgetter {
  /** Handles on processes: an exited process is forgotten once its last one closes (process-handles.ts). */
  readonly handles = new ProcessHandles();
  /** Processes loaded from the records: not forgotten while clients re-open their handles after a restart. */
  readonly loaded = new RestartGrace();

  constructor(private readonly h: ForgetHost) {}

  /** The caller got a handle on the process (HcsCreateProcess, HcsOpenProcess). */
  addHandle(systemId: string, pid: number): void { this.handles.add(procKey(systemId, pid)); }
  /** One handle on the process closed (HcsCloseProcess, or its connection went away). */
  releaseHandle(systemId: string, pid: number): void {
    if (this.handles.release(procKey(systemId, pid))) this.forgetExited(systemId);
  }

  /**
   * The handles a connection held when it dropped: released, but their processes are kept for the grace (as at a
   * service start), so a client that reconnects and re-opens them still finds an exited one and its exit code.
   */
  releaseDropped(held: Iterable<{ id: string; pid: number; n: number }>): void {
    const list = [...held];
    if (list.length === 0) return;
    for (const h of list) this.loaded.add(procKey(h.id, h.pid));
    this.graceForExited();
    for (const h of list) for (let i = 0; i < h.n; i++) this.releaseHandle(h.id, h.pid);
  }

  /** Forgets the system's exited processes nobody can ask about any more (in memory: the next record write carries it). */
  forgetExited(id: string): void {
    // Runs from a socket's 'close' and after an exit's report: a removal that throws (EACCES, EBUSY) is logged,
    // never an uncaught exception ending the service.
    try { this.forgetNow(id); } catch (e) { this.h.log(`forgetting exited processes of ${id}: ${(e as Error).message}`); }
  }

  /**
   * After a service start (at load, and again once it listens): the processes loaded from the records are kept
   * while clients re-open their handles, then the exited ones nobody holds are forgotten.
   */
  graceForExited(): void {
    this.loaded.arm(() => { for (const id of [...this.h.systems.keys()]) this.forgetExited(id); });
  }

  private forgetNow(id: string): void {
    const { h } = this;
    const s = h.systems.get(id);
    if (!s) return;
    const gone = new Set(forgettable(s, {
      handles: (k) => this.handles.count(k), kept: (k) => h.reporting.has(k) || this.loaded.holds(k), live: (k) => h.live.get(k),
    }));
    if (gone.size === 0) return;
    s.processes = s.processes.filter((p) => !gone.has(p));
    for (const p of gone) {
      const k = procKey(id, p.pid);
      try { releaseProcess(p, h.live.get(k), h.log); } catch (e) { h.log(`releasing process ${p.pid} of ${id}: ${(e as Error).message}`); }
      h.live.delete(k);
      h.recording.forget(k);
    }
    // No record write of its own (a full atomic write per exec'd process): forgetting need not be durable, an
    // exited record back after a crash is forgotten again after the restart's grace. The next write carries it.
  }
}

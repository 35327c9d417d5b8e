/**
 * The handles a request connection holds, like HCS handles of a client process: per system id, and per process,
 * with how many of each. Calls count them (the CallContext of server-calls.ts); they are released when the
 * connection goes away. A handle a call got after its connection went away is released at once.
 */
import type { Socket } from 'node:net';
import { procKey } from '../protocol.js';
import type { ComputeEmulator } from './compute.js';
import type { CallContext } from './server-calls.js';

/** A connection's handles: per system id, and per process (procKey → its id and pid, and how many). */
export interface Conn { sock: Socket; systems: Map<string, number>; processes: Map<string, { id: string; pid: number; n: number }> }

export const newConn = (sock: Socket): Conn => ({ sock, systems: new Map(), processes: new Map() });

/**
 * The connection went away: its system handles are released; its process handles too, after a grace in which the
 * client may reconnect and re-open them (process-forget.ts) — unless the service is closing (`keepProcesses`:
 * the clients re-open them at the next start).
 */
export function releaseConn(conn: Conn, compute: ComputeEmulator, keepProcesses: boolean): void {
  for (const [id, n] of conn.systems) for (let i = 0; i < n; i++) compute.releaseHandle(id);
  conn.systems.clear();
  if (!keepProcesses) compute.forget.releaseDropped(conn.processes.values());
  conn.processes.clear();
}

/** What a compute, job or storage call may do to the connection's handles; `open()`: the connection is still there. */
export function handleContext(conn: Conn, open: () => boolean, x: Pick<CallContext, 'compute' | 'jobs' | 'storage'>): CallContext {
  const c = x.compute;
  return {
    compute: c, jobs: x.jobs, storage: x.storage,
    addSystem: (id) => {
      c.addHandle(id);
      // The client went away while the system was being created: its handles were released already, so this
      // one is released now (else a stopped system would never disappear).
      if (!open()) { c.releaseHandle(id); return; }
      conn.systems.set(id, (conn.systems.get(id) ?? 0) + 1);
    },
    closeSystem: (id) => {
      const k = conn.systems.get(id) ?? 0;
      if (k === 0) return;
      if (k === 1) conn.systems.delete(id); else conn.systems.set(id, k - 1);
      c.releaseHandle(id);
    },
    holdProcess: (systemId, pid) => {
      // As for systems: a client gone meanwhile released its handles already, so this one goes now.
      if (!open()) { c.forget.releaseHandle(systemId, pid); return; }
      const key = procKey(systemId, pid);
      const h = conn.processes.get(key);
      if (h) h.n++; else conn.processes.set(key, { id: systemId, pid, n: 1 });
    },
    closeProcess: (systemId, pid) => {
      const key = procKey(systemId, String(pid));
      const h = conn.processes.get(key);
      if (!h) return;
      if (--h.n === 0) conn.processes.delete(key);
      c.forget.releaseHandle(h.id, h.pid);
    },
  };
}

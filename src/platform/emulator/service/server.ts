/**
 * The emulator service: owns the compute / network / storage emulators and serves them on a unix socket with the
 * JSON-lines protocol of ../protocol.ts. Here: its start and close (its parts: server-parts.ts) and each request's
 * answer. A connection's lines (server-framing.ts) are requests or, first, a stream attachment (server-attach.ts);
 * a request goes to the service's own methods (server-own.ts), then the compute, job and storage calls
 * (server-calls.ts), then the HNS calls (server-hns.ts). Handles (open systems and processes) are tracked per
 * connection and released when the connection goes away (server-handles.ts), like HCS handles of a process that exits.
 */
import { isolationFacts } from './isolation.js';
import { mountDynmods, unmountDynmods } from './cgroup-dynmods.js';
import { sweepOldLayoutCgroups } from './cgroup-old-layout.js';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { chmodSync } from 'node:fs';
import { PlatformError, HRESULT } from '../../hresult.js';
import { procKey, toWireError, SOCKET_NAME, type WireRequest, type WireResponse, type WireEvent } from '../protocol.js';
import { makeParts, type ServiceOptions, type ServiceParts } from './server-parts.js';
import { platformCall } from './server-calls.js';
import { ownCall, type OwnContext } from './server-own.js';
import { frameConnection } from './server-framing.js';
import { attachStream } from './server-attach.js';
import { handleContext, newConn, releaseConn, type Conn } from './server-handles.js';
import { idleGcWorkBegins, idleGcWorkEnds } from '../../../util/idle-gc.js';

export type { ServiceOptions };

export class EmulatorService {
  private readonly p: ServiceParts;
  private readonly own: OwnContext;
  private server?: Server;
  private conns = new Set<Conn>();
  /** Set by close(): connections cut then keep their process handles (the clients re-open them at the next start). */
  private closing = false;
  onStopRequested?: () => void;

  constructor(private readonly opts: ServiceOptions) {
    this.p = makeParts(opts, (systemId, event, data, pid) => this.broadcast(systemId, event, data, pid));
    this.own = { ...opts, ...this.p, stop: () => this.onStopRequested?.() };
  }

  async start(): Promise<void> {
    const { storage, network, credentialGuard, compute } = this.p;
    await storage.load();
    await network.load();
    await credentialGuard.load();
    const iso = isolationFacts();
    if (iso.Enabled) mountDynmods(this.opts.stateDir, iso.Cgroups?.Version);
    await compute.load();
    sweepOldLayoutCgroups(compute.records(), this.opts.log);
    const path = join(this.opts.stateDir, SOCKET_NAME);
    const server = createServer({ allowHalfOpen: true }, (sock) => this.accept(sock));
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      const old = process.umask(0o177);
      server.listen(path, () => { process.umask(old); res(); });
    });
    chmodSync(path, 0o600);
    this.server = server;
    compute.forget.graceForExited(); // from now on clients reconnect and re-open their process handles
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const c of this.conns) c.sock.destroy();
    await new Promise<void>((r) => this.server ? this.server.close(() => r()) : r());
    // Veths of detached endpoints in their grace period go now: nothing outlives the service (network-reaper.ts).
    await this.p.hnsCalls.alone(() => this.p.network.settle()).catch((e: Error) => this.opts.log(`network: finishing removals: ${e.message}`));
    await this.p.persist.flush();
    unmountDynmods();
  }

  private broadcast(systemId: string, event: WireEvent['event'], data: unknown, pid?: number): void {
    const line = JSON.stringify({ event, systemId, pid, data } satisfies WireEvent) + '\n';
    for (const c of this.conns) {
      if (!c.systems.has(systemId) && !(pid !== undefined && c.processes.has(procKey(systemId, pid)))) continue;
      if (!c.sock.destroyed) c.sock.write(line);
    }
  }

  private accept(sock: Socket): void {
    const conn = newConn(sock);
    this.conns.add(conn);
    frameConnection(sock, {
      request: (msg) => { void this.handle(conn, msg); },
      attach: (msg) => {
        this.conns.delete(conn); // the socket is the stream's now: no events, no handles
        attachStream(sock, msg, this.p.compute, this.p.faults);
      },
      closed: () => {
        this.conns.delete(conn);
        releaseConn(conn, this.p.compute, this.closing);
      },
    });
  }

  private async handle(conn: Conn, req: WireRequest): Promise<void> {
    const res: WireResponse = { id: req.id };
    // Work until answered: a slow platform call (a container start, an HNS apply) is no quiet spell for the idle GC.
    idleGcWorkBegins();
    try {
      await this.p.faults.check(req.method);
      res.result = await this.dispatch(conn, req.method, req.params ?? {});
    } catch (e) {
      res.error = toWireError(e, req.method);
      if (!(e instanceof PlatformError)) this.opts.log(`${req.method} failed: ${(e as Error).stack ?? String(e)}`);
    } finally {
      idleGcWorkEnds();
    }
    if (!conn.sock.destroyed) conn.sock.write(JSON.stringify(res) + '\n');
  }

  private dispatch(conn: Conn, method: string, p: Record<string, unknown>): Promise<unknown> | unknown {
    const own = ownCall(method);
    if (own) return own(this.own, p);
    const call = platformCall(method);
    if (call) return call(handleContext(conn, () => this.conns.has(conn), this.p), p);
    if (this.p.hnsCalls.handles(method)) return this.p.hnsCalls.dispatch(method, p);
    throw new PlatformError(HRESULT.E_NOTIMPL, method, `unknown method ${method}`);
  }
}

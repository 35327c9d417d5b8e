/**
 * The emulator service: owns the compute / network / storage emulators and serves them on a unix socket with the
 * JSON-lines protocol of ../protocol.ts. Handles (open systems and processes) are tracked per connection and
 * released when the connection goes away, like HCS handles of a process that exits.
 */
import { setHostPipeDir } from './pipes.js';
import { isolationFacts } from './isolation.js';
import { mountDynmods, unmountDynmods } from './cgroup-dynmods.js';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { chmodSync } from 'node:fs';
import { PlatformError, HRESULT } from '../../hresult.js';
import { procKey, LineSplitter, toWireError, SOCKET_NAME, recordsDir, type WireRequest, type WireResponse, type WireEvent, type AttachRequest, type HelloAnswer } from '../protocol.js';
import { Persister } from './persist.js';
import { Faults } from './faults.js';
import { setSpoolLog, spoolStalls } from './spool-health.js';
import { ComputeEmulator } from './compute.js';
import { NetworkEmulator } from './network.js';
import { StorageEmulator } from './storage.js';
import { layerHolder } from './layer-use.js';
import { JobEmulator } from './jobs.js';
import { CredentialGuardEmulator } from './credential-guard.js';
import { instanceId } from './instance.js';
import { HnsDispatch } from './server-hns.js';
import { platformCall, type CallContext } from './server-calls.js';
import { idleGcWorkBegins, idleGcWorkEnds } from '../../../util/idle-gc.js';
import { sweepStrayHelpers } from './helper-orphans.js';

export interface ServiceOptions { stateDir: string; osVersion: string; architecture: string; log: (msg: string) => void }

/** The longest an attachment waits for a stream another reader holds (AttachRequest.waitMs), whatever it asks. */
const MAX_ATTACH_WAIT_MS = 60_000;

/** A connection's handles: per system id, and per process (procKey → its id and pid, and how many). */
interface Conn { sock: Socket; systems: Map<string, number>; processes: Map<string, { id: string; pid: number; n: number }> }

function supportedSchemaVersions(osVersion: string): { Major: number; Minor: number }[] {
  const build = Number(osVersion.split('.')[2] ?? 0);
  const top = build >= 22000 ? 6 : build >= 20348 ? 5 : build >= 19041 ? 3 : build >= 18362 ? 2 : build >= 17763 ? 1 : -1;
  const out = [{ Major: 1, Minor: 0 }];
  for (let m = 0; m <= top; m++) out.push({ Major: 2, Minor: m });
  return out;
}

export class EmulatorService {
  readonly faults: Faults;
  private readonly persist: Persister;
  readonly compute: ComputeEmulator;
  readonly network: NetworkEmulator;
  private readonly hnsCalls: HnsDispatch;
  readonly storage: StorageEmulator;
  readonly jobs: JobEmulator;
  readonly credentialGuard: CredentialGuardEmulator;
  private server?: Server;
  private conns = new Set<Conn>();
  /** Set by close(): connections cut then keep their process handles (the clients re-open them at the next start). */
  private closing = false;
  onStopRequested?: () => void;

  constructor(private readonly opts: ServiceOptions) {
    this.faults = new Faults(opts.log);
    setSpoolLog(opts.log);
    this.persist = new Persister(recordsDir(opts.stateDir));
    setHostPipeDir(opts.stateDir, opts.log);
    this.storage = new StorageEmulator(this.persist);
    this.network = new NetworkEmulator(this.persist, opts.log, { instance: instanceId(opts.stateDir), scratch: join(opts.stateDir, 'ip-batch') });
    this.hnsCalls = new HnsDispatch(this.network);
    this.compute = new ComputeEmulator(opts.stateDir, this.persist, this.storage, (systemId, event, data, pid) => this.broadcast(systemId, event, data, pid), opts.log);
    this.compute.netnsOf = (guid) => this.network.linuxNetns(guid);
    this.compute.checkpoint = (point) => this.faults.check(point);
    this.network.checkpoint = (point) => this.faults.check(point);
    this.storage.layerHolder = (layerPath) => layerHolder(layerPath, this.compute.records());
    this.credentialGuard = new CredentialGuardEmulator(this.persist);
    this.compute.checkCredentialGuard = (op, state, path) => this.credentialGuard.checkContainer(op, state, path);
    this.jobs = new JobEmulator(opts.stateDir, this.compute, this.storage);
  }

  async start(): Promise<void> {
    await this.storage.load();
    await this.network.load();
    await this.credentialGuard.load();
    const iso = isolationFacts();
    if (iso.Enabled) mountDynmods(this.opts.stateDir, iso.Cgroups?.Version);
    await this.compute.load();
    const path = join(this.opts.stateDir, SOCKET_NAME);
    const server = createServer({ allowHalfOpen: true }, (sock) => this.accept(sock));
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      const old = process.umask(0o177);
      server.listen(path, () => { process.umask(old); res(); });
    });
    chmodSync(path, 0o600);
    this.server = server;
    this.compute.forget.graceForExited(); // from now on clients reconnect and re-open their process handles
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const c of this.conns) c.sock.destroy();
    await new Promise<void>((r) => this.server ? this.server.close(() => r()) : r());
    // Veths of detached endpoints in their grace period go now: nothing outlives the service (network-reaper.ts).
    await this.hnsCalls.alone(() => this.network.settle()).catch((e: Error) => this.opts.log(`network: finishing removals: ${e.message}`));
    await this.persist.flush();
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
    const conn: Conn = { sock, systems: new Map(), processes: new Map() };
    let first = true;
    let attached = false;
    const onData = (chunk: Buffer) => splitter.push(chunk);
    const splitter = new LineSplitter((line) => {
      let msg: WireRequest | AttachRequest;
      try { msg = JSON.parse(line) as WireRequest | AttachRequest; } catch {
        sock.destroy();
        return;
      }
      if (first && 'attach' in msg) {
        first = false;
        attached = true;
        sock.off('data', onData);
        this.attach(sock, msg, line);
        return;
      }
      first = false;
      void this.handle(conn, msg as WireRequest);
    });
    sock.on('data', onData);
    sock.on('error', () => undefined);
    sock.on('end', () => { if (!attached) sock.end(); });
    sock.on('close', () => {
      if (attached) return;
      this.conns.delete(conn);
      for (const [id, n] of conn.systems) for (let i = 0; i < n; i++) this.compute.releaseHandle(id);
      conn.systems.clear();
      // Kept for the grace: the client may be reconnecting to re-open them (process-forget.ts).
      if (!this.closing) this.compute.forget.releaseDropped(conn.processes.values());
      conn.processes.clear();
    });
    this.conns.add(conn);
  }

  private attach(sock: Socket, msg: AttachRequest, _line: string): void {
    this.conns.forEach((c) => { if (c.sock === sock) this.conns.delete(c); });
    const { systemId, pid, stream, acked, from, resumeAt, keep, waitMs } = msg.attach;
    sock.pause();
    this.faults.check('attach').then(async () => {
      if (stream !== 'stdin' && stream !== 'stdout' && stream !== 'stderr') throw new PlatformError(HRESULT.E_INVALIDARG, 'AttachStdio', `bad stream ${String(stream)}`);
      const opts = { acked: acked === true, keep: keep === true, ...(typeof from === 'number' ? { from } : {}), ...(typeof resumeAt === 'number' ? { resumeAt } : {}) };
      const wait = typeof waitMs === 'number' && Number.isFinite(waitMs) ? Math.min(Math.max(waitMs, 0), MAX_ATTACH_WAIT_MS) : 0;
      await this.compute.attachWhenFree(systemId, pid, stream, sock, (info) => sock.write(JSON.stringify({ ok: true, ...info }) + '\n'), opts, wait);
      sock.resume();
    }).catch((e: unknown) => {
      sock.end(JSON.stringify({ error: toWireError(e, 'AttachStdio') }) + '\n');
    });
  }

  private async handle(conn: Conn, req: WireRequest): Promise<void> {
    const res: WireResponse = { id: req.id };
    // Work until answered: a slow platform call (a container start, an HNS apply) is no quiet spell for the idle GC.
    idleGcWorkBegins();
    try {
      await this.faults.check(req.method);
      res.result = await this.dispatch(conn, req.method, req.params ?? {});
    } catch (e) {
      res.error = toWireError(e, req.method);
      if (!(e instanceof PlatformError)) this.opts.log(`${req.method} failed: ${(e as Error).stack ?? String(e)}`);
    } finally {
      idleGcWorkEnds();
    }
    if (!conn.sock.destroyed) conn.sock.write(JSON.stringify(res) + '\n');
  }

  private async dispatch(conn: Conn, method: string, p: Record<string, unknown>): Promise<unknown> {
    switch (method) { // its cases are fault-names.ts's SERVICE_METHODS (test/unit/platform/fault-coverage.test.ts checks)
      case 'hello': return { osVersion: this.opts.osVersion, architecture: this.opts.architecture, pid: process.pid, attachWaits: true } satisfies HelloAnswer;
      case 'serviceProperties':
        return {
          SupportedSchemaVersions: supportedSchemaVersions(this.opts.osVersion), OsVersion: this.opts.osVersion, Architecture: this.opts.architecture,
          Networking: this.network.networkingFacts(),
          // wincri extension: whether compute systems are isolated (namespaces, limits) and why not (for Status).
          Isolation: isolationFacts(),
          // wincri extension: spool writes of program output that failed and were held (spool-health.ts).
          Spool: { Stalls: spoolStalls() },
        };
      case 'queryServiceProperties':
        return this.credentialGuard.query(p.query, () => ({ SupportedSchemaVersions: supportedSchemaVersions(this.opts.osVersion) }));
      case 'modifyServiceSettings': await this.credentialGuard.modify(p.request); return null;
      case 'injectFault':
        this.faults.inject({ op: String(p.op), hresult: Number(p.hresult ?? 0) >>> 0, count: Number(p.count ?? 1), delayMs: p.delayMs === undefined ? undefined : Number(p.delayMs) });
        return null;
      case 'clearFaults': this.faults.clear(p.op as string | undefined); return null;
      case 'stopService':
        await this.compute.terminateAll();
        await this.network.teardownAll().catch((e: Error) => this.opts.log(`network teardown: ${e.message}`));
        sweepStrayHelpers(this.opts.stateDir, [], this.opts.log); // every system is stopped: none owns a helper
        setTimeout(() => this.onStopRequested?.(), 20);
        return null;
    }
    const call = platformCall(method);
    if (call) return call(this.callContext(conn), p);
    if (this.hnsCalls.handles(method)) return this.hnsCalls.dispatch(method, p);
    throw new PlatformError(HRESULT.E_NOTIMPL, method, `unknown method ${method}`);
  }

  /** What a compute, job or storage call may do to the connection's handles. */
  private callContext(conn: Conn): CallContext {
    const c = this.compute;
    return {
      compute: c, jobs: this.jobs, storage: this.storage,
      addSystem: (id) => {
        c.addHandle(id);
        // The client went away while the system was being created: its handles were released already, so this
        // one is released now (else a stopped system would never disappear).
        if (!this.conns.has(conn)) { c.releaseHandle(id); return; }
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
        if (!this.conns.has(conn)) { c.forget.releaseHandle(systemId, pid); return; }
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
}

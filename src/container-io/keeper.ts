/**
 * The per-node IO keeper: one small process that outlives the daemon and owns every container's stdio.
 *
 * The daemon asks it to start a container's init process; the keeper creates the process through the platform
 * ComputeService itself (on Windows HCS hands the stdio pipe handles to the caller, so the caller must be the
 * process that keeps them), pumps stdout/stderr into the CRI log file, and reports the exit once the output
 * is drained and the log flushed. A daemon kill -9 therefore loses no log line, and containers keep logging
 * while the daemon is down. Every container is recorded in <stateDir>/containers/<id>.json (pid, log path, and
 * once it exited the exit code and time); the daemon acknowledges an exit with `ack` (the record then says
 * acked, so a reconnecting client does not replay it) and drops the record with `forget`.
 *
 * Protocol: ./protocol.ts (JSON lines over a Unix socket or Windows named pipe).
 */
import { createServer, createConnection, type Server, type Socket } from 'node:net';
import { mkdir, readdir, unlink, chmod } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TextLineSplitter } from '../util/lines.js';
import type { Readable, Writable } from 'node:stream';
import type { Platform, ComputeSystem, ComputeProcess } from '../platform/types.js';
import type { ProcessStatusDoc } from '../platform/hcs/schema/index.js';
import { isGone } from '../platform/hresult.js';
import { systemsOf, type SystemKind } from '../platform/backends.js';
import { writeFileAtomic, readJson } from '../util/atomic.js';
import { logger, type Logger } from '../util/log.js';
import { CriLogWriter, nowNs, type StreamName } from './log-writer.js';
import { consoleSizeRequest } from '../platform/hcs/document/index.js';
import { AttachHub } from './attach-hub.js';
import { acceptAttach } from './attach-accept.js';
import {
  KEEPER_METHODS, KEEPER_PROTOCOL_VERSION, KEEPER_VERSION, MAX_REQUEST_LINE, CONTAINER_ID_RE, KeeperError,
  toWireError, type AttachmentInfo, type ExitEvent, type ExitInfo, type KeeperMethod, type StartParams,
  type StartResult, type PingResult, type ContainerIdParams, type WireError,
} from './protocol.js';

export interface KeeperOptions {
  socketPath: string;
  stateDir: string;
  platform: Platform;
  log?: Logger;
  /** How long after the process exit to wait for stdout/stderr EOF (grandchildren may hold the pipes). */
  drainTimeoutMs?: number;
  /** Retry interval when a recovered process cannot be reopened for a reason other than "gone". */
  recoveryRetryMs?: number;
}

export interface KeeperHandle {
  readonly socketPath: string;
  /** Stops serving and releases stdio and log files; never terminates containers. */
  close(): Promise<void>;
}

const DEFAULT_DRAIN_TIMEOUT_MS = 2000;
/** Exit code reported when the real one cannot be known (containerd uses the same value). */
const UNKNOWN_EXIT_CODE = 255;

/** What is stored per container in stateDir/<containerId>.json. */
interface PersistedRecord {
  version: 1;
  containerId: string;
  systemId: string;
  /** Absent in records of keepers before job containers: compute. */
  backend?: SystemKind;
  pid: number;
  logPath: string;
  maxLineSize?: number;
  startedAt: string;
  exited?: ExitInfo;
  acked?: boolean;
  recovered?: boolean;
}

interface Pump {
  done: Promise<void>;
  abort(): void;
}

interface Entry {
  record: PersistedRecord;
  phase: 'starting' | 'running' | 'draining' | 'exited';
  writer?: CriLogWriter;
  system?: ComputeSystem;
  proc?: ComputeProcess;
  stdin?: Writable;
  /** Live output fan-out and stdin for attach sessions (absent for recovered containers: attach needs a new start). */
  hub?: AttachHub;
  pumps: Pump[];
  /** Serialises state-file writes for this container. */
  chain: Promise<void>;
  forgotten: boolean;
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

function isNamedPipe(path: string): boolean {
  return /^\\\\[.?]\\pipe\\/i.test(path);
}

function bad(message: string): KeeperError { return new KeeperError('InvalidArgument', message); }

function requireContainerId(params: unknown): string {
  const id = (params as { containerId?: unknown } | undefined)?.containerId;
  if (typeof id !== 'string' || !CONTAINER_ID_RE.test(id)) throw bad(`invalid containerId ${JSON.stringify(id)}`);
  return id;
}

function validateStart(params: unknown): StartParams {
  if (typeof params !== 'object' || params === null) throw bad('start: params must be an object');
  const p = params as Record<string, unknown>;
  const containerId = requireContainerId(p);
  if (typeof p.systemId !== 'string' || p.systemId === '') throw bad('start: systemId must be a non-empty string');
  if (typeof p.process !== 'object' || p.process === null || Array.isArray(p.process)) {
    throw bad('start: process must be a ProcessParameters object');
  }
  if (p.backend !== undefined && p.backend !== 'compute' && p.backend !== 'job') throw bad('start: backend must be "compute" or "job"');
  if (p.logPath !== undefined && typeof p.logPath !== 'string') throw bad('start: logPath must be a string');
  if (p.maxLineSize !== undefined && (typeof p.maxLineSize !== 'number' || !Number.isFinite(p.maxLineSize))) {
    throw bad('start: maxLineSize must be a number');
  }
  return {
    containerId, systemId: p.systemId, backend: p.backend as SystemKind | undefined, process: p.process as StartParams['process'],
    logPath: (p.logPath as string | undefined) ?? '', maxLineSize: p.maxLineSize as number | undefined,
    stdinOnce: p.stdinOnce === true, tty: p.tty === true,
  };
}

/** Copies a stdio stream into the log (or discards it), awaiting every write: backpressure reaches the pipe. */
function startPump(source: Readable, name: StreamName, writer: CriLogWriter | undefined, log: Logger, hub?: AttachHub): Pump {
  let aborted = false;
  source.on('error', () => undefined); // reported through the iterator below
  const done = (async () => {
    let writeFailed = false;
    try {
      for await (const chunk of source) {
        const data = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
        hub?.output(name, data); // never waits: slow attachers are dropped, not waited for
        if (!writer || writeFailed) continue;
        try {
          await writer.write(name, data);
        } catch (e) {
          // Keep draining so the container never blocks on a full pipe; the log is broken from here on.
          writeFailed = true;
          log.error('writing container log failed; discarding further output', { stream: name, path: writer.path, err: e });
        }
      }
    } catch (e) {
      if (!aborted) log.warn('container stdio stream failed', { stream: name, err: e });
    }
    if (writer && !writeFailed) await writer.endStream(name).catch(() => undefined);
  })();
  return { done, abort() { aborted = true; source.destroy(); } };
}

class Keeper implements KeeperHandle {
  readonly socketPath: string;
  private readonly stateDir: string;
  private readonly platform: Platform;
  private readonly log: Logger;
  private readonly drainTimeoutMs: number;
  private readonly recoveryRetryMs: number;
  private readonly entries = new Map<string, Entry>();
  private readonly sockets = new Set<Socket>();
  private readonly subscribers = new Set<Socket>();
  private server: Server | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(opts: KeeperOptions) {
    this.socketPath = opts.socketPath;
    this.stateDir = opts.stateDir;
    this.platform = opts.platform;
    this.log = opts.log ?? logger('io-keeper');
    this.drainTimeoutMs = opts.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    this.recoveryRetryMs = opts.recoveryRetryMs ?? 5000;
  }

  // ------------------------------------------------------------------------------------------- lifecycle

  async init(): Promise<void> {
    await mkdir(this.recordDir, { recursive: true, mode: 0o700 });
    await this.recover();
    await this.listen();
    this.log.info('io keeper listening', { socket: this.socketPath, containers: this.entries.size });
  }

  private async listen(): Promise<void> {
    const pipe = isNamedPipe(this.socketPath);
    if (!pipe) await mkdir(dirname(this.socketPath), { recursive: true, mode: 0o700 });
    const server = createServer((sock) => this.onConnection(sock));
    server.on('error', (e) => this.log.error('keeper socket error', { err: e }));
    const tryListen = () => new Promise<void>((resolve, reject) => {
      const onErr = (e: Error) => reject(e);
      server.once('error', onErr);
      server.listen(this.socketPath, () => { server.off('error', onErr); resolve(); });
    });
    try {
      await tryListen();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || pipe) throw e;
      if (await socketAnswers(this.socketPath)) {
        throw new KeeperError('AlreadyExists', `another IO keeper is already listening on ${this.socketPath}`);
      }
      await unlink(this.socketPath).catch(() => undefined); // stale socket of a dead keeper
      await tryListen();
    }
    if (!pipe) await chmod(this.socketPath, 0o600);
    this.server = server;
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.closing = (async () => {
      const server = this.server;
      const serverClosed = server
        ? new Promise<void>((r) => server.close(() => r()))
        : Promise.resolve();
      for (const s of this.sockets) s.destroy();
      await serverClosed;
      // Release stdio and logs; the processes themselves keep running (their records stay "running").
      for (const e of this.entries.values()) {
        e.hub?.close();
        for (const p of e.pumps) p.abort();
      }
      await Promise.all([...this.entries.values()].map(async (e) => {
        await Promise.all(e.pumps.map((p) => p.done));
        await e.writer?.close().catch(() => undefined);
        e.stdin?.destroy();
        e.proc?.close();
        e.system?.close();
        await e.chain;
      }));
      this.log.info('io keeper stopped');
    })();
    return this.closing;
  }

  // ------------------------------------------------------------------------------------------- state

  /** Records live in <stateDir>/containers/<containerId>.json (the state dir may hold other files). */
  private get recordDir(): string { return join(this.stateDir, 'containers'); }

  private statePath(containerId: string): string {
    return join(this.recordDir, `${containerId}.json`);
  }

  private persist(entry: Entry): Promise<void> {
    const snapshot = JSON.stringify(entry.record);
    const path = this.statePath(entry.record.containerId);
    const p = entry.chain.then(async () => {
      if (entry.forgotten) return;
      await writeFileAtomic(path, snapshot, 0o600);
    });
    entry.chain = p.catch(() => undefined);
    return p;
  }

  private async recover(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.recordDir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      let rec: PersistedRecord | undefined;
      try {
        rec = await readJson<PersistedRecord>(join(this.recordDir, name));
      } catch (e) {
        this.log.warn('ignoring unreadable keeper state file', { file: name, err: e });
        continue;
      }
      if (!rec || typeof rec.containerId !== 'string' || `${rec.containerId}.json` !== name) {
        this.log.warn('ignoring malformed keeper state file', { file: name });
        continue;
      }
      const entry: Entry = { record: rec, phase: rec.exited ? 'exited' : 'running', pumps: [],
        chain: Promise.resolve(), forgotten: false };
      this.entries.set(rec.containerId, entry);
      if (!rec.exited) void this.reattach(entry);
    }
  }

  /**
   * A container that was running when the previous keeper stopped: its stdio is gone with that keeper, but the
   * process may still run. Keep a log writer open (so ReopenContainerLog works) and wait for the exit.
   */
  private async reattach(entry: Entry): Promise<void> {
    const rec = entry.record;
    rec.recovered = true;
    await this.persist(entry).catch((e) => this.log.warn('persisting recovered record failed', { err: e }));
    if (rec.logPath) {
      try {
        entry.writer = await CriLogWriter.open(rec.logPath, { maxLineSize: rec.maxLineSize });
      } catch (e) {
        this.log.warn('cannot reopen log of recovered container', { container: rec.containerId, err: e });
      }
    }
    for (;;) {
      if (this.closed || entry.forgotten) return;
      try {
        entry.system = await systemsOf(this.platform, rec.backend).openComputeSystem(rec.systemId);
        entry.proc = await entry.system.openProcess(rec.pid);
        break;
      } catch (e) {
        entry.system?.close();
        entry.system = undefined;
        if (isGone(e)) {
          this.log.warn('process of recovered container is gone; exit code unknown',
            { container: rec.containerId, pid: rec.pid, err: e });
          await this.finishExit(entry, UNKNOWN_EXIT_CODE, nowNs().toString(), true);
          return;
        }
        this.log.warn('cannot reopen process of recovered container; retrying',
          { container: rec.containerId, err: e });
        await delay(this.recoveryRetryMs);
      }
    }
    // Where the platform hands the output pipes to a new owner (the emulator; HcsGetProcessInfo), what the
    // container wrote while no keeper ran is still in them: pump it into the log as before.
    const out = await entry.proc.reopenOutput?.().catch((e) => { this.log.warn('cannot reopen output of recovered container', { container: rec.containerId, err: e }); return undefined; });
    if (out?.stdout) entry.pumps.push(startPump(out.stdout, 'stdout', entry.writer, this.log));
    if (out?.stderr) entry.pumps.push(startPump(out.stderr, 'stderr', entry.writer, this.log));
    this.log.info(`reattached to running container (${entry.pumps.length ? 'output reopened' : 'stdio lost'})`, { container: rec.containerId, pid: rec.pid });
    await this.watch(entry, entry.proc);
  }

  // ------------------------------------------------------------------------------------------- containers

  private async start(params: StartParams): Promise<StartResult> {
    const { containerId, systemId, backend, logPath = '', maxLineSize } = params;
    if (this.entries.has(containerId)) {
      throw new KeeperError('AlreadyExists', `container ${containerId} already has a process in the IO keeper`);
    }
    const entry: Entry = {
      record: { version: 1, containerId, systemId, backend, pid: 0, logPath, maxLineSize, startedAt: nowNs().toString() },
      phase: 'starting', pumps: [], chain: Promise.resolve(), forgotten: false,
    };
    this.entries.set(containerId, entry);
    let proc: ComputeProcess | undefined;
    try {
      if (logPath) {
        try {
          entry.writer = await CriLogWriter.open(logPath, { maxLineSize });
        } catch (e) {
          throw new KeeperError('FailedPrecondition', e instanceof Error ? e.message : String(e), { cause: e });
        }
      }
      entry.system = await systemsOf(this.platform, backend).openComputeSystem(systemId);
      proc = await entry.system.createProcess(params.process);
    } catch (e) {
      this.entries.delete(containerId);
      await entry.writer?.close().catch(() => undefined);
      entry.system?.close();
      throw e;
    }
    entry.proc = proc;
    entry.record.pid = proc.pid;
    const { stdin, stdout, stderr } = proc.stdio;
    if (stdin) {
      // Held open for attach; errors such as EPIPE after the process exits are expected.
      stdin.on('error', () => undefined);
      entry.stdin = stdin;
    }
    entry.hub = new AttachHub({
      containerId, stdin, stdinOnce: !!params.stdinOnce, tty: !!params.tty, log: this.log,
      resize: async (width, height) => { await entry.proc?.modify(consoleSizeRequest(height, width)); },
    });
    if (stdout) entry.pumps.push(startPump(stdout, 'stdout', entry.writer, this.log, entry.hub));
    if (stderr) entry.pumps.push(startPump(stderr, 'stderr', entry.writer, this.log, entry.hub));
    entry.phase = 'running';
    void this.watch(entry, proc);
    try {
      await this.persist(entry);
    } catch (e) {
      this.log.error('cannot record started container; terminating it', { containerId, err: e });
      entry.forgotten = true;
      this.entries.delete(containerId);
      await proc.terminate().catch(() => undefined);
      throw new KeeperError('Internal', `recording container ${containerId} in ${this.recordDir} failed: ${
        e instanceof Error ? e.message : String(e)}`);
    }
    this.log.info('started container process', { containerId, pid: proc.pid, logPath });
    return { pid: proc.pid };
  }

  /** Waits for the process exit, then for stdout/stderr EOF (bounded), flushes the log and reports. */
  private async watch(entry: Entry, proc: ComputeProcess): Promise<void> {
    let status: ProcessStatusDoc | undefined;
    try {
      status = await proc.waitExit();
    } catch (e) {
      if (this.closed) return;
      this.log.warn('waiting for process exit failed', { container: entry.record.containerId, err: e });
    }
    const exitedAt = nowNs().toString();
    if (this.closed) return;
    entry.phase = 'draining';
    const drained = Promise.all(entry.pumps.map((p) => p.done));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      drained.then(() => false),
      new Promise<boolean>((r) => { timer = setTimeout(() => r(true), this.drainTimeoutMs); }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.log.info('stdio still open after process exit; closing it', { container: entry.record.containerId });
      for (const p of entry.pumps) p.abort();
      await drained;
    }
    if (this.closed) return;
    const exitCode = typeof status?.ExitCode === 'number' ? status.ExitCode : UNKNOWN_EXIT_CODE;
    await this.finishExit(entry, exitCode, exitedAt, false);
  }

  private async finishExit(entry: Entry, exitCode: number, exitedAt: string, lost: boolean): Promise<void> {
    entry.hub?.exit(exitCode);
    entry.hub = undefined;
    await entry.writer?.close().catch((e) => this.log.warn('closing container log failed', { err: e }));
    entry.stdin?.destroy();
    entry.proc?.close();
    entry.system?.close();
    entry.stdin = undefined;
    entry.proc = undefined;
    entry.system = undefined;
    if (this.closed || entry.forgotten) return;
    const rec = entry.record;
    rec.exited = lost ? { exitCode, exitedAt, lost: true } : { exitCode, exitedAt };
    entry.phase = 'exited';
    try {
      await this.persist(entry);
    } catch (e) {
      this.log.error('persisting container exit failed', { container: rec.containerId, err: e });
    }
    if (this.closed || entry.forgotten) return;
    this.log.info('container process exited', { container: rec.containerId, pid: rec.pid, exitCode });
    const ev: ExitEvent = { event: 'exit', containerId: rec.containerId, pid: rec.pid, exitCode, exitedAt };
    const line = JSON.stringify(ev) + '\n';
    for (const s of this.subscribers) if (!s.destroyed) s.write(line);
  }

  private async reopenLog(params: ContainerIdParams): Promise<Record<string, never>> {
    const id = requireContainerId(params);
    const entry = this.entries.get(id);
    if (!entry) throw new KeeperError('NotFound', `container ${id} is not known to the IO keeper`);
    // 'draining': the process exited but its output still flows into the log; rotation must keep working.
    if (entry.phase !== 'running' && entry.phase !== 'draining') {
      throw new KeeperError('FailedPrecondition', `container ${id} is not running`);
    }
    if (!entry.record.logPath) return {};
    if (!entry.writer) {
      // Recovered container whose log could not be opened at recovery: try now.
      try {
        entry.writer = await CriLogWriter.open(entry.record.logPath, { maxLineSize: entry.record.maxLineSize });
        return {};
      } catch (e) {
        throw new KeeperError('FailedPrecondition', e instanceof Error ? e.message : String(e));
      }
    }
    try {
      await entry.writer.reopen();
    } catch (e) {
      throw new KeeperError('FailedPrecondition', `reopening log of container ${id}: ${
        e instanceof Error ? e.message : String(e)}`);
    }
    return {};
  }

  private list(): AttachmentInfo[] {
    const out: AttachmentInfo[] = [];
    for (const e of this.entries.values()) {
      if (e.phase === 'starting') continue;
      const r = e.record;
      const info: AttachmentInfo = { containerId: r.containerId, systemId: r.systemId, pid: r.pid, logPath: r.logPath };
      if (r.backend) info.backend = r.backend;
      if (r.exited) info.exited = { ...r.exited };
      if (r.acked) info.acked = true;
      if (r.recovered) info.recovered = true;
      if (e.hub && e.hub.size > 0) info.attachers = e.hub.size;
      if (e.writer) { const w = e.writer.written; info.logLines = w.lines; info.logBytes = w.bytes; }
      out.push(info);
    }
    return out.sort((a, b) => a.containerId.localeCompare(b.containerId));
  }

  private async ack(params: ContainerIdParams): Promise<Record<string, never>> {
    const id = requireContainerId(params);
    const entry = this.entries.get(id);
    if (!entry) throw new KeeperError('NotFound', `container ${id} is not known to the IO keeper`);
    if (!entry.record.exited) throw new KeeperError('FailedPrecondition', `container ${id} has not exited`);
    if (!entry.record.acked) {
      entry.record.acked = true;
      await this.persist(entry);
    }
    return {};
  }

  private async forget(params: ContainerIdParams): Promise<Record<string, never>> {
    const id = requireContainerId(params);
    const entry = this.entries.get(id);
    if (!entry) return {};
    if (entry.phase !== 'exited') {
      throw new KeeperError('FailedPrecondition', `container ${id} is still running; it cannot be forgotten`);
    }
    entry.forgotten = true;
    this.entries.delete(id);
    await entry.chain;
    await unlink(this.statePath(id)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
    return {};
  }

  // ------------------------------------------------------------------------------------------- connections

  private onConnection(sock: Socket): void {
    if (this.closed) { sock.destroy(); return; }
    this.sockets.add(sock);
    const lines = new TextLineSplitter((line) => this.onLine(sock, line));
    sock.on('data', (data: Buffer) => {
      lines.push(data);
      if (lines.pendingBytes > MAX_REQUEST_LINE) {
        this.send(sock, { id: null, error: { code: 'InvalidArgument', message: 'request line too long' } });
        sock.end();
        lines.reset();
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      this.sockets.delete(sock);
      this.subscribers.delete(sock);
    });
  }

  private send(sock: Socket, msg: unknown): void {
    if (!sock.destroyed && sock.writable) sock.write(JSON.stringify(msg) + '\n');
  }

  private onLine(sock: Socket, line: string): void {
    if (line.trim() === '') return;
    let req: unknown;
    try {
      req = JSON.parse(line);
    } catch {
      this.send(sock, { id: null, error: { code: 'InvalidArgument', message: 'malformed JSON request' } });
      return;
    }
    const r = req as { id?: unknown; method?: unknown; params?: unknown };
    const id = typeof r === 'object' && r !== null && typeof r.id === 'number' ? r.id : null;
    if (id === null) {
      this.send(sock, { id: null, error: { code: 'InvalidArgument', message: 'request needs a numeric id' } });
      return;
    }
    if (typeof r.method !== 'string' || !(KEEPER_METHODS as readonly string[]).includes(r.method)) {
      this.send(sock, { id, error: { code: 'InvalidArgument', message: `unknown method ${JSON.stringify(r.method)}` } });
      return;
    }
    if (r.method === 'attach') {
      acceptAttach(sock, id, r.params, (cid) => this.entries.get(cid), (msg) => this.send(sock, msg), this.closed);
      return;
    }
    this.dispatch(sock, r.method as KeeperMethod, r.params).then(
      (result) => this.send(sock, { id, result }),
      (e: unknown) => {
        const error: WireError = toWireError(e);
        if (error.code === 'Internal') this.log.error('keeper request failed', { method: r.method, err: e });
        this.send(sock, { id, error });
      });
  }

  private async dispatch(sock: Socket, method: KeeperMethod, params: unknown): Promise<unknown> {
    if (this.closed) throw new KeeperError('Unavailable', 'IO keeper is shutting down');
    switch (method) {
      case 'start': return this.start(validateStart(params));
      case 'reopenLog': return this.reopenLog(params as ContainerIdParams);
      case 'list': return this.list();
      case 'subscribe': this.subscribers.add(sock); return {};
      case 'ack': return this.ack(params as ContainerIdParams);
      case 'forget': return this.forget(params as ContainerIdParams);
      case 'ping': return { pid: process.pid, version: KEEPER_VERSION, protocol: KEEPER_PROTOCOL_VERSION } satisfies PingResult;
    }
  }
}

/** True when something accepts connections at the path. */
function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    const done = (v: boolean) => { s.destroy(); resolve(v); };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(false));
  });
}

/** Starts the keeper server: recovers state from stateDir, then listens on socketPath. */
export async function runKeeper(opts: KeeperOptions): Promise<KeeperHandle> {
  const k = new Keeper(opts);
  try {
    await k.init();
  } catch (e) {
    await k.close().catch(() => undefined);
    throw e;
  }
  return k;
}

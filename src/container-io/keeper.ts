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
import type { Server, Socket } from 'node:net';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Platform, ComputeProcess } from '../platform/types.js';
import type { ProcessStatusDoc } from '../platform/hcs/schema/index.js';
import { isGone } from '../platform/hresult.js';
import { systemsOf } from '../platform/backends.js';
import { logger, type Logger } from '../util/log.js';
import { CriLogWriter, nowNs } from './log-writer.js';
import { consoleSizeRequest } from '../platform/hcs/document/index.js';
import { AttachHub } from './attach-hub.js';
import { acceptAttach } from './attach-accept.js';
import {
  KEEPER_PROTOCOL_VERSION, KEEPER_VERSION, KeeperError, type AttachmentInfo, type ExitEvent, type KeeperMethod,
  type StartParams, type StartResult, type PingResult, type ContainerIdParams,
} from './protocol.js';
import { requireContainerId, validateStart } from './keeper-validate.js';
import { startPump } from './keeper-pump.js';
import { listenKeeperSocket } from './keeper-socket.js';
import { serveConnection, sendLine } from './keeper-wire.js';
import { RecordStore, newEntry, type Entry } from './keeper-state.js';
import { OffsetJournal, recoverOffsets } from './log-offsets.js';
import type { StreamOffsets } from './log-writer.js';

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

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

class Keeper implements KeeperHandle {
  readonly socketPath: string;
  private readonly records: RecordStore;
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
    this.platform = opts.platform;
    this.log = opts.log ?? logger('io-keeper');
    this.records = new RecordStore(join(opts.stateDir, 'containers'), this.log);
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
    this.server = await listenKeeperSocket(this.socketPath, (sock) => this.onConnection(sock), this.log);
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
        e.journal?.close();
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

  private get recordDir(): string { return this.records.dir; }

  private persist(entry: Entry): Promise<void> { return this.records.persist(entry); }

  private async recover(): Promise<void> {
    for (const rec of await this.records.load()) {
      const entry = newEntry(rec, rec.exited ? 'exited' : 'running');
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
    // Acknowledged output restarts where the log ends: nothing the dead keeper wrote is written twice.
    let from: StreamOffsets | undefined = rec.ackedOutput ? { stdout: 0, stderr: 0 } : undefined;
    if (rec.logPath) {
      try {
        if (rec.ackedOutput) {
          const r = await recoverOffsets(this.records.offsetsPath(rec.containerId), rec.logPath);
          if (r) from = r.offsets;
          if (r?.truncatedBytes) this.log.info('dropped a log batch cut short by the previous keeper\'s end', { container: rec.containerId, bytes: r.truncatedBytes });
        }
        entry.writer = await this.openLog(entry, from);
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
    const out = await entry.proc.reopenOutput?.(from).catch((e) => { this.log.warn('cannot reopen output of recovered container', { container: rec.containerId, err: e }); return undefined; });
    for (const name of ['stdout', 'stderr'] as const) {
      const stream = out?.[name];
      if (!stream) continue;
      const acks = out?.acks?.[name];
      if (acks?.gap) this.log.warn('container output lost while no keeper ran', { container: rec.containerId, stream: name, bytes: acks.gap });
      if (acks && entry.writer && acks.start !== from?.[name]) entry.writer.setOffset(name, acks.start);
      entry.pumps.push(startPump(stream, name, entry.writer, this.log, undefined, acks));
    }
    this.log.info(`reattached to running container (${entry.pumps.length ? 'output reopened' : 'stdio lost'})`, { container: rec.containerId, pid: rec.pid });
    await this.watch(entry, entry.proc);
  }

  // ------------------------------------------------------------------------------------------- containers

  /** Opens the container's log with its offset journal (log-offsets.ts); `offsets`: what the log already holds. */
  private async openLog(entry: Entry, offsets?: StreamOffsets): Promise<CriLogWriter> {
    const rec = entry.record;
    entry.journal?.close();
    entry.journal = OffsetJournal.create(this.records.offsetsPath(rec.containerId), offsets);
    const journal = entry.journal;
    return CriLogWriter.open(rec.logPath, { maxLineSize: rec.maxLineSize, journal: (j) => journal.write(j), ...(offsets ? { offsets } : {}) });
  }

  private async start(params: StartParams): Promise<StartResult> {
    const { containerId, systemId, backend, logPath = '', maxLineSize } = params;
    if (this.entries.has(containerId)) {
      throw new KeeperError('AlreadyExists', `container ${containerId} already has a process in the IO keeper`);
    }
    const entry = newEntry(
      { version: 1, containerId, systemId, backend, pid: 0, logPath, maxLineSize, startedAt: nowNs().toString() }, 'starting');
    this.entries.set(containerId, entry);
    let proc: ComputeProcess | undefined;
    try {
      if (logPath) {
        try {
          entry.writer = await this.openLog(entry);
        } catch (e) {
          throw new KeeperError('FailedPrecondition', e instanceof Error ? e.message : String(e), { cause: e });
        }
      }
      entry.system = await systemsOf(this.platform, backend).openComputeSystem(systemId);
      proc = await entry.system.createProcess(params.process, { ackedOutput: true });
    } catch (e) {
      this.entries.delete(containerId);
      await entry.writer?.close().catch(() => undefined);
      entry.journal?.close();
      await unlink(this.records.offsetsPath(containerId)).catch(() => undefined);
      entry.system?.close();
      throw e;
    }
    entry.proc = proc;
    entry.record.pid = proc.pid;
    const { stdin, stdout, stderr, acks } = proc.stdio;
    if (acks) entry.record.ackedOutput = true;
    if (stdin) {
      // Held open for attach; errors such as EPIPE after the process exits are expected.
      stdin.on('error', () => undefined);
      entry.stdin = stdin;
    }
    entry.hub = new AttachHub({
      containerId, stdin, stdinOnce: !!params.stdinOnce, tty: !!params.tty, log: this.log,
      resize: async (width, height) => { await entry.proc?.modify(consoleSizeRequest(height, width)); },
    });
    if (stdout) entry.pumps.push(startPump(stdout, 'stdout', entry.writer, this.log, entry.hub, acks?.stdout));
    if (stderr) entry.pumps.push(startPump(stderr, 'stderr', entry.writer, this.log, entry.hub, acks?.stderr));
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
    entry.journal?.close();
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
    await unlink(this.records.offsetsPath(id)).catch(() => undefined);
    await unlink(this.records.path(id)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
    return {};
  }

  // ------------------------------------------------------------------------------------------- connections

  private onConnection(sock: Socket): void {
    if (this.closed) { sock.destroy(); return; }
    this.sockets.add(sock);
    serveConnection(sock, {
      dispatch: (s, method, params) => this.dispatch(s, method, params),
      attach: (s, id, params) => acceptAttach(s, id, params, (cid) => this.entries.get(cid), (msg) => sendLine(s, msg), this.closed),
      onFailure: (method, e) => this.log.error('keeper request failed', { method, err: e }),
      onClose: (s) => { this.sockets.delete(s); this.subscribers.delete(s); },
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

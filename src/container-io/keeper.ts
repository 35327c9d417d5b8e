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
 * Protocol: ./protocol.ts (JSON lines over a Unix socket or Windows named pipe). This file holds the keeper's
 * lifecycle and its connections; starting a container (keeper-start.ts), its exit (keeper-exit.ts), its log
 * (keeper-logs.ts), recovery at start-up (keeper-recover.ts) and the bookkeeping requests (keeper-requests.ts)
 * have files of their own, sharing the state named in keeper-context.ts.
 */
import type { Server, Socket } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Platform } from '../platform/types.js';
import { logger, type Logger } from '../util/log.js';
import { acceptAttach } from './attach-accept.js';
import {
  KEEPER_PROTOCOL_VERSION, KEEPER_VERSION, KeeperError, type KeeperMethod, type PingResult, type ContainerIdParams,
} from './protocol.js';
import { validateStart } from './keeper-validate.js';
import { listenKeeperSocket } from './keeper-socket.js';
import { serveConnection, sendLine } from './keeper-wire.js';
import { RecordStore, type Entry } from './keeper-state.js';
import type { KeeperContext } from './keeper-context.js';
import { RECOVERY_GIVE_UP_MS } from './keeper-retry.js';
import { recover } from './keeper-recover.js';
import { start } from './keeper-start.js';
import { reopenLog } from './keeper-logs.js';
import { list, ack, forget } from './keeper-requests.js';
import { releaseStopped } from './keeper-exit-shutdown.js';
import { idleGcWorkBegins, idleGcWorkEnds } from '../util/idle-gc.js';

export interface KeeperOptions {
  socketPath: string;
  stateDir: string;
  platform: Platform;
  log?: Logger;
  /** How long after the process exit to wait for stdout/stderr EOF (grandchildren may hold the pipes). */
  drainTimeoutMs?: number;
  /** First pause between attempts to take a recovered process back (it doubles up to 15 s). */
  recoveryRetryMs?: number;
  /** How long a failing takeover of a recovered container is retried before its exit is reported lost. */
  recoveryGiveUpMs?: number;
}

export interface KeeperHandle {
  readonly socketPath: string;
  /** Stops serving and releases stdio and log files; never terminates containers. */
  close(): Promise<void>;
}

const DEFAULT_DRAIN_TIMEOUT_MS = 2000;

class Keeper implements KeeperHandle, KeeperContext {
  readonly socketPath: string;
  readonly records: RecordStore;
  readonly platform: Platform;
  readonly log: Logger;
  readonly drainTimeoutMs: number;
  readonly recoveryRetryMs: number;
  readonly recoveryGiveUpMs: number;
  readonly entries = new Map<string, Entry>();
  readonly forgetting = new Map<string, Promise<void>>();
  private readonly sockets = new Set<Socket>();
  readonly subscribers = new Set<Socket>();
  private server: Server | undefined;
  closed = false;
  private closing: Promise<void> | undefined;

  constructor(opts: KeeperOptions) {
    this.socketPath = opts.socketPath;
    this.platform = opts.platform;
    this.log = opts.log ?? logger('io-keeper');
    this.records = new RecordStore(join(opts.stateDir, 'containers'), this.log);
    this.drainTimeoutMs = opts.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    this.recoveryRetryMs = opts.recoveryRetryMs ?? 5000;
    this.recoveryGiveUpMs = opts.recoveryGiveUpMs ?? RECOVERY_GIVE_UP_MS;
  }

  async init(): Promise<void> {
    await mkdir(this.records.dir, { recursive: true, mode: 0o700 });
    await recover(this);
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
        releaseStopped(e);
        await e.chain;
      }));
      this.log.info('io keeper stopped');
    })();
    return this.closing;
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

  /** A request other than ping is work until answered: a start's platform calls may outlast the idle GC's quiet period. */
  private async dispatch(sock: Socket, method: KeeperMethod, params: unknown): Promise<unknown> {
    if (method === 'ping') return this.serve(sock, method, params);
    idleGcWorkBegins();
    try {
      return await this.serve(sock, method, params);
    } finally {
      idleGcWorkEnds();
    }
  }

  private async serve(sock: Socket, method: KeeperMethod, params: unknown): Promise<unknown> {
    if (this.closed) throw new KeeperError('Unavailable', 'IO keeper is shutting down');
    switch (method) {
      case 'start': return start(this, validateStart(params));
      case 'reopenLog': return reopenLog(this, params as ContainerIdParams);
      case 'list': return list(this);
      case 'subscribe': this.subscribers.add(sock); return {};
      case 'ack': return ack(this, params as ContainerIdParams);
      case 'forget': return forget(this, params as ContainerIdParams);
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

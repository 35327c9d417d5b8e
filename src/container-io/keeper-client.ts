/**
 * The daemon's side of the IO keeper protocol (./protocol.ts). One connection, request ids, automatic
 * reconnection: when the keeper goes away the client reconnects (spawning it again if a spawn function was
 * given), re-subscribes and re-reads `list`, so exit notifications are delivered at least once (the connection
 * and its reconnection: ./keeper-connection.ts). Each exit is delivered once per client (deduplicated by container
 * id and exit time) until it is acked or forgotten.
 */
import { logger, type Logger } from '../util/log.js';
import { attachToKeeper, type KeeperAttachment } from './attach-client.js';
import { attachUnsupported, startParamsFor } from './keeper-compat.js';
import { KeeperConnection, delay } from './keeper-connection.js';
import { KeeperLiveness, LIVENESS_INTERVAL_MS, LIVENESS_TIMEOUT_MS, type KeeperNoAnswer } from './keeper-liveness.js';
import { PendingCalls } from './keeper-pending.js';
import { ExitDelivery, type ExitListener } from './keeper-exit-delivery.js';
import {
  KeeperError, type AttachParams, type AttachmentInfo, type KeeperMethod, type KeeperMethods,
  type PingResult, type StartParams, type StartResult,
} from './protocol.js';

export interface KeeperClientOptions {
  /** Starts the keeper process (detached) when nothing answers on the socket. */
  spawn?: () => Promise<void>;
  /** How long connect() (and reconnection) keeps retrying after spawning. Default 10 s. */
  connectTimeoutMs?: number;
  /** Per-request timeout. Default 30 s. */
  requestTimeoutMs?: number;
  /** While calls are outstanding, the keeper is pinged this often (./keeper-liveness.ts). Default 2 s. */
  livenessIntervalMs?: number;
  /** A ping unanswered this long means the keeper is stuck; pings at connection use it too. Default 10 s. */
  livenessTimeoutMs?: number;
  /**
   * The connected keeper (its pid, from ping) stopped answering: end it, so that the reconnection starts a new one
   * (the daemon kills it; a keeper killed -9 is recovered by its successor). Without it the client only reconnects.
   */
  onUnresponsive?: (pid: number | undefined) => void;
  log?: Logger;
  /** Sees each request as it is written to the keeper connection, in order (diagnostics, tests). */
  onRequest?: (method: KeeperMethod, params: unknown) => void;
}

export class KeeperClient {
  readonly socketPath: string;
  private readonly opts: KeeperClientOptions;
  private readonly log: Logger;
  private readonly pending: PendingCalls;
  private readonly exits: ExitDelivery;
  private readonly liveness: KeeperLiveness;
  private readonly conn: KeeperConnection;

  private constructor(socketPath: string, opts: KeeperClientOptions) {
    this.socketPath = socketPath;
    this.opts = opts;
    this.log = opts.log ?? logger('io-keeper-client');
    this.liveness = new KeeperLiveness(opts.livenessIntervalMs ?? LIVENESS_INTERVAL_MS, () => this.probe(), (e) => this.stuck(e));
    this.pending = new PendingCalls(this.liveness);
    this.exits = new ExitDelivery(this.log);
    this.conn = new KeeperConnection(socketPath, opts, this.log, this.pending, this.exits, (method, params) => this.call(method, params));
  }

  /**
   * Connects to the keeper. If nothing answers and `spawn` is given, calls it once and retries for up to
   * connectTimeoutMs (10 s); otherwise fails with KeeperError 'Unavailable'.
   */
  static async connect(socketPath: string, opts: KeeperClientOptions = {}): Promise<KeeperClient> {
    const c = new KeeperClient(socketPath, opts);
    await c.conn.establish();
    return c;
  }

  // ------------------------------------------------------------------------------------------- API

  /** The connected keeper's protocol version (read from ping at every connection; ./keeper-compat.ts). */
  get protocol(): number { return this.conn.keeperProtocol; }
  ping(): Promise<PingResult> { return this.call('ping', undefined); }
  async start(params: StartParams): Promise<StartResult> { return this.call('start', startParamsFor(this.conn.keeperProtocol, params)); }
  async reopenLog(containerId: string): Promise<void> { await this.call('reopenLog', { containerId }); }
  list(): Promise<AttachmentInfo[]> { return this.call('list', undefined); }
  /** Attaches to a running container's stdio on a connection of its own (./attach-client.ts). */
  attachContainer(params: AttachParams): Promise<KeeperAttachment> {
    if (this.conn.closed) return Promise.reject(new KeeperError('Unavailable', 'keeper client closed'));
    const old = attachUnsupported(this.conn.keeperProtocol, params.containerId);
    if (old) return Promise.reject(old);
    return attachToKeeper(this.socketPath, params);
  }

  async ack(containerId: string): Promise<void> {
    await this.call('ack', { containerId });
    this.exits.drop(containerId);
  }

  async forget(containerId: string): Promise<void> {
    await this.call('forget', { containerId });
    this.exits.drop(containerId);
  }

  /**
   * Registers an exit listener and subscribes. Exits that happened before (unacknowledged ones in `list`) are
   * delivered too, and again after every reconnection, so none is missed while the daemon or keeper was down.
   * Resolves once the current unacknowledged exits were delivered; never rejects.
   */
  async onExit(cb: ExitListener): Promise<void> {
    this.exits.add(cb);
    const first = !this.conn.subscribed;
    this.conn.subscribed = true;
    try {
      if (first) await this.call('subscribe', undefined);
      await this.conn.replayExits();
    } catch (e) {
      // Never rejects (callers may not await it): after a lost connection the reconnect subscribes and replays.
      this.log.warn('subscribing to IO keeper exits failed; will retry on reconnect', { err: e });
      if (first && this.conn.sock && !this.conn.closed) this.conn.sock.destroy();
    }
  }

  async close(): Promise<void> {
    this.conn.closed = true;
    this.liveness.stop();
    this.pending.failAll(new KeeperError('Unavailable', 'keeper client closed'));
    const s = this.conn.sock;
    this.conn.sock = undefined;
    if (s && !s.destroyed) {
      await new Promise<void>((r) => { s.once('close', () => r()); s.end(); setTimeout(() => { s.destroy(); r(); }, 500).unref(); });
    }
  }

  // ------------------------------------------------------------------------------------------- internals

  private async call<M extends KeeperMethod>(method: M, params: KeeperMethods[M]['params']): Promise<KeeperMethods[M]['result']> {
    if (this.conn.closed) throw new KeeperError('Unavailable', 'keeper client closed');
    if (!this.conn.sock && this.conn.reconnecting) {
      const timeout = this.opts.connectTimeoutMs ?? 10_000;
      await Promise.race([this.conn.reconnecting, delay(timeout)]);
    }
    const sock = this.conn.sock;
    if (!sock) throw new KeeperError('Unavailable', `IO keeper at ${this.socketPath} is not connected`);
    const ms = method === 'ping' ? this.livenessTimeout() : this.requestTimeout();
    return this.pending.add(method, ms, (id) => {
      this.opts.onRequest?.(method, params);
      sock.write(JSON.stringify(params === undefined ? { id, method } : { id, method, params }) + '\n');
    });
  }

  private requestTimeout(): number { return this.opts.requestTimeoutMs ?? 30_000; }
  private livenessTimeout(): number { return this.opts.livenessTimeoutMs ?? LIVENESS_TIMEOUT_MS; }

  private probe(): Promise<unknown> {
    const sock = this.conn.sock;
    if (!sock || this.conn.closed) return Promise.resolve();
    // Unanswered on a connection replaced meanwhile: says nothing about the keeper connected now.
    return this.call('ping', undefined).catch((e: unknown) => { if (this.conn.sock === sock) throw e; });
  }

  /** The keeper left a liveness ping unanswered: fail what waits on it, have it ended, reconnect (to a new one). */
  private stuck(e: KeeperNoAnswer): void {
    const sock = this.conn.sock;
    if (!sock || this.conn.closed) return;
    const pid = this.conn.keeperPid;
    const calls = this.pending.outstandingWork;
    this.log.error('the IO keeper stopped answering (wedged or stopped); restarting it', { pid, outstanding: calls, err: e });
    this.pending.failAll(new KeeperError('Unavailable', `the IO keeper (pid ${pid ?? '?'}) stopped answering: a liveness ping got no answer within ${this.livenessTimeout()} ms while ${calls} call(s) were outstanding; the daemon restarts it, retry the call (see the keeper's log, io/keeper.log)`));
    try { this.opts.onUnresponsive?.(pid); } catch (err) { this.log.warn('ending the unresponsive IO keeper failed', { pid, err }); }
    sock.destroy();
  }
}

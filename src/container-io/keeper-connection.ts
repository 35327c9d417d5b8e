/**
 * The keeper client's connection (keeper-client.ts): connects to the keeper's socket (spawning the keeper once and
 * retrying for connectTimeoutMs when nothing answers), checks each connection with ping, reads its lines (answers to
 * the calls in flight, exit events) and, when the keeper goes away, reconnects with growing pauses, subscribing again
 * and reading `list` again so no exit is missed. The client writes its calls on `sock` and passes them in as `call`.
 */
import { createConnection, type Socket } from 'node:net';
import { TextLineSplitter } from '../util/lines.js';
import type { Logger } from '../util/log.js';
import type { PendingCalls } from './keeper-pending.js';
import type { ExitDelivery } from './keeper-exit-delivery.js';
import {
  KEEPER_PROTOCOL_VERSION, KeeperError, type ExitEvent, type KeeperMethod, type KeeperMethods, type WireError,
} from './protocol.js';

/** What the connection reads of the client's options (KeeperClientOptions), each time it needs it. */
export interface ConnectOptions {
  spawn?: () => Promise<void>;
  connectTimeoutMs?: number;
}

/** The client's call (keeper-client.ts): written on the current connection, answered through PendingCalls. */
export type KeeperCall = <M extends KeeperMethod>(method: M, params: KeeperMethods[M]['params']) => Promise<KeeperMethods[M]['result']>;

const RETRY_MS = 100;
export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function connectOnce(path: string, timeoutMs = 2000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection(path);
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`connect ${path}: timed out`)); }, timeoutMs);
    s.once('connect', () => { clearTimeout(timer); s.removeAllListeners('error'); resolve(s); });
    s.once('error', (e) => { clearTimeout(timer); s.destroy(); reject(e); });
  });
}

export class KeeperConnection {
  /** The connection calls are written on; undefined while there is none. */
  sock: Socket | undefined;
  /** Set by the client's close(): no connecting or reconnecting any more. */
  closed = false;
  /** The client subscribed to exits: each reconnection subscribes again and replays `list`. */
  subscribed = false;
  /** A reconnection under way (calls made meanwhile wait for it). */
  reconnecting: Promise<void> | undefined;
  /** The connected keeper's protocol version and pid, from its ping. */
  keeperProtocol = 1;
  keeperPid: number | undefined;

  constructor(
    private readonly socketPath: string,
    private readonly opts: ConnectOptions,
    private readonly log: Logger,
    private readonly pending: PendingCalls,
    private readonly exits: ExitDelivery,
    private readonly call: KeeperCall,
  ) {}

  /** Connects (spawning the keeper if needed) and verifies with ping. */
  async establish(): Promise<void> {
    const first = await this.tryAttach();
    if (first) return;
    if (!this.opts.spawn) {
      throw new KeeperError('Unavailable', `no IO keeper answers on ${this.socketPath}`);
    }
    await this.opts.spawn();
    const deadline = Date.now() + (this.opts.connectTimeoutMs ?? 10_000);
    while (Date.now() < deadline) {
      if (this.closed) throw new KeeperError('Unavailable', 'keeper client closed');
      if (await this.tryAttach()) return;
      await delay(RETRY_MS);
    }
    throw new KeeperError('Unavailable', `IO keeper did not come up on ${this.socketPath}`);
  }

  async replayExits(): Promise<void> {
    this.exits.replay(await this.call('list', undefined));
  }

  private async tryAttach(): Promise<boolean> {
    let sock: Socket;
    try {
      sock = await connectOnce(this.socketPath);
    } catch {
      return false;
    }
    this.attach(sock);
    try {
      const ping = await this.call('ping', undefined);
      this.keeperPid = typeof ping?.pid === 'number' ? ping.pid : undefined;
      this.keeperProtocol = typeof ping?.protocol === 'number' ? ping.protocol : 1;
      if (this.keeperProtocol < KEEPER_PROTOCOL_VERSION) this.log.warn('the IO keeper speaks an older protocol (kept across an upgrade): attach is unavailable until it is restarted', { protocol: this.keeperProtocol, pid: ping.pid });
      return true;
    } catch {
      this.detach(sock);
      sock.destroy();
      return false;
    }
  }

  private attach(sock: Socket): void {
    this.sock = sock;
    const lines = new TextLineSplitter((line) => this.onLine(line));
    sock.on('data', (data: Buffer) => lines.push(data));
    sock.on('error', (e) => this.log.debug('keeper connection error', { err: e }));
    sock.on('close', () => {
      if (this.sock !== sock) return;
      this.detach(sock);
      if (!this.closed) this.startReconnect();
    });
  }

  private detach(sock: Socket): void {
    if (this.sock === sock) this.sock = undefined;
    this.pending.failAll(new KeeperError('Unavailable', 'connection to the IO keeper was lost'));
  }

  private onLine(line: string): void {
    let msg: { id?: number | null; result?: unknown; error?: WireError; event?: string };
    try {
      msg = JSON.parse(line);
    } catch {
      this.log.warn('malformed message from IO keeper', { line: line.slice(0, 200) });
      return;
    }
    if (msg.event === 'exit') {
      this.exits.deliver(msg as unknown as ExitEvent);
      return;
    }
    if (typeof msg.id !== 'number') {
      if (msg.error) this.log.warn('IO keeper reported an error', { error: msg.error.message });
      return;
    }
    this.pending.answer(msg.id, msg.error, msg.result);
  }

  private startReconnect(): void {
    if (this.reconnecting) return;
    this.log.warn('connection to the IO keeper lost; reconnecting', { socket: this.socketPath });
    this.reconnecting = (async () => {
      let wait = RETRY_MS;
      while (!this.closed) {
        try {
          await this.establish();
          if (this.subscribed) {
            await this.call('subscribe', undefined);
            await this.replayExits();
          }
          this.log.info('reconnected to the IO keeper', { socket: this.socketPath });
          return;
        } catch (e) {
          if (this.sock) { this.sock.destroy(); }
          this.log.debug('IO keeper reconnect failed', { err: e });
          await delay(wait);
          wait = Math.min(wait * 2, 2000);
        }
      }
    })().finally(() => { this.reconnecting = undefined; });
  }
}

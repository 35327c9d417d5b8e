/**
 * Connection from a client process to the emulator service: request/response with reconnect, unsolicited events,
 * and stdio stream attachments. If nothing listens on the socket the client can spawn the service detached
 * (own session, stdio to <state>/service.log, unref'd) so it outlives the client. Its connection failures are
 * one HRESULT per case, whatever the call (connection-errors.ts).
 */
import { connect, type Socket } from 'node:net';
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceNotAvailable, serviceLost, clientClosed } from './connection-errors.js';
import { SMALL_HEAP_NODE_FLAGS } from '../../util/node-flags.js';
import {
  LineSplitter, fromWireError, SOCKET_NAME, LOG_NAME,
  type WireResponse, type WireEvent, type StreamName, type AttachRequest, type AttachAnswer, type HelloAnswer,
} from './protocol.js';
import { attachHandshake } from './attach-handshake.js';

export interface ClientOptions {
  stateDir: string; osVersion?: string; architecture?: string; spawnService?: boolean; connectTimeoutMs?: number;
  /** How long the service may leave a re-open of the handles unanswered before the connection is dropped and dialled again. */
  reopenTimeoutMs?: number;
}

const REOPEN_TIMEOUT_MS = 10_000;

/** Requests that are safe to send again after a reconnect: they only observe, or (endStdin) change state in a way
 *  that sending twice does not change again. Not settleRemovals: a leak audit must fail, not wait, when the
 *  service it asks has died. */
const RESENDABLE = new Set(['waitSystem', 'waitProcess', 'hello', 'systemProperties', 'processProperties', 'enumerateSystems', 'serviceProperties', 'endStdin']);

interface Pending { method: string; params: Record<string, unknown>; resolve: (v: unknown) => void; reject: (e: Error) => void }

function trySocket(path: string): Promise<Socket | undefined> {
  return new Promise((res) => {
    const s = connect(path);
    const fail = () => { s.destroy(); res(undefined); };
    s.once('error', fail);
    s.once('connect', () => { s.off('error', fail); res(s); });
  });
}

/** The service outlives its spawner: do not hand it the spawner's test-runner / debugger wiring. */
function serviceEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  return env;
}

export class EmulatorClient {
  private sock?: Socket;
  private connecting?: Promise<Socket>;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private resendQueue: [number, Pending][] = [];
  private closed = false;
  private eventListeners = new Set<(e: WireEvent) => void>();
  private disconnectListeners = new Set<() => void>();
  /** The last `hello` answer and the connection it came on: it describes that service only. */
  private greeted?: { sock: Socket; answer: HelloAnswer };
  /** Re-establishes server-side state (open handles) on a fresh connection before other requests go out. */
  reopen?: (send: (method: string, params: Record<string, unknown>) => Promise<unknown>) => Promise<void>;
  readonly socketPath: string;

  constructor(readonly opts: ClientOptions) {
    this.socketPath = join(opts.stateDir, SOCKET_NAME);
  }

  onEvent(l: (e: WireEvent) => void): void { this.eventListeners.add(l); }
  onDisconnect(l: () => void): void { this.disconnectListeners.add(l); }

  private spawnService(): void {
    mkdirSync(this.opts.stateDir, { recursive: true, mode: 0o700 });
    const main = fileURLToPath(new URL('./service/main.js', import.meta.url));
    const fd = openSync(join(this.opts.stateDir, LOG_NAME), 'a');
    try {
      const child = spawn(process.execPath, [...SMALL_HEAP_NODE_FLAGS, main, '--state', this.opts.stateDir,
        '--os-version', this.opts.osVersion ?? '10.0.20348', '--arch', this.opts.architecture ?? 'amd64'],
      { detached: true, stdio: ['ignore', fd, fd], env: serviceEnv() });
      child.on('error', () => undefined);
      child.unref();
    } finally { closeSync(fd); }
  }

  private async dial(): Promise<Socket> {
    const deadline = Date.now() + (this.opts.connectTimeoutMs ?? 15_000);
    let spawned = false;
    for (;;) {
      if (this.closed) throw clientClosed('connect');
      const s = await trySocket(this.socketPath);
      if (s) return s;
      if (this.opts.spawnService === false) {
        throw serviceNotAvailable('connect', `no emulator service answers at ${this.socketPath}`);
      }
      if (!spawned) { this.spawnService(); spawned = true; }
      if (Date.now() > deadline) throw serviceNotAvailable('connect', `the emulator service did not come up at ${this.socketPath} (its log: ${join(this.opts.stateDir, LOG_NAME)})`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Connects (spawning the service if needed) unless already connected. */
  connect(): Promise<Socket> {
    // While a fresh connection re-opens the handles (this.connecting still pending), other requests wait: an open
    // sent meanwhile would be counted by the service twice (its own, and the re-open that now finds it in the
    // handle table), and a stopped system it names would then never disappear.
    if (this.sock && !this.sock.destroyed && !this.connecting) return Promise.resolve(this.sock);
    if (this.connecting) return this.connecting;
    this.connecting = (async () => {
      for (let attempt = 0; ; attempt++) {
        const s = await this.dial();
        const splitter = new LineSplitter((line) => this.onLine(line, s));
        s.setEncoding('utf8');
        s.on('data', (d: string) => splitter.push(d));
        s.on('error', () => undefined);
        s.on('close', () => this.onClose(s));
        this.sock = s;
        if (this.reopen) await this.reopenOn(s, this.reopen);
        // A service that was dying when we dialled drops the connection at once (or one stalled the re-open,
        // and it was dropped): dial again.
        if (this.sock !== s || s.destroyed) {
          if (attempt > 50) throw serviceNotAvailable('connect', `the emulator service at ${this.socketPath} keeps dropping connections (its log: ${join(this.opts.stateDir, LOG_NAME)})`);
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        // Re-send the observing requests that were in flight on the previous connection.
        const resend = this.resendQueue;
        this.resendQueue = [];
        for (const [id, p] of resend) if (this.pending.get(id) === p) this.write(s, id, p);
        return s;
      }
    })();
    this.connecting.then(() => { this.connecting = undefined; }, () => { this.connecting = undefined; });
    return this.connecting;
  }

  /**
   * Re-opens the handles on a fresh connection. Every request waits for that, waitProcess included. A service that
   * answers nothing for the deadline (counted from its last answer: a long re-open that keeps being answered is
   * let finish) has the connection dropped for a new dial; the handles it held stay kept there for a grace
   * (service/process-forget.ts), so the next re-open still finds them.
   */
  private async reopenOn(s: Socket, reopen: NonNullable<EmulatorClient['reopen']>): Promise<void> {
    const ms = this.opts.reopenTimeoutMs ?? REOPEN_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    let heard = () => undefined as void;
    const silent = new Promise<void>((res) => {
      heard = () => { clearTimeout(timer); timer = setTimeout(() => { s.destroy(); res(); }, ms); };
    });
    heard();
    s.on('data', heard);
    try {
      await Promise.race([reopen((m, p) => this.sendOn(s, m, p)), silent]);
    } finally {
      clearTimeout(timer);
      s.off('data', heard);
    }
  }

  private write(s: Socket, id: number, p: Pending): void {
    s.write(JSON.stringify({ id, method: p.method, params: p.params }) + '\n');
  }

  private sendOn(s: Socket, method: string, params: Record<string, unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (s.destroyed || this.sock !== s) {
        reject(serviceLost(method, this.servicePidOn(s)));
        return;
      }
      const id = this.nextId++;
      const p: Pending = { method, params, resolve, reject };
      this.pending.set(id, p);
      this.write(s, id, p);
    });
  }

  private onLine(line: string, s: Socket): void {
    let msg: WireResponse & Partial<WireEvent>;
    try { msg = JSON.parse(line) as WireResponse & Partial<WireEvent>; } catch { return; }
    if (msg.event) { for (const l of this.eventListeners) l(msg as unknown as WireEvent); return; }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    // A hello answer describes the service on the connection it came on (a resent hello: the one dialled since).
    if (p.method === 'hello' && !msg.error) this.greeted = { sock: s, answer: msg.result as HelloAnswer };
    if (msg.error) p.reject(fromWireError(msg.error, p.method)); else p.resolve(msg.result);
  }

  private onClose(s: Socket): void {
    if (this.sock !== s) return;
    this.sock = undefined;
    const resend: [number, Pending][] = [];
    for (const [id, p] of this.pending) {
      if (!this.closed && RESENDABLE.has(p.method)) resend.push([id, p]);
      else p.reject(serviceLost(p.method, this.servicePidOn(s)));
    }
    this.pending = new Map(resend);
    this.resendQueue = resend;
    if (this.closed) return;
    for (const l of this.disconnectListeners) l();
    const retry = (delay: number) => {
      if (this.closed) return;
      this.connect().catch(() => setTimeout(() => retry(Math.min(delay * 2, 2000)), delay));
    };
    if ((resend.length > 0 || this.reopen) && !this.connecting) retry(50);
  }

  /**
   * The service's `hello` (its host, pid and abilities: protocol.ts HelloAnswer), asked once per connection: a
   * reconnect may reach another service (restarted, or of another wincri version), which is asked again.
   */
  async hello(): Promise<HelloAnswer> {
    const g = this.greeted;
    if (g && g.sock === this.sock && !g.sock.destroyed && !this.connecting) return g.answer;
    return this.request<HelloAnswer>('hello'); // bound to its connection as it is answered (onLine)
  }

  /** The pid of the service connection `s` greeted, if it did. */
  private servicePidOn(s: Socket | undefined): number | undefined {
    const g = this.greeted;
    return g && s && g.sock === s ? g.answer.pid : undefined;
  }

  async request<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    if (this.closed) throw clientClosed(method);
    const s = await this.connect();
    return this.sendOn(s, method, params) as Promise<T>;
  }

  /**
   * Opens a stdio attachment: a dedicated connection carrying the raw bytes of one stream of a process. `waitMs`
   * (output): how long the service waits for a stream another reader holds to be let go (protocol.ts).
   */
  async attach(systemId: string, pid: number, stream: StreamName, waitMs?: number): Promise<Socket> {
    return (await this.attachWith({ systemId, pid, stream, ...(waitMs ? { waitMs } : {}) })).sock;
  }

  /**
   * A stdin attachment; for a process whose stdin the service spools (service/stdin-spool.ts) the answer says how
   * much the spool holds (`start`) and whether its end is recorded (`eof`); `start` is absent for a plain pipe.
   * `keep`: the attachment's end does not end the stream (only an endStdin request does), so it outlives this client.
   */
  async attachStdin(systemId: string, pid: number, keep = false): Promise<{ sock: Socket; start?: number; eof: boolean }> {
    const { sock, answer } = await this.attachWith({ systemId, pid, stream: 'stdin', acked: true, ...(keep ? { keep } : {}) });
    return { sock, ...(answer.start !== undefined ? { start: answer.start } : {}), eof: answer.eof === true };
  }

  /** An output attachment with acknowledged delivery from `from` (protocol.ts): where it starts and what is gone; `waitMs` as attach's. */
  async attachAcked(systemId: string, pid: number, stream: 'stdout' | 'stderr', from?: number, resumeAt?: number, waitMs?: number): Promise<{ sock: Socket; start: number; gap: number; eof: boolean }> {
    const { sock, answer } = await this.attachWith({ systemId, pid, stream, acked: true, ...(from !== undefined ? { from } : {}), ...(resumeAt !== undefined ? { resumeAt } : {}), ...(waitMs ? { waitMs } : {}) });
    return { sock, start: answer.start ?? 0, gap: answer.gap ?? 0, eof: answer.eof === true };
  }

  private async attachWith(attach: AttachRequest['attach']): Promise<{ sock: Socket; answer: AttachAnswer }> {
    await this.connect();
    // What this client knows of the service; a cut handshake names the instance that greeted it (attach-handshake.ts).
    const hello = await this.hello().catch(() => undefined);
    const s = await trySocket(this.socketPath);
    if (!s) throw serviceNotAvailable('AttachStdio', `no emulator service answers at ${this.socketPath}`);
    return { sock: s, answer: await attachHandshake(s, attach, hello) };
  }

  /** Closed on purpose (close()): its requests fail with HCS_E_CONNECTION_CLOSED for good, not because the service is away (connection-errors.ts). */
  get isClosed(): boolean { return this.closed; }

  close(): void {
    this.closed = true;
    const s = this.sock;
    this.sock = undefined;
    for (const [, p] of this.pending) p.reject(clientClosed(p.method));
    this.pending.clear();
    s?.end();
    s?.destroy();
  }
}

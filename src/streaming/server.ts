/**
 * The streaming HTTP(S) server: /exec/<token>, /attach/<token>, /portforward/<token> (any method). A token is
 * looked up, consumed once a session slot is free, and its session runs on the upgraded connection
 * (SPDY/3.1 or WebSocket). Unknown, used or expired tokens get 404 and nothing runs; over the cap the upgrade
 * waits in a bounded queue (./session-slots.ts: 429 when full, 503 after the wait deadline). The
 * protocol code (SPDY, WebSocket via `ws`, the remote command and port-forward sessions) is loaded with the first
 * upgrade: a node that never execs does not carry it.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import type { Registry } from 'prom-client';
import type { Logger } from '../util/log.js';
import { RuntimeError } from '../errors.js';
import type { StreamingService, StreamSession } from './types.js';
import { TokenCache } from './tokens.js';
import { StreamingMetrics, type Transport } from './metrics.js';
import { replyAndClose } from './http-reply.js';
import { isSpdyUpgrade } from './spdy-upgrade.js';
import type { DispatchOptions } from './dispatch.js';
import { baseUrl, reachableHost } from './address.js';
import { holdIdleGc } from '../util/idle-gc.js';
import { timerDelay } from '../util/long-timer.js';
import { SessionSlots } from './session-slots.js';

export interface StreamingServerOptions {
  address: string;
  port: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
  idleTimeoutMs: number;
  maxSessions: number;
  /** Upgrades waiting for a session slot beyond maxSessions; more get 429 (default 64). */
  maxQueuedSessions?: number;
  /** How long an upgrade waits for a slot before 503 (default 30 s). */
  sessionQueueMs?: number;
  tokenTtlMs: number;
  /** Outstanding tokens (default 1000, as the stock CRI server). */
  maxTokens?: number;
  /** SPDY: all expected streams must exist this long after the upgrade (default 30 s). */
  streamCreationTimeoutMs?: number;
  registry?: Registry;
  log: Logger;
  /** Clock for token expiry (tests). */
  now?: () => number;
}

const ROUTE = /^\/(exec|attach|portforward)\/([A-Za-z0-9_-]{1,64})\/?$/;
const CHOSEN = new WeakMap<http.IncomingMessage, string>();

export class StreamingServer implements StreamingService {
  private readonly tokens: TokenCache<StreamSession>;
  private readonly metrics: StreamingMetrics;
  private readonly server: http.Server;
  private wss?: WebSocketServer;
  private readonly live = new Map<Duplex, Promise<void>>();
  private readonly dispatch: DispatchOptions;
  private base: string | undefined;
  private readonly slots: SessionSlots;

  constructor(private readonly opts: StreamingServerOptions) {
    this.tokens = new TokenCache({ ttlMs: opts.tokenTtlMs, max: opts.maxTokens ?? 1000, now: opts.now });
    this.metrics = new StreamingMetrics(opts.registry);
    this.slots = new SessionSlots(opts.maxSessions, opts.maxQueuedSessions ?? 64, opts.sessionQueueMs ?? 30_000);
    this.dispatch = { idleTimeoutMs: opts.idleTimeoutMs, streamCreationTimeoutMs: opts.streamCreationTimeoutMs ?? 30_000, log: opts.log };
    this.server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }) : http.createServer();
    this.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => this.onPlainRequest(req, res));
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    this.server.on('clientError', (_e: Error, socket: Duplex) => replyAndClose(socket, 400, 'bad request'));
  }

  /** Starts listening; resolves with the base URL (http(s)://host:port). */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.address, () => { this.server.off('error', reject); resolve(); });
    });
    const port = (this.server.address() as AddressInfo).port;
    this.base = baseUrl(this.opts.tls ? 'https' : 'http', reachableHost(this.opts.address), port);
    this.opts.log.info('streaming server listening', { url: this.base, address: this.opts.address });
    return this.base;
  }

  get url(): string {
    if (!this.base) throw new RuntimeError('FailedPrecondition', 'the streaming server is not listening yet');
    return this.base;
  }

  get service(): StreamingService {
    return this;
  }

  get activeSessions(): number {
    return this.live.size;
  }

  /** Upgrades waiting for a session slot. */
  get queuedSessions(): number {
    return this.slots.queued;
  }

  register(session: StreamSession): string {
    const base = this.url;
    const route = session.kind === 'portforward' ? 'portforward' : session.kind;
    return `${base}/${route}/${this.tokens.add(session)}`;
  }

  /** Stops accepting, ends every session (their processes are closed), releases every socket. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.slots.dropWaiting();
    for (const socket of this.live.keys()) socket.destroy();
    await Promise.all(this.live.values());
    this.server.closeAllConnections();
    this.wss?.close();
    await closed;
  }

  private onPlainRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const m = ROUTE.exec(new URL(req.url ?? '/', 'http://x').pathname);
    const session = m ? this.tokens.consume(m[2]!) : undefined;
    if (!m || !session || routeOf(session) !== m[1]) {
      this.metrics.refused.inc({ reason: 'not_found' });
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('unknown or expired streaming URL\n');
      return;
    }
    this.metrics.refused.inc({ reason: 'not_upgraded' });
    res.writeHead(400, { 'Content-Type': 'text/plain' }).end('Upgrade request required (SPDY/3.1 or WebSocket)\n');
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (e: Error) => this.opts.log.debug('streaming socket error', { err: e.message }));
    const m = ROUTE.exec(new URL(req.url ?? '/', 'http://x').pathname);
    const peek = m ? this.tokens.peek(m[2]!) : undefined;
    if (!m || !peek || routeOf(peek) !== m[1]) {
      this.metrics.refused.inc({ reason: 'not_found' });
      return replyAndClose(socket, 404, 'unknown or expired streaming URL');
    }
    const websocket = (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
    if (!websocket && !isSpdyUpgrade(req)) {
      this.metrics.refused.inc({ reason: 'bad_upgrade' });
      return replyAndClose(socket, 400, `unsupported upgrade "${req.headers.upgrade ?? ''}": use SPDY/3.1 or websocket`);
    }
    void this.slots.take(socket).then((slot) => {
      if (!slot.ok) {
        if (slot.reason === 'closed') return;
        this.metrics.refused.inc({ reason: slot.reason });
        // A refused upgrade leaves its token usable (until it expires): the client may retry the same URL.
        return replyAndClose(socket, slot.status, slot.message, [['Retry-After', '1']]);
      }
      this.startSession(req, socket, head, m[2]!, websocket);
    });
  }

  /** Runs the session of a token on an upgraded connection that holds a session slot. */
  private startSession(req: http.IncomingMessage, socket: Duplex, head: Buffer, token: string, websocket: boolean): void {
    const session = this.tokens.consume(token);
    if (!session) {
      this.slots.release();
      this.metrics.refused.inc({ reason: 'not_found' });
      return replyAndClose(socket, 404, 'the streaming URL expired while it waited for a session slot');
    }
    // Until the protocol code is loaded nothing reads the socket: its bytes wait in the socket (paused).
    const run = import('./dispatch.js').then((d) => (websocket ? this.runWebSocket(d, req, socket, head, session) : d.serveSpdy(req, socket, head, session, this.dispatch)));
    this.track(socket, session, websocket ? 'websocket' : 'spdy', run);
  }

  private async runWebSocket(d: typeof import('./dispatch.js'), req: http.IncomingMessage, socket: Duplex, head: Buffer, session: StreamSession): Promise<void> {
    const protocol = d.wsProtocol(req, socket, session);
    if (protocol === undefined) return;
    // ws only accepts RFC 6455 token characters in offers, but client-go's tunnel protocol contains '/'
    // (SPDY/3.1+portforward.k8s.io): the choice is made above, ws just sees a placeholder and echoes the choice.
    if (protocol === '') delete req.headers['sec-websocket-protocol']; else req.headers['sec-websocket-protocol'] = 'negotiated';
    CHOSEN.set(req, protocol);
    if (!this.wss) {
      const { WebSocketServer } = await import('ws');
      this.wss ??= new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024, handleProtocols: (_offered, r) => CHOSEN.get(r) || false });
    }
    const ws = await d.acceptWebSocket(this.wss, req, socket, head);
    (socket as Socket).setTimeout?.(timerDelay(this.opts.idleTimeoutMs), () => { this.opts.log.info('websocket idle timeout'); ws.terminate(); });
    await d.serveWebSocket(ws, session, this.dispatch);
  }

  private track(socket: Duplex, session: StreamSession, transport: Transport, run: Promise<void>): void {
    const kind = session.kind;
    const started = process.hrtime.bigint();
    this.metrics.active.inc({ kind, transport });
    const release = holdIdleGc(); // no idle collection while a session streams
    const done = run
      .catch((e: unknown) => this.opts.log.warn('streaming session failed', { kind, err: e }))
      .finally(() => {
        socket.destroy();
        const s = socket as Partial<Socket>;
        this.metrics.active.dec({ kind, transport });
        this.metrics.received.inc({ kind }, s.bytesRead ?? 0);
        this.metrics.sent.inc({ kind }, s.bytesWritten ?? 0);
        this.metrics.duration.observe({ kind }, Number(process.hrtime.bigint() - started) / 1e9);
        this.live.delete(socket);
        this.slots.release();
        release();
      });
    this.live.set(socket, done);
  }
}

function routeOf(s: StreamSession): string {
  return s.kind;
}

export function createStreamingServer(opts: StreamingServerOptions): StreamingServer {
  return new StreamingServer(opts);
}

/**
 * The keeper side of attach: one hub per running container fans its live output out to every attached
 * connection and feeds their stdin to the process (framing: ./attach-frames.ts).
 *
 * - Output already logged is not replayed: an attacher sees the chunks that arrive after it attached.
 * - Logging is never blocked by an attacher. Each attach socket may hold at most `maxBuffered` bytes the client
 *   has not read yet; an attacher beyond that is disconnected (CLOSED frame with the reason), the log and the
 *   other attachers go on. (containerd writes to its attach writers synchronously, so there a stalled client
 *   stalls the container's log; dropping the slow reader is the bounded choice.)
 * - stdin, as containerd does it: with `stdin_once` (and no tty) the first attacher whose stdin ends — STDIN_EOF
 *   or disconnect — closes the process's stdin for good; otherwise an attacher's STDIN_EOF only detaches that
 *   attacher (DETACHED frame) and the process's stdin stays open for the next one (kubectl#52686).
 * - RESIZE frames resize the console of a tty container through the platform process (ConsoleSize).
 * - When the container exits (after its output drained), every attacher gets EXIT with the exit code.
 */
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import type { Logger } from '../util/log.js';
import { FRAME, FrameDecoder, encodeFrame, type FrameType } from './attach-frames.js';
import type { AttachParams, AttachResult } from './protocol.js';
import type { StreamName } from './log-writer.js';

export const DEFAULT_ATTACH_BUFFER = 4 * 1024 * 1024;

export interface AttachHubOptions {
  containerId: string;
  /** The process's stdin, when the container was created with stdin. */
  stdin?: Writable;
  stdinOnce: boolean;
  tty: boolean;
  resize(width: number, height: number): Promise<void>;
  log: Logger;
  /** Unread bytes an attach socket may hold before its attacher is disconnected. */
  maxBuffered?: number;
}

interface Attacher { sock: Socket; stdin: boolean; stdout: boolean; stderr: boolean; done: boolean }

export class AttachHub {
  private readonly attachers = new Set<Attacher>();
  private stdinClosed = false;
  private readonly maxBuffered: number;

  constructor(private readonly o: AttachHubOptions) {
    this.maxBuffered = o.maxBuffered ?? DEFAULT_ATTACH_BUFFER;
    o.stdin?.once('close', () => { this.stdinClosed = true; });
  }

  get size(): number { return this.attachers.size; }

  /** Takes over `sock` (its JSON-line phase is over) after the response carrying the returned result was sent. */
  add(sock: Socket, p: AttachParams, respond: (r: AttachResult) => void): void {
    const stdinOpen = !!this.o.stdin && !this.stdinClosed;
    const a: Attacher = { sock, stdin: p.stdin && stdinOpen, stdout: p.stdout, stderr: p.stderr && !this.o.tty, done: false };
    this.attachers.add(a);
    respond({ tty: this.o.tty, stdin: a.stdin });
    const decoder = new FrameDecoder((type, payload) => this.onFrame(a, type, payload));
    sock.on('data', (d: Buffer) => {
      try { decoder.push(d); } catch (e) { this.end(a, FRAME.CLOSED, (e as Error).message); }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => this.gone(a));
  }

  /** Live output of the container: goes to every attacher that asked for this stream, never waits. */
  output(name: StreamName, chunk: Buffer): void {
    if (this.attachers.size === 0) return;
    const type = name === 'stdout' ? FRAME.STDOUT : FRAME.STDERR;
    let frame: Buffer | undefined;
    for (const a of this.attachers) {
      if (a.done || !(name === 'stdout' ? a.stdout : a.stderr)) continue;
      if (a.sock.writableLength > this.maxBuffered) {
        this.o.log.warn('attach client reads too slowly; disconnecting it', { containerId: this.o.containerId });
        this.end(a, FRAME.CLOSED, `attach to container ${this.o.containerId} was closed: the client did not read its output fast enough`);
        continue;
      }
      a.sock.write(frame ??= encodeFrame(type, chunk));
    }
  }

  /** The container exited and its output is drained: every attacher gets the exit code and is ended. */
  exit(exitCode: number): void {
    for (const a of this.attachers) this.end(a, FRAME.EXIT, JSON.stringify({ exitCode }));
  }

  /** The keeper stops: attach connections go away (the container keeps running). */
  close(): void {
    for (const a of this.attachers) { a.done = true; a.sock.destroy(); }
    this.attachers.clear();
  }

  private onFrame(a: Attacher, type: number, payload: Buffer): void {
    if (a.done) return;
    switch (type) {
      case FRAME.STDIN: {
        const w = this.o.stdin;
        if (!a.stdin || !w || this.stdinClosed || w.destroyed || w.writableEnded) return;
        if (!w.write(payload)) {
          a.sock.pause();
          w.once('drain', () => a.sock.resume());
          w.once('close', () => a.sock.resume());
        }
        return;
      }
      case FRAME.STDIN_EOF:
        if (this.stdinEnded(a)) return;
        this.end(a, FRAME.DETACHED);
        return;
      case FRAME.RESIZE: {
        if (!this.o.tty) return;
        let size: { width?: unknown; height?: unknown };
        try { size = JSON.parse(payload.toString('utf8')) as typeof size; } catch { return; }
        if (typeof size.width !== 'number' || typeof size.height !== 'number') return;
        this.o.resize(size.width, size.height).catch((e) => this.o.log.debug('attach resize failed', { err: e }));
        return;
      }
      default:
        this.end(a, FRAME.CLOSED, `unexpected attach frame type ${type}`);
    }
  }

  /** stdin of attacher `a` ended; true when that closed the process's stdin (stdin_once without tty). */
  private stdinEnded(a: Attacher): boolean {
    if (!a.stdin) return false;
    a.stdin = false;
    if (!this.o.stdinOnce || this.o.tty || this.stdinClosed) return false;
    this.stdinClosed = true;
    this.o.stdin?.end();
    this.o.log.info('stdin_once: the first attach closed its stdin; closing the container stdin', { containerId: this.o.containerId });
    return true;
  }

  private gone(a: Attacher): void {
    this.attachers.delete(a);
    a.done = true;
    this.stdinEnded(a);
  }

  private end(a: Attacher, type: FrameType, payload: string = ''): void {
    if (a.done) return;
    a.done = true;
    this.attachers.delete(a);
    this.stdinEnded(a);
    a.sock.end(encodeFrame(type, payload));
    // A client that does not read never lets `end` finish: do not keep its socket forever.
    setTimeout(() => a.sock.destroy(), 5000).unref();
  }
}

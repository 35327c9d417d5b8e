/**
 * A process's stdin that survives the service (the service side of stdin-feed-source.ts): what the attachment
 * writes is appended to spill segments `<IN>.<offset, base 36>.spill` next to the doorbell FIFO at IN, and only
 * then acknowledged ("<offset>\n" lines back on the attachment) and rung; the helper that outlives the service
 * (the namespace helper's waiter, the pty helper's relay) feeds the segments to the program and removes each one
 * it finished once its successor exists. The attachment's end (the client closed stdin, or went away) is recorded
 * as `<IN>.eof` holding the stream's length (temp + rename), then "eof\n" goes back: the program gets its end of
 * file once it read everything. A killed service closes nothing: a restarted one finds the stream's length in the
 * newest segment (the next attachment resends from there) and the .eof record if there is one.
 *
 * A `keep` attachment (the IO keeper's: a container's stdin outlives the keeper, as it outlives this service) does
 * not end the stream when it closes — a killed client's socket reads as a plain end of file too — only an `endAt`
 * request does: the stream ends once it holds the client's `at` bytes (some may still be in flight on the
 * attachment).
 *
 * Writes are plain write(2)s: a service kill does not touch the page cache (spill.ts says why no fsync). While
 * more than WINDOW bytes wait for the program the attachment is not read (its writer blocks, nothing is dropped)
 * until the feed removes a segment (seen by a watch on the directory, dir-wait.ts; a slow poll backs it up); the end (the program
 * exited) lifts that hold: what the client still writes is read and dropped.
 */
import { PlatformError, HRESULT } from '../../hresult.js';
import { closeSync, constants, existsSync, openSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Socket } from 'node:net';
import { SEGMENT, segPath, spillSegments } from './spill.js';
import { DirWait } from './dir-wait.js';
import type { OutAttachInfo } from './relay.js';

export const STDIN_WINDOW = 1024 * 1024;
/** While the window is full: how often it is re-checked without a sign from the directory watch. */
const WINDOW_FALLBACK_MS = 500;

export const eofPath = (pipe: string) => `${pipe}.eof`;

export class StdinSpool {
  /** Offset of the next byte (the stream's length so far) and of the newest segment's first byte. */
  private end: number;
  private base: number;
  private seg?: number;
  private bell?: number;
  private ended: boolean;
  private sock?: Socket;
  /** Whether the attachment is a `keep` one (a new `keep` attachment takes it over). */
  private sockKeeps = false;
  /** While the window is full: the wait for the feed's removal of a segment (dir-wait.ts). */
  private readonly feed: DirWait;
  /** The oldest segment's first byte when last looked (the feed removes segments it finished). */
  private oldest = 0;
  /** The stream's length the client's end request named, while bytes before it are still to come. */
  private endWanted?: number;

  /** The spool at `pipe` (a FIFO): a new one, or what a killed service left. */
  constructor(private readonly pipe: string) {
    const last = spillSegments(pipe).pop();
    this.base = last?.base ?? 0;
    this.end = last ? this.base + statSync(last.path).size : 0;
    this.oldest = spillSegments(pipe)[0]?.base ?? 0;
    this.ended = existsSync(eofPath(pipe));
    const prefix = `${basename(pipe)}.`;
    this.feed = new DirWait(dirname(pipe), (name) => name.startsWith(prefix), WINDOW_FALLBACK_MS);
    try { this.bell = openSync(pipe, constants.O_RDWR | constants.O_NONBLOCK); } catch { this.ended = true; }
  }

  get attached(): boolean { return !!this.sock; }

  /**
   * A `keep` attachment takes over a `keep` one still attached only if that one waits for the window (not read, so
   * a killed owner's socket shows no end here and would hold the stdin for good) or its socket has ended already;
   * a live owner being read keeps it (two live owners would evict each other in a loop). The old owner's
   * unacknowledged bytes are the new owner's to resend (it starts at the spool's length).
   */
  attach(sock: Socket, ready: (info: OutAttachInfo) => void, keep = false): void {
    const old = this.sock;
    if (old && keep && this.sockKeeps && (this.feed.waiting || old.destroyed || old.readableEnded)) this.detachOld();
    if (this.sock) throw new PlatformError(HRESULT.E_ACCESSDENIED, 'AttachStdio', 'stdin is already attached');
    ready({ start: this.end, gap: 0, eof: this.ended });
    if (this.ended) { sock.end('eof\n'); return; }
    this.sock = sock;
    this.sockKeeps = keep;
    // An end asked for by an earlier owner is not this one's: its client asks again on every new attachment
    // (durable-stdin.ts), and a stale one would end the stream in the middle of what this owner writes.
    this.endWanted = undefined;
    sock.on('error', () => undefined);
    sock.on('data', (chunk: Buffer) => {
      // After the end (the program exited) what comes is dropped, as into a pipe nobody reads: read on, so the
      // client's queued writes flush and its end reaches us.
      if (this.sock !== sock || this.ended) return;
      // Bytes that could not be spooled are not acknowledged: the client resends them to a later attachment.
      if (!this.append(chunk)) { this.sock = undefined; sock.destroy(); return; }
      sock.write(`${this.end}\n`);
      if (this.endWanted !== undefined && this.end >= this.endWanted) { this.finish(); return; }
      this.hold();
    });
    // A kept stream's attachment that ends only detaches (the next one resends what was not acknowledged).
    const detach = () => { if (this.sock === sock) this.sock = undefined; };
    sock.on('end', () => { if (this.sock !== sock) return; if (keep) { detach(); sock.end(); } else this.finish(); });
    sock.on('close', () => { if (this.sock === sock) { if (!keep) this.finish(); detach(); } });
  }

  /** The client's end of a kept stream that has `at` bytes in all: recorded once the spool holds them. */
  endAt(at: number): void {
    if (this.ended) return;
    if (this.end >= at) { this.finish(); return; }
    this.endWanted = at;
  }

  /** The client closed stdin (or CloseHandle StdIn): recorded after the last byte, then rung. */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    const tmp = `${eofPath(this.pipe)}.tmp`;
    try {
      writeFileSync(tmp, `${this.end}\n`);
      renameSync(tmp, eofPath(this.pipe));
    } catch { /* the process is gone with its files */ }
    this.ring();
    // A window held full waits for a feed that will never drain it now: read on (dropping) instead.
    this.feed.close();
    const s = this.sock;
    if (s && !s.destroyed) { s.resume(); s.end('eof\n'); }
  }

  /** Lets the current attachment go without ending the stream (its pending window check with it). */
  private detachOld(): void {
    const old = this.sock;
    this.sock = undefined;
    this.feed.cancel();
    old?.destroy();
  }

  close(): void {
    this.feed.close();
    const s = this.sock;
    this.sock = undefined; // not the client's end: no .eof record
    s?.destroy();
    for (const fd of [this.seg, this.bell]) if (fd !== undefined) closeSync(fd);
    this.seg = this.bell = undefined;
  }

  private append(chunk: Buffer): boolean {
    try {
      if (this.seg === undefined || this.end - this.base >= SEGMENT) {
        // The next segment starts where this one ends; the feed moves on only once it exists.
        const fd = openSync(segPath(this.pipe, this.end), 'a', 0o600);
        if (this.seg !== undefined) closeSync(this.seg);
        this.seg = fd;
        this.base = this.end;
      }
      for (let done = 0; done < chunk.length;) done += writeSync(this.seg, chunk, done, chunk.length - done);
      this.end += chunk.length;
      this.ring();
      return true;
    } catch {
      // A short write left part of the chunk: the stream's length is the newest segment's end again.
      try { this.end = this.base + statSync(segPath(this.pipe, this.base)).size; } catch { /* gone with the process */ }
      return false;
    }
  }

  private ring(): void {
    if (this.bell === undefined) return;
    try { writeSync(this.bell, Buffer.of(1)); } catch { /* EAGAIN: a ring is pending */ }
  }

  /** Past the window the attachment waits, re-checked when the feed removed a segment (or at the fallback rate). */
  private hold(): void {
    const s = this.sock;
    if (!s || this.ended) { this.feed.cancel(); return; }
    if (this.feed.waiting) return;
    if (this.end - this.oldest < STDIN_WINDOW) { s.resume(); return; }
    // The look at the segments comes with the watch armed: a removal right after it still wakes the wait.
    const full = () => {
      this.oldest = spillSegments(this.pipe)[0]?.base ?? this.end;
      return this.end - this.oldest >= STDIN_WINDOW;
    };
    if (this.feed.waitWhile(full, () => this.hold())) s.pause(); else s.resume();
  }
}

/**
 * The daemon's end of an attach connection to the IO keeper (protocol: ./protocol.ts `attach`, frames:
 * ./attach-frames.ts). One connection per attach session; closing it detaches without touching the container.
 * Neither side buffers without bound for a slow reader: the keeper drops an attacher whose socket holds too much,
 * and this end drops the attachment when its output streams hold more than MAX_UNREAD unread bytes.
 */
import { createConnection, type Socket } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { FRAME, FrameDecoder, encodeFrame } from './attach-frames.js';
import { KeeperError, fromWireError, type AttachParams, type AttachResult, type WireError } from './protocol.js';

export interface KeeperAttachment {
  /** Present when stdin was asked for; `end()` ends this attacher's stdin (stdin_once: the container's). */
  stdin?: Writable;
  stdout?: Readable;
  stderr?: Readable;
  /** The container has a console (stdout is the terminal output). */
  tty: boolean;
  resize(width: number, height: number): Promise<void>;
  /**
   * The container's exit code once it exited; `{ exitCode: 0, detached: true }` when the attachment ended normally
   * without an exit (stdin closed without stdin_once). Rejects when the keeper ended the attachment or the
   * connection was lost.
   */
  readonly exited: Promise<{ exitCode: number; detached?: boolean }>;
  close(): Promise<void>;
}

/** Unread output an attach stream may hold in the daemon before the attachment is dropped. */
const MAX_UNREAD = 4 * 1024 * 1024;

function handshake(sock: Socket, id: number): Promise<AttachResult> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onReadable = () => {
      let d: Buffer | null;
      while ((d = sock.read() as Buffer | null) !== null) {
        buf = Buffer.concat([buf, d]);
        const i = buf.indexOf(10);
        if (i < 0) continue;
        sock.off('readable', onReadable);
        sock.off('close', onClose);
        const rest = buf.subarray(i + 1);
        if (rest.length > 0) sock.unshift(rest);
        let msg: { id?: number; result?: AttachResult; error?: WireError };
        try { msg = JSON.parse(buf.subarray(0, i).toString('utf8')) as typeof msg; } catch { msg = {}; }
        if (msg.error) reject(fromWireError(msg.error));
        else if (msg.id !== id || !msg.result) reject(new KeeperError('Internal', 'malformed attach response from the IO keeper'));
        else resolve(msg.result);
        return;
      }
    };
    const onClose = () => reject(new KeeperError('Unavailable', 'the IO keeper closed the attach connection'));
    sock.on('readable', onReadable);
    sock.on('close', onClose);
  });
}

function connect(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection(path);
    s.once('connect', () => { s.removeAllListeners('error'); s.on('error', () => undefined); resolve(s); });
    s.once('error', (e) => { s.destroy(); reject(new KeeperError('Unavailable', `cannot reach the IO keeper at ${path}: ${e.message}`)); });
  });
}

export async function attachToKeeper(socketPath: string, params: AttachParams): Promise<KeeperAttachment> {
  const sock = await connect(socketPath);
  let result: AttachResult;
  try {
    sock.write(JSON.stringify({ id: 1, method: 'attach', params }) + '\n');
    result = await handshake(sock, 1);
  } catch (e) {
    sock.destroy();
    throw e;
  }
  const make = () => new Readable({ read() { /* pushed as frames arrive; bounded by MAX_UNREAD */ } });
  const stdout = params.stdout ? make() : undefined;
  const stderr = params.stderr && !result.tty ? make() : undefined;
  let settle!: { resolve(v: { exitCode: number; detached?: boolean }): void; reject(e: Error): void };
  const exited = new Promise<{ exitCode: number; detached?: boolean }>((resolve, reject) => { settle = { resolve, reject }; });
  exited.catch(() => undefined); // the caller may close before looking at it
  let ended = false;
  const finish = (err?: Error, exit?: { exitCode: number; detached?: boolean }) => {
    if (ended) return;
    ended = true;
    for (const r of [stdout, stderr]) if (r && !r.destroyed) r.push(null);
    if (err) settle.reject(err); else settle.resolve(exit!);
  };
  // The connection is always read, so the keeper's frames (EXIT, CLOSED) are never stuck behind unread output; a
  // reader that lets more than MAX_UNREAD bytes pile up is dropped here, as the keeper drops it on its side.
  const push = (r: Readable | undefined, payload: Buffer) => {
    if (!r || r.destroyed || ended) return;
    r.push(payload);
    if (r.readableLength > MAX_UNREAD) {
      finish(new Error(`attach to container ${params.containerId} was closed: the client did not read its output fast enough`));
      sock.destroy();
    }
  };
  const decoder = new FrameDecoder((type, payload) => {
    switch (type) {
      case FRAME.STDOUT: push(stdout, payload); return;
      case FRAME.STDERR: push(stderr, payload); return;
      case FRAME.EXIT: finish(undefined, { exitCode: (JSON.parse(payload.toString('utf8')) as { exitCode: number }).exitCode }); return;
      case FRAME.DETACHED: finish(undefined, { exitCode: 0, detached: true }); return;
      case FRAME.CLOSED: finish(new Error(payload.toString('utf8'))); return;
      default: finish(new Error(`unexpected attach frame type ${type} from the IO keeper`)); sock.destroy();
    }
  }, Number.MAX_SAFE_INTEGER);
  sock.on('data', (d: Buffer) => decoder.push(d));
  sock.on('close', () => finish(new Error('the connection to the IO keeper was lost')));
  sock.resume();

  const stdin = params.stdin ? new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!result.stdin || sock.destroyed) { cb(); return; }
      sock.write(encodeFrame(FRAME.STDIN, chunk), () => cb());
    },
    final(cb) {
      if (!sock.destroyed) sock.write(encodeFrame(FRAME.STDIN_EOF));
      cb();
    },
  }) : undefined;

  return {
    stdin, stdout, stderr, tty: result.tty, exited,
    async resize(width, height) {
      if (!result.tty || width < 1 || height < 1 || sock.destroyed) return;
      sock.write(encodeFrame(FRAME.RESIZE, JSON.stringify({ width, height })));
    },
    async close() {
      finish(new Error('attach session closed'));
      stdin?.destroy();
      if (sock.destroyed) return;
      await new Promise<void>((r) => { sock.once('close', () => r()); sock.destroy(); });
    },
  };
}

/**
 * The stdin of an emulated process whose stdin the service spools (service/stdin-spool.ts), as one Writable that
 * outlives emulator service restarts. Every byte written is kept until the service acknowledges it ("<offset>\n":
 * it is in the spool, which a helper outliving the service feeds to the program); a full window (WINDOW unacknowledged
 * bytes) holds the writer's callback, so the caller's writes block, nothing is dropped. When the attachment ends
 * without the service's "eof\n" (a killed service) it attaches again — the answer's `start` is how much the spool
 * holds — and resends from there: no byte lost, none twice. end() ends the attachment; the stream finishes once
 * the service said "eof\n" (the end is recorded) or a new attachment finds it recorded. A service killed before
 * that gets the end again from the next attachment, so only the client's end closes the program's stdin.
 *
 * `keep` (the IO keeper's container stdin): the program's stdin also outlives this client. Its attachments are
 * `keep` ones (an attachment's end, which a killed client's socket shows too, only detaches it) and end() asks the
 * service for the end after all `written` bytes (endStdin), again on every new attachment until "eof\n" comes back.
 */
import { Writable } from 'node:stream';
import type { Socket } from 'node:net';
import { PlatformError, HRESULT } from '../hresult.js';
import type { EmulatorClient } from './client.js';
import { TextLineSplitter } from '../../util/lines.js';
import { reattach } from './reattach.js';

const WINDOW = 256 * 1024;

export interface StdinAttachment { sock: Socket; start: number; eof: boolean }

export function durableStdin(c: EmulatorClient, systemId: string, pid: number, first: StdinAttachment, keep = false): Writable {
  /** Unacknowledged bytes, from offset `base` on. */
  let kept: Buffer[] = [];
  let keptLen = 0;
  let base = first.start;
  /** The stream's length with every byte written to this Writable. */
  let written = first.start;
  let sock: Socket | undefined;
  let ending = false;
  let finished = false;
  let held: ((e?: Error | null) => void) | undefined;
  let final: ((e?: Error | null) => void) | undefined;

  const release = () => {
    if (held && keptLen < WINDOW) { const cb = held; held = undefined; cb(); }
  };
  /** Drops what the service acknowledged (up to `offset`) without releasing a held writer. */
  const drop = (offset: number) => {
    while (base < offset && kept.length > 0) {
      const head = kept[0]!;
      const n = Math.min(head.length, offset - base);
      if (n === head.length) kept.shift(); else kept[0] = head.subarray(n);
      base += n;
      keptLen -= n;
    }
    base = Math.max(base, offset);
  };
  const acked = (offset: number) => { drop(offset); release(); };
  /**
   * The end of the stream: the attachment's end, or for a kept stdin the service's endStdin (idempotent), asked
   * until it is answered while the service is away (reattach.ts); any other refusal fails the stream.
   */
  const askEnd = (s: Socket | undefined) => {
    if (!keep) { s?.end(); return; }
    if (finished) return;
    const at = written;
    void reattach(async () => { await c.request('endStdin', { id: systemId, pid, at }); },
      () => finished || w.destroyed || c.isClosed, (e) => { if (!finished && !w.destroyed) giveUp(e); });
  };
  const done = () => {
    if (finished) return;
    finished = true;
    kept = [];
    keptLen = 0;
    held?.();
    held = undefined;
    const f = final;
    final = undefined;
    f?.();
  };

  const follow = (a: StdinAttachment) => {
    if (a.eof) { a.sock.destroy(); done(); return; }
    const s = a.sock;
    let saidEof = false;
    // What the spool holds is acknowledged; the rest goes again, before any later write: the attachment is exposed
    // (and a held writer released, whose buffered chunks are written to it at once) only after the resend.
    drop(a.start);
    // "eof" is final (the client's end is recorded, or the program exited): whatever is still queued on the socket
    // would only be dropped by the service, so the stream is done now, not once that queue drained.
    const lines = new TextLineSplitter((l) => {
      if (l !== 'eof') { acked(Number(l)); return; }
      saidEof = true;
      done();
      s.destroy();
    });
    s.on('data', (d: Buffer) => lines.push(d));
    s.on('error', () => undefined);
    s.once('close', () => {
      if (sock === s) sock = undefined;
      if (saidEof) done(); else if (!finished && !w.destroyed) void again();
    });
    for (const b of kept) s.write(b);
    sock = s;
    if (ending) askEnd(s);
    release();
  };

  /** No attachment can be made any more: the stream fails, saying what never reached the program. */
  const giveUp = (e: unknown) => {
    const lost = keptLen;
    const why = e instanceof Error ? e.message : String(e);
    // Not an HCS error: a socket error of the attachment, the service gone under it (connection-errors.ts).
    const err = new PlatformError(e instanceof PlatformError ? e.hresult : HRESULT.HCS_E_SERVICE_DISCONNECT, 'AttachStdio',
      `stdin of process ${pid} in ${systemId} is lost: ${lost} written byte(s) were not delivered${ending ? ', nor its end' : ''} (${why})`);
    const h = held;
    const f = final;
    finished = true;
    kept = [];
    keptLen = 0;
    held = final = undefined;
    w.destroy(err);
    h?.(err);
    f?.(err);
  };

  const again = () => reattach(async () => {
    const a = await c.attachStdin(systemId, pid, keep);
    if (w.destroyed || finished) { a.sock.destroy(); return; }
    if (a.start === undefined) throw new PlatformError(HRESULT.HCS_E_PROCESS_INFO_NOT_AVAILABLE, 'AttachStdio', 'stdin is no longer spooled');
    follow({ sock: a.sock, start: a.start, eof: a.eof });
  }, () => w.destroyed || c.isClosed, giveUp);

  const w: Writable = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (finished) { cb(); return; }
      kept.push(chunk);
      keptLen += chunk.length;
      written += chunk.length;
      sock?.write(chunk);
      if (keptLen < WINDOW) cb(); else held = cb;
    },
    final(cb) {
      if (finished) { cb(); return; }
      ending = true;
      final = cb;
      askEnd(sock);
    },
    destroy(err, cb) {
      sock?.destroy();
      cb(err);
    },
  });
  follow(first);
  return w;
}

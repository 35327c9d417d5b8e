/**
 * The stdio of compute systems' processes: closing their handles and the console size (HcsModifyProcess), the end
 * of a spooled stdin (endStdin), and attachment sockets to their streams (stdin-spool.ts, relay.ts), waiting where
 * asked for a stream another reader holds to be let go (attachWhenFree).
 */
import type { Socket } from 'node:net';
import { PlatformError, HRESULT } from '../../hresult.js';
import { ProcessModifyRequest } from '../../hcs/schema/index.js';
import type { StreamName } from '../protocol.js';
import { procKey } from './process-forget.js';
import type { OutAttachInfo, OutAttachOptions } from './relay.js';
import { parseDoc, invalid } from './documents.js';
import { resizeConsole } from './console.js';
import { ComputeStopping } from './compute-stop.js';
import type { OutputRelay } from './process-output.js';

export abstract class ComputeStdio extends ComputeStopping {
  async modifyProcess(id: unknown, pid: unknown, text: unknown): Promise<void> {
    const op = 'HcsModifyProcess';
    const { s, p } = this.proc(op, id, pid);
    const req = parseDoc(ProcessModifyRequest, op, text, false);
    if (p.exited) throw new PlatformError(HRESULT.HCS_E_PROCESS_ALREADY_STOPPED, op, `process ${p.pid} has exited`);
    const lp = this.live.get(procKey(s.id, p.pid));
    if (req.Operation === 'CloseHandle') {
      const h = req.CloseHandle?.Handle;
      if (!h) throw invalid(op, 'CloseHandle.Handle', 'required');
      if (h === 'StdIn' || h === 'All') { lp?.child?.stdin?.end(); lp?.stdin?.finish(); }
      if (h === 'StdOut' || h === 'All') lp?.out?.close();
      if (h === 'StdErr' || h === 'All') lp?.err?.close();
    } else if (req.Operation === 'ConsoleSize') {
      if (!req.ConsoleSize) throw invalid(op, 'ConsoleSize', 'required');
      // Resizes the process's pseudo-terminal; a process without a console (or re-adopted after a service
      // restart, its terminal relay no longer reachable) accepts the size with no effect, as HCS does.
      resizeConsole(lp?.console, req.ConsoleSize.Height ?? 0, req.ConsoleSize.Width ?? 0);
    } else {
      throw invalid(op, 'Operation', 'required');
    }
  }

  /** The end of a spooled stdin whose attachments keep it open (stdin-spool.ts): after its first `at` bytes. */
  endStdin(id: unknown, pid: unknown, at: unknown): void {
    const op = 'EndStdin';
    const { s, p } = this.proc(op, id, pid);
    if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0) throw new PlatformError(HRESULT.E_INVALIDARG, op, 'at: a byte count is required');
    const spool = this.live.get(procKey(s.id, p.pid))?.stdin;
    if (!spool) throw new PlatformError(HRESULT.HCS_E_PROCESS_INFO_NOT_AVAILABLE, op, `stdin of process ${p.pid} is not spooled`);
    spool.endAt(at);
  }

  /**
   * attach(), where an output stream attached to another reader is waited for (AttachRequest.waitMs): until that
   * attachment closes (the service sees the previous reader's connection go: a killed IO keeper's, or one a failed
   * takeover has just destroyed) or `waitMs` passes; then attached as the stream stands (still held: E_ACCESSDENIED).
   * A stream taken by a third reader first is waited on again, within the same time. A socket closed meanwhile ends
   * the wait with nothing attached.
   */
  async attachWhenFree(id: unknown, pid: unknown, stream: StreamName, sock: Socket, ready: (info?: OutAttachInfo) => void, opts: OutAttachOptions & { keep?: boolean } = {}, waitMs = 0): Promise<void> {
    const until = Date.now() + waitMs;
    for (let waited = false; ; waited = true) {
      const held = stream === 'stdin' ? undefined : this.heldRelay(id, pid, stream);
      if (!held || Date.now() >= until) break;
      // Said once per attachment: a takeover waiting on a reader that does not let go (a second IO keeper?) shows here.
      if (!waited) this.log(`${stream} of process ${String(pid)} in ${String(id)} is attached to another reader: the new attachment waits up to ${waitMs} ms for it to go`);
      await detachedWithin(held, sock, until - Date.now());
      if (sock.destroyed) return;
    }
    this.attach(id, pid, stream, sock, ready, opts);
  }

  /** The relay of a process's output stream while another reader is attached to it. */
  private heldRelay(id: unknown, pid: unknown, stream: 'stdout' | 'stderr'): OutputRelay | undefined {
    const { s, p } = this.proc('AttachStdio', id, pid);
    const lp = this.live.get(procKey(s.id, p.pid));
    const relay = stream === 'stdout' ? lp?.out : lp?.err;
    return relay?.attached ? relay : undefined;
  }

  /** Connects an attachment socket to a process's stdio pipe. */
  attach(id: unknown, pid: unknown, stream: StreamName, sock: Socket, ready: (info?: OutAttachInfo) => void, opts: OutAttachOptions & { keep?: boolean } = {}): void {
    const op = 'AttachStdio';
    const { s, p } = this.proc(op, id, pid);
    if (!p.streams[stream]) throw new PlatformError(HRESULT.E_INVALIDARG, op, `process ${p.pid} has no ${stream} pipe`);
    const lp = this.live.get(procKey(s.id, p.pid));
    if (stream === 'stdin' && lp?.stdin) {
      // Acknowledged or not, the attachment is told where the stream stands (a durable client resends from there);
      // an exited program's stdin is at its end.
      if (p.exited) lp.stdin.finish();
      lp.stdin.attach(sock, ready, opts.keep === true);
      return;
    }
    if (stream === 'stdin') {
      const w = lp?.child?.stdin;
      if (!w && !p.exited) throw new PlatformError(HRESULT.HCS_E_PROCESS_INFO_NOT_AVAILABLE, op, `stdin of process ${p.pid} is not available`);
      if (lp?.stdinAttached) throw new PlatformError(HRESULT.E_ACCESSDENIED, op, `stdin of process ${p.pid} is already attached`);
      ready();
      if (!w || w.writableEnded || w.destroyed) { sock.end(); return; }
      lp!.stdinAttached = true;
      sock.pipe(w, { end: true });
      sock.on('close', () => { lp!.stdinAttached = false; if (!w.writableEnded) w.end(); });
      w.once('close', () => { if (!sock.destroyed) sock.end(); });
      sock.on('error', () => undefined);
      return;
    }
    const relay = stream === 'stdout' ? lp?.out : lp?.err;
    if (!relay) throw new PlatformError(HRESULT.HCS_E_PROCESS_INFO_NOT_AVAILABLE, op, `${stream} of process ${p.pid} is not available (service restarted?)`);
    if (relay.attached) throw new PlatformError(HRESULT.E_ACCESSDENIED, op, `${stream} of process ${p.pid} is already attached`);
    relay.attach(sock, opts, ready);
  }
}

/** Resolves once `relay` has no attachment, `sock` closes, or `ms` pass, whichever comes first. */
function detachedWithin(relay: OutputRelay, sock: Socket, ms: number): Promise<void> {
  return new Promise((resolve) => {
    let cancel: (() => void) | undefined;
    const done = () => {
      clearTimeout(timer);
      sock.off('close', done);
      cancel?.();
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    timer.unref();
    sock.once('close', done);
    cancel = relay.whenDetached(done);
  });
}

/**
 * The stdio pipes of a job container's process: one anonymous pipe per requested stream (CreatePipe), the child's
 * end inheritable, ours not; after creation the child's ends are closed and ours become C runtime descriptors
 * (_open_osfhandle) that libuv opens as sockets, as the HCS process path does (../compute.ts).
 */
import net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { ProcessStdio } from '../../types.js';
import {
  type Bindings, type Pointer, isNull, win32Error, inheritableSecurityAttributes, HANDLE_FLAG_INHERIT, _O_BINARY,
} from '../ffi/index.js';

export interface Want { stdin: boolean; stdout: boolean; stderr: boolean }
export interface Pipes {
  /** The child's ends: stdin, stdout, stderr (null when not requested). */
  child: [Pointer, Pointer, Pointer];
  /** Ours, same order. */
  parent: [Pointer, Pointer, Pointer];
}

function closeAll(b: Bindings, hs: Pointer[]): void {
  for (const h of hs) if (!isNull(h)) b.win32.CloseHandle(h);
}

export function createPipes(b: Bindings, want: Want): Pipes {
  const p: Pipes = { child: [null, null, null], parent: [null, null, null] };
  const flags = [want.stdin, want.stdout, want.stderr];
  try {
    for (let i = 0; i < 3; i++) {
      if (!flags[i]) continue;
      const r: Pointer[] = [null];
      const w: Pointer[] = [null];
      if (!b.proc.CreatePipe(r, w, inheritableSecurityAttributes(), 0)) throw win32Error(b.jobs.GetLastError() as number, 'CreatePipe');
      const [childEnd, ourEnd] = i === 0 ? [r[0], w[0]] : [w[0], r[0]];
      p.child[i] = childEnd;
      p.parent[i] = ourEnd;
      if (!b.proc.SetHandleInformation(ourEnd, HANDLE_FLAG_INHERIT, 0)) throw win32Error(b.jobs.GetLastError() as number, 'SetHandleInformation');
    }
  } catch (e) {
    closePipes(b, p);
    throw e;
  }
  return p;
}

export function closeChildEnds(b: Bindings, p: Pipes): void { closeAll(b, p.child); p.child = [null, null, null]; }
export function closePipes(b: Bindings, p: Pipes): void { closeChildEnds(b, p); closeAll(b, p.parent); p.parent = [null, null, null]; }

/** Our ends → streams; each descriptor (and so each handle) is closed with its stream. */
export function streamsOf(b: Bindings, p: Pipes): ProcessStdio {
  const fd = (h: Pointer): number | undefined => {
    if (isNull(h)) return undefined;
    const n = b.win32._open_osfhandle(h, _O_BINARY) as number;
    if (n < 0) { b.win32.CloseHandle(h); return undefined; }
    return n;
  };
  const [i, o, e] = p.parent.map(fd);
  p.parent = [null, null, null];
  const stdio: ProcessStdio = {};
  if (i !== undefined) stdio.stdin = new net.Socket({ fd: i, readable: false, writable: true, allowHalfOpen: true }) as Writable;
  if (o !== undefined) stdio.stdout = new net.Socket({ fd: o, readable: true, writable: false, allowHalfOpen: true }) as Readable;
  if (e !== undefined) stdio.stderr = new net.Socket({ fd: e, readable: true, writable: false, allowHalfOpen: true }) as Readable;
  return stdio;
}

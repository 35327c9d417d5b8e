/**
 * HcsCreateProcess / HcsGetProcessInfo hand out pipe HANDLEs (HCS_PROCESS_INFORMATION) owned by the caller. Each
 * becomes a C runtime descriptor (_open_osfhandle) which libuv opens as a pipe (net.Socket({ fd })); closing the
 * stream closes the handle. (On Linux the test library hands out pipe fds and an identity _open_osfhandle.)
 */
import net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { ProcessStdio } from '../types.js';
import { isNull, INVALID_HANDLE_VALUE, _O_BINARY, type Bindings, type Pointer } from './ffi/index.js';

/** The pipe HANDLEs of an HCS_PROCESS_INFORMATION as streams (each closes its handle when destroyed). */
export function stdioOf(b: Bindings, info: { StdInput: Pointer; StdOutput: Pointer; StdError: Pointer }): ProcessStdio {
  const stdio: ProcessStdio = {};
  const fd = (h: Pointer): number | undefined => {
    if (isNull(h) || h === INVALID_HANDLE_VALUE) return undefined;
    const n = b.win32._open_osfhandle(h, _O_BINARY) as number;
    return n >= 0 ? n : undefined;
  };
  const i = fd(info.StdInput), o = fd(info.StdOutput), e = fd(info.StdError);
  if (i !== undefined) stdio.stdin = new net.Socket({ fd: i, readable: false, writable: true, allowHalfOpen: true }) as Writable;
  if (o !== undefined) stdio.stdout = new net.Socket({ fd: o, readable: true, writable: false, allowHalfOpen: true }) as Readable;
  if (e !== undefined) stdio.stderr = new net.Socket({ fd: e, readable: true, writable: false, allowHalfOpen: true }) as Readable;
  return stdio;
}

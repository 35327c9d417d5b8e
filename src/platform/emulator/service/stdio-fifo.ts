/**
 * Output pipes that outlive the service. A process's stdout/stderr is a named pipe (FIFO) under
 * <stateDir>/stdio/, and the process's own descriptor is opened read-write: as long as the process (or anything
 * that inherited the descriptor) lives, the pipe has a reader, so a write never fails with EPIPE/SIGPIPE when the
 * service dies — it blocks once the pipe buffer is full, until a restarted service opens the FIFO again (by its
 * path, recorded in the process record) and reads on. The service reads through its own read-only, non-blocking
 * descriptor; end of file comes when the last writer (the program and its descendants) is gone.
 *
 * What the dead service had read but its attachment had not acknowledged is in its spill files (relay.ts,
 * spill.ts) and what is still in the pipe waits there: a restarted service replays the one, then reads the other.
 * For a program whose namespace helper spools its output (ns-helper-spool-source.ts), or a console whose pty
 * helper does (console-helper.ts), the FIFO carries no output: it is the stream's doorbell, rung when the helper
 * appended to the spill files (spool-relay.ts). Their spooled stdin has a doorbell FIFO too (`<key>.in`, rung by
 * the service: stdin-spool.ts).
 */
import { closeSync, constants, mkdirSync, openSync, rmSync } from 'node:fs';
import { Socket, type SocketConstructorOpts } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { PlatformError, HRESULT } from '../../hresult.js';
import { takeFifos } from './fifo-pool.js';

export type OutName = 'stdout' | 'stderr';
/** The FIFOs of a process: its output streams, and the doorbell of its spooled stdin (stdin-spool.ts). */
export type FifoPaths = Partial<Record<OutName | 'stdin', string>>;

let seq = 0;

async function mkfifo(op: string, dir: string, paths: string[]): Promise<void> {
  try { await takeFifos(dir, paths); } catch (e) {
    throw new PlatformError(HRESULT.E_FAIL, op, `creating output pipes: ${(e as Error).message}`);
  }
}

export const READ_SIZE = 64 * 1024;

/**
 * Opens the service's read side of a FIFO (never blocks: no writer is needed yet). Each read is handed to the
 * 'data' listeners in the same callback that read it (a user read buffer), and pause() stops reading at the
 * descriptor: no byte taken from the pipe waits in a stream buffer where a listener (the relay, which spills what
 * it gets: spill.ts) has not seen it. A kill of the service then loses at most what the read in progress took.
 */
export function openFifoReader(path: string): Readable {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const buffer = Buffer.allocUnsafe(READ_SIZE);
  // net.Socket takes `onread` in its constructor too (Node's net.js), though @types/node lists it for connect() only.
  const opts = {
    fd, readable: true, writable: false, allowHalfOpen: true,
    onread: { buffer, callback: (n: number, b: Buffer) => { sock.emit('data', Buffer.from(b.subarray(0, n))); } },
  };
  const sock = new Socket(opts as SocketConstructorOpts);
  return sock;
}

export interface OutputFifos {
  paths: FifoPaths;
  /** Read-write descriptors for the child's stdio; close them (closeWriters) once the child has them. */
  writers: Partial<Record<OutName, number>>;
  readers: Partial<Record<OutName, Readable>>;
}

/** Creates the FIFOs of one process's output streams and opens both sides; with `stdin`, its stdin doorbell too. */
export async function createOutputFifos(op: string, stateDir: string, names: OutName[], stdin = false): Promise<OutputFifos> {
  const dir = join(stateDir, 'stdio');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = `${process.pid}-${Date.now().toString(36)}-${(seq++).toString(36)}`;
  const paths: FifoPaths = {};
  for (const n of names) paths[n] = join(dir, `${key}.${n === 'stdout' ? 'out' : 'err'}`);
  if (stdin) paths.stdin = join(dir, `${key}.in`);
  const out: OutputFifos = { paths, writers: {}, readers: {} };
  if (names.length === 0 && !stdin) return out;
  await mkfifo(op, dir, Object.values(paths) as string[]);
  try {
    for (const n of names) {
      out.readers[n] = openFifoReader(paths[n]!);
      out.writers[n] = openSync(paths[n]!, constants.O_RDWR);
    }
  } catch (e) {
    closeWriters(out);
    for (const r of Object.values(out.readers)) r.destroy();
    removeFifos(paths);
    throw new PlatformError(HRESULT.E_FAIL, op, `opening output pipes: ${(e as Error).message}`);
  }
  return out;
}

export function closeWriters(f: OutputFifos): void {
  for (const fd of Object.values(f.writers)) closeSync(fd);
  f.writers = {};
}

export function removeFifos(paths: FifoPaths | undefined): void {
  for (const p of Object.values(paths ?? {})) rmSync(p, { force: true });
}

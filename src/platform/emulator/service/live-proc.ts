/** What the compute emulator holds in memory for a process of this service (compute-base.ts `live`). */
import type { Writable } from 'node:stream';
import type { ProcessStatusDoc } from '../../hcs/schema/index.js';
import type { SpawnedChild } from './vfork-spawn.js';
import type { StdinSpool } from './stdin-spool.js';
import type { OutputRelay } from './process-output.js';

export interface LiveProc {
  child?: SpawnedChild;
  out?: OutputRelay;
  err?: OutputRelay;
  stdinAttached?: boolean;
  /** Its stdin, spooled for a helper that outlives the service (stdin-spool.ts); else `child.stdin`. */
  stdin?: StdinSpool;
  /** Control pipe of the pty helper of a console process (ConsoleSize). */
  console?: Writable;
  waiters: ((s: ProcessStatusDoc) => void)[];
  poll?: NodeJS.Timeout;
}

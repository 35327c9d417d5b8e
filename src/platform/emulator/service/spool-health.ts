/**
 * Failed spool writes, as the namespace helper reports them (ns-helper-spool-source.ts): while a write of a
 * program's output to its spill segment fails (ENOSPC, EIO, EDQUOT…), the helper holds the bytes, stops reading
 * the program's pipe (the program blocks) and rings the stream's doorbell with 0x80 | errno on each retry instead
 * of 1. The service logs each stall once when it starts and once when it ends, and counts them (serviceProperties
 * → Spool.Stalls), so a full or failing disk under the spool shows up instead of output going missing.
 */
import { basename } from 'node:path';
import { errnoName } from './errno-name.js';

let log: (m: string) => void = () => undefined;
let stalls = 0;

export function setSpoolLog(sink: (m: string) => void): void { log = sink; }

/** Stalls begun since the service started. */
export function spoolStalls(): number { return stalls; }


/** One stream's state, fed with its doorbell's bytes: the last byte says whether the helper is stalled now. */
export class StallWatch {
  private stalled = 0;
  constructor(private readonly pipe: string) {}

  feed(bytes: Buffer): void {
    const last = bytes[bytes.length - 1];
    if (last === undefined) return;
    if (last >= 0x80 && !this.stalled) {
      this.stalled = last & 0x7f;
      stalls++;
      log(`spool ${basename(this.pipe)}: writing the program's output failed (${errnoName(this.stalled)}); the output is held, the program blocks on it, and the write is retried until it succeeds (free space under the spool directory)`);
    } else if (last < 0x80 && this.stalled) {
      log(`spool ${basename(this.pipe)}: writing resumed after ${errnoName(this.stalled)}; nothing was lost`);
      this.stalled = 0;
    }
  }
}

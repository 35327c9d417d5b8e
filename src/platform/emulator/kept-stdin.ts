/**
 * A kept stdin (CreateProcessOptions.keepStdin) taken over by a new owner: a restarted IO keeper attaches to the
 * process's spooled stdin again (service/stdin-spool.ts `keep`), retrying while the previous owner's attachment is
 * still being let go or the service is away (reattach.ts), and writes on through a durable stdin from the spool's
 * length on.
 */
import type { Writable } from 'node:stream';
import type { EmulatorClient } from './client.js';
import { durableStdin } from './durable-stdin.js';
import { reattach } from './reattach.js';

/** Undefined when the stdin has ended (its end is recorded, or the program exited) or is a plain pipe (not kept). */
export async function reopenKeptStdin(c: EmulatorClient, systemId: string, pid: number): Promise<Writable | undefined> {
  let stdin: Writable | undefined;
  let failed: unknown;
  await reattach(async () => {
    const a = await c.attachStdin(systemId, pid, true);
    // A plain pipe (not spooled) ended with its previous attachment: nothing to take over.
    if (a.start === undefined || a.eof) { a.sock.destroy(); return; }
    stdin = durableStdin(c, systemId, pid, { sock: a.sock, start: a.start, eof: false }, true);
  }, () => c.isClosed, (e) => { failed = e; });
  if (failed !== undefined) throw failed;
  return stdin;
}
